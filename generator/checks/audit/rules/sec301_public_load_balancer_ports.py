from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding

HTTP = 80


class PublicLoadBalancerPorts(AuditRule):
    id = "SEC301"
    title = "A public load balancer admits only its listener ports"
    reason = "Every other open port on an internet-facing group is a door nobody is watching; port 80 stays " \
             "only to redirect to HTTPS, or when there is no certificate."
    invariant = "5.3"
    description = ("A plain HTTP listener counts as forwarding when its default action or any of its listener "
                   "rules forwards rather than redirects to HTTPS. The rule checks ports, not that the sources "
                   "are the service's `allowed_cidrs`.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        for balancer in facts.load_balancers:
            if not balancer.internet_facing:
                continue
            listeners = facts.listeners_of(balancer)
            ports = {listener.port for listener in listeners}
            has_https = any(listener.protocol == "HTTPS" for listener in listeners)
            for listener in listeners:
                if has_https and listener.protocol == "HTTP" and not listener.redirects_to_https:
                    yield self.finding(facts, listener.ref, "plain HTTP listener forwards traffic although HTTPS "
                                       "is available; make it redirect to HTTPS (HTTP_301)")
            for group in balancer.groups:
                for rule in facts.rules_of(group, "ingress"):
                    span = rule.ports()
                    if span is None or span[0] != span[1] or span[0] not in ports or rule.protocol not in ("tcp", "6"):
                        shown = f"{span[0]}-{span[1]}" if span else "all ports"
                        yield self.finding(facts, rule.declared_by, f"internet-facing load balancer group admits "
                                           f"{rule.protocol or '?'} {shown}; admit only the listener ports "
                                           f"({', '.join(str(p) for p in sorted(p for p in ports if p))})")
