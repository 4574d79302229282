from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class ExplicitEgress(AuditRule):
    id = "SEC701"
    title = "Every security group declares its egress"
    reason = "A group declared without egress keeps AWS's default allow-all egress rule."
    invariant = "5.7"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for ref, properties in facts.set.each("AWS::EC2::SecurityGroup"):
            if not properties.get("SecurityGroupEgress"):
                yield self.finding(facts, ref, "no SecurityGroupEgress, so the default allow-all egress stays; "
                                   "declare egress (a rule matching no traffic if it needs none)")
