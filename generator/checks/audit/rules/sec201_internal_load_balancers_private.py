from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class InternalLoadBalancersPrivate(AuditRule):
    id = "SEC201"
    title = "Internal load balancers use private subnets"
    reason = "An internal load balancer in public subnets sits where the internet-facing tier lives, one " \
             "scheme change away from exposure."
    invariant = "5.2"
    __doc__ = """A scheme given by a parameter is judged on every value it allows: one that may be `internal`
    is held to this rule, one that may be `internet-facing` to the public load balancers' rules."""

    def check(self, facts: Facts) -> Iterator[Finding]:
        for balancer in facts.load_balancers:
            if balancer.may_be_internal and any(facts.subnet_zone(s) == "public" for s in balancer.subnets):
                yield self.finding(facts, balancer.ref, "internal load balancer in public subnets; give it the "
                                   "private subnets")
