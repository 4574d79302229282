from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding

SSH = 22


class NoSshFromTheInternet(AuditRule):
    id = "SEC601"
    title = "SSH is never open to the whole internet"
    reason = "Port 22 open to 0.0.0.0/0 is scanned within minutes; the bastion admits only known networks."
    invariant = "5.6"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for rule in facts.rules:
            if rule.direction != "ingress" or not rule.from_world:
                continue
            span = rule.ports()
            tcp = rule.protocol in ("tcp", "6")
            covers_ssh = rule.protocol in ("-1", "all") or (tcp and (span is None or span[0] <= SSH <= span[1]))
            if covers_ssh:
                yield self.finding(facts, rule.declared_by, f"SSH open to {rule.cidr}; list the networks that "
                                   "need it, or use SSM Session Manager")
