from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class NoLaunchConfigurations(AuditRule):
    id = "SEC803"
    title = "No launch configurations"
    reason = "Launch configurations are deprecated: they get no new instance types or features, and accounts " \
             "created since October 2024 cannot create them; launch templates replace them."
    invariant = "5.8"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for ref, _ in facts.set.each("AWS::AutoScaling::LaunchConfiguration"):
            yield self.finding(facts, ref, "launch configuration; use an AWS::EC2::LaunchTemplate")
