from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class TasksPrivate(AuditRule):
    id = "SEC103"
    title = "Tasks run in private subnets without a public IP"
    reason = "A task with a public IP or in a public subnet can be reached without passing its load balancer."
    invariant = "5.1"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for placement in facts.task_placements:
            if placement.public_ip:
                yield self.finding(facts, placement.ref, "tasks get a public IP; set AssignPublicIp: DISABLED")
            if any(facts.subnet_zone(s) == "public" for s in placement.subnets):
                yield self.finding(facts, placement.ref, "tasks are placed in public subnets; use the private ones")
