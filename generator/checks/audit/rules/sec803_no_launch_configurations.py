from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class NoLaunchConfigurations(AuditRule):
    id = "SEC803"
    title = "No launch configurations"
    reason = "Launch configurations are deprecated: they get no new instance types or features, and accounts " \
             "created since October 2024 cannot create them; launch templates replace them."
    invariant = "5.8"
    description = ("A launch configuration is reported, and its groups and public-IP setting are read (its hosts "
                   "are still hosts to the other rules), but not its metadata options or volumes: SEC801 and "
                   "SEC802 do not look into it.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        for ref, _ in facts.set.each("AWS::AutoScaling::LaunchConfiguration"):
            yield self.finding(facts, ref, "launch configuration; use an AWS::EC2::LaunchTemplate")
