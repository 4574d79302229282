from collections.abc import Iterator
from typing import Any

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


def _shapes(value: Any) -> list[Any]:
    """Each value an `Fn::If` may leave (None for `AWS::NoValue` or nothing); entries are not expanded,
    since an entry that a condition may drop does not count as declared egress."""
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), = value.items()
        if function == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
            return _shapes(argument[1]) + _shapes(argument[2])
        if function == "Ref" and argument == "AWS::NoValue":
            return [None]
    return [value]


def _always_some(shape: Any) -> bool:
    """Whether a list of egress rules holds at least one rule whichever way its conditions go."""
    return isinstance(shape, list) and any(all(isinstance(each, dict) for each in _shapes(entry)) for entry in shape)


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
            # `!Ref AWS::NoValue` (for the whole list, or for each entry) leaves AWS's allow-all egress.
            if not all(_always_some(shape) for shape in _shapes(properties.get("SecurityGroupEgress"))):
                yield self.finding(facts, ref, "no SecurityGroupEgress, so the default allow-all egress stays; "
                                   "declare egress (a rule matching no traffic if it needs none)")
