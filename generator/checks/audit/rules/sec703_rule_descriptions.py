from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class RuleDescriptions(AuditRule):
    id = "SEC703"
    title = "Every security group rule says why it exists"
    reason = "A rule nobody can explain is a rule nobody dares remove."
    invariant = "5.7"
    level = "error"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for rule in facts.rules:
            if rule.description is None:
                yield self.finding(facts, rule.declared_by, f"{rule.direction} rule has no Description")
