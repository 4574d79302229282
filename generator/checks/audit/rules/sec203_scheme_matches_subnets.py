from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class SchemeMatchesSubnets(AuditRule):
    """An internal load balancer flipped to `Scheme: internet-facing` while it stays in private subnets:
    AWS gives its nodes public addresses, its name resolves to them everywhere, and callers inside the VPC
    reach it through the NAT gateways, so their security groups no longer identify them (SEC501's
    group-to-group admission breaks, and the usual "fix" is a CIDR rule that admits the NAT's public
    address, that is everyone behind it). The internet cannot route to it yet; one route-table change
    away, it is public."""

    id = "SEC203"
    title = "An internet-facing load balancer lives in public subnets"
    reason = "An internet-facing load balancer in private subnets is an internal one published by mistake: " \
             "its callers lose their security-group identity behind NAT."
    invariant = "5.2"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for balancer in facts.load_balancers:
            zones = {facts.subnet_zone(subnet) for subnet in balancer.subnets}
            if balancer.internet_facing and zones == {"private"}:
                yield self.finding(facts, balancer.ref, "internet-facing load balancer in private subnets; make "
                                   "it Scheme: internal, or place it in the public subnets")
