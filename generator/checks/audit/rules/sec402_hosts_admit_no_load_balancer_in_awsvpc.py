from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.placement import Placement
from generator.checks.audit.rule import AuditRule, Finding


class HostsAdmitNoLoadBalancerInAwsvpc(AuditRule):
    id = "SEC402"
    title = "Hosts whose tasks have groups of their own (awsvpc) admit no load balancer"
    reason = "awsvpc tasks are reached on their own interfaces, through their service's own group; a load " \
             "balancer the hosts' group admits reaches the hosts and whatever else listens on them, around " \
             "every service's group."
    invariant = "5.4"
    description = ("It applies when no task definition that may run on EC2 in the set uses bridge or host "
                   "networking (ECS's default on EC2 is bridge, so a task definition without `NetworkMode` counts "
                   "as bridge). A bridge-mode set (`cluster.instances.network_mode: bridge`) reaches its "
                   "containers through the hosts' group on the dynamic port range, and SEC401 alone judges it.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        if Placement.of(facts).shares_host_network:
            return
        balancers = facts.groups_with("public-load-balancer") | facts.groups_with("internal-load-balancer")
        for group in facts.groups_with("hosts"):
            for rule in facts.rules_of(group, "ingress"):
                if rule.peer in balancers:
                    yield self.finding(facts, rule.declared_by, "host group admits a load balancer although every "
                                       "task on the hosts uses awsvpc networking; admit it to the tasks' own group")
