from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.network_facts import DEFAULT_VPC
from generator.checks.audit.rule import AuditRule, Finding


class HostsInPrivateSubnets(AuditRule):
    id = "SEC101"
    title = "Cluster hosts live in private subnets"
    reason = "A host in a public subnet is one route away from the internet; only load balancers face it."
    invariant = "5.1"

    def check(self, facts: Facts) -> Iterator[Finding]:
        # Read every route, whoever sits in its subnets: a route whose gateway cannot be told is unverified.
        assert facts.public_route_tables is not None
        for group in facts.instance_groups:
            if not group.in_cluster:
                continue
            public = [s for s in group.subnets if facts.subnet_zone(s) == "public"]
            if DEFAULT_VPC in public:
                yield self.finding(facts, group.ref, "cluster hosts name no subnets, so they launch into the default "
                                   "VPC, whose subnets are public; give them the private subnets")
            elif public:
                yield self.finding(facts, group.ref, "cluster hosts are placed in public subnets; use the private "
                                   "subnets (VPCZoneIdentifier / SubnetId)")
