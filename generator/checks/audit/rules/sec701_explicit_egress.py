from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class ExplicitEgress(AuditRule):
    id = "SEC701"
    title = "Every security group declares its egress"
    reason = "A group declared without egress keeps AWS's default allow-all egress rule."
    invariant = "5.7"
    description = ("The placeholder egress rule (ICMP to `255.255.255.255/32`) that matches no traffic is how a "
                   "group declares \"no egress\" and drops AWS's default allow-all rule. The rule counts only "
                   "egress declared in the group's own `SecurityGroupEgress`, because standalone egress rules do "
                   "not remove the default.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        for ref, properties in facts.set.each("AWS::EC2::SecurityGroup"):
            if not properties.get("SecurityGroupEgress"):
                yield self.finding(facts, ref, "no SecurityGroupEgress, so the default allow-all egress stays; "
                                   "declare egress (a rule matching no traffic if it needs none)")
