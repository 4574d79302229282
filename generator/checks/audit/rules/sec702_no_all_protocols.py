from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class NoAllProtocols(AuditRule):
    id = "SEC702"
    title = "No rule allows every protocol"
    reason = "Protocol -1 opens every port of every protocol; a rule should say which port it is for."
    invariant = "5.7"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for rule in facts.rules:
            if rule.protocol in ("-1", "all"):
                yield self.finding(facts, rule.declared_by, f"{rule.direction} rule uses protocol -1 (everything); "
                                   "name the protocol and ports")
