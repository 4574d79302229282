from collections.abc import Iterator

from generator.cfn.facts import Facts, SgRule
from generator.checks.audit.rule import AuditRule, Finding

SSH = 22


def _covers_ssh(rule: SgRule) -> bool:
    span = rule.ports()
    tcp = rule.protocol in ("tcp", "6")
    return rule.protocol in ("-1", "all") or (tcp and (span is None or span[0] <= SSH <= span[1]))


class NoSshFromTheInternet(AuditRule):
    id = "SEC601"
    title = "SSH is never open to the whole internet"
    reason = "Port 22 open to 0.0.0.0/0 is scanned within minutes; the bastion admits only known networks."
    invariant = "5.6"
    __doc__ = """Judges CIDRs by meaning and size: `::0/0`, or `0.0.0.0/1` with `128.0.0.0/1` on one group or
    on two groups of one instance, or a declared prefix list holding `0.0.0.0/0` or all but a test network,
    is the internet (see "How nesting is followed" for the threshold)."""

    def check(self, facts: Facts) -> Iterator[Finding]:
        ssh = [rule for rule in facts.rules if rule.direction == "ingress" and _covers_ssh(rule)]
        # Only the SSH rules count towards "the internet": 0.0.0.0/1 on 22 and 128.0.0.0/1 on 443 is not it.
        for rule in facts.world_rules(ssh):
            yield self.finding(facts, rule.declared_by, f"SSH open to {rule.cidr}; list the networks that "
                                   "need it, or use SSM Session Manager")
