from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class HostsInPrivateSubnets(AuditRule):
    id = "SEC101"
    title = "Cluster hosts live in private subnets"
    reason = "A host in a public subnet is one route away from the internet; only load balancers face it."
    invariant = "5.1"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for group in facts.instance_groups:
            if not group.in_cluster:
                continue
            public = [s for s in group.subnets if facts.subnet_zone(s) == "public"]
            if public:
                yield self.finding(facts, group.ref, "cluster hosts are placed in public subnets; use the private "
                                   "subnets (VPCZoneIdentifier / SubnetId)")
