from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class InternalLoadBalancersPrivate(AuditRule):
    id = "SEC201"
    title = "Internal load balancers use private subnets"
    reason = "An internal load balancer in public subnets sits where the internet-facing tier lives, one " \
             "scheme change away from exposure."
    invariant = "5.2"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for balancer in facts.load_balancers:
            if not balancer.internet_facing and any(facts.subnet_zone(s) == "public" for s in balancer.subnets):
                yield self.finding(facts, balancer.ref, "internal load balancer in public subnets; give it the "
                                   "private subnets")
