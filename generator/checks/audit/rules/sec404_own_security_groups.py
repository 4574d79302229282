from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.templates import Opaque, Value
from generator.checks.audit.rule import AuditRule, Finding


class OwnSecurityGroups(AuditRule):
    """An awsvpc service, task set or scheduled task, or an application load balancer, with no
    `SecurityGroups` is placed in the VPC's default group, and so is one given
    `Fn::GetAtt Vpc.DefaultSecurityGroup`: that group admits every member of itself and sends
    anywhere, and whatever else lands in it shares it."""

    id = "SEC404"
    title = "Tasks and load balancers have security groups of their own, never the VPC's default group"
    reason = "The default group admits all its members and allows all egress: no rule of SPEC 5.3-5.7 holds in it."
    invariant = "5.4"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for placement in facts.task_placements:
            problem = self._default(facts, placement.groups)
            if problem:
                yield self.finding(facts, placement.ref, f"tasks are placed in {problem}; give the service its own "
                                   "task security group")
        for balancer in facts.load_balancers:
            problem = self._default(facts, balancer.groups)
            if problem:
                yield self.finding(facts, balancer.ref, f"the load balancer is placed in {problem}; give it a "
                                   "security group of its own")

    @staticmethod
    def _default(facts: Facts, groups: tuple[Value, ...]) -> str | None:
        if not groups:
            return "the VPC's default security group (no SecurityGroups)"
        # `Fn::GetAtt Vpc.DefaultSecurityGroup` resolves to that attribute, computed: AWS made the group.
        if any(facts.set.kind(group) == "AWS::EC2::VPC"
               or (isinstance(group, Opaque) and group.text.endswith(".DefaultSecurityGroup")) for group in groups):
            return "the VPC's default security group (DefaultSecurityGroup)"
        return None
