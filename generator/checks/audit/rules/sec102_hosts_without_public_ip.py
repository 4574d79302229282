from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class HostsWithoutPublicIp(AuditRule):
    id = "SEC102"
    title = "Cluster hosts get no public IP"
    reason = "A public IP makes a host reachable from the internet, around its load balancers."
    invariant = "5.1"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for group in facts.instance_groups:
            if group.in_cluster and group.public_ip:
                where = group.launch_template or group.ref
                yield self.finding(facts, where, "cluster hosts get a public IP; set AssociatePublicIpAddress "
                                   "to false")
