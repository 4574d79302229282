from collections.abc import Iterator

from generator.cfn.facts import Facts, SgRule
from generator.cfn.templates import Param, Value
from generator.checks.audit.rule import AuditRule, Finding

SSH = 22


class HostsAdmitOnlyLoadBalancers(AuditRule):
    id = "SEC401"
    title = "Cluster hosts and tasks admit only load balancers (and SSH only from operator groups)"
    reason = "A host, or an awsvpc task with a group of its own, that admits any network directly is reachable " \
             "around its load balancers."
    invariant = "5.4"
    description = ("Which load balancers a host group may admit depends on how its tasks are networked: with "
                   "awsvpc tasks none may (SEC402); with bridge tasks, those of the EC2 services.")

    description = ("A task group admits its load balancer only on one port, the container port its service's "
                   "`LoadBalancers` name (the target group's port), never a range. A host group admits no load "
                   "balancer unless bridge networking opts in (the dynamic port range).")

    @staticmethod
    def _container_port(rule: SgRule, ports: set[int] | None) -> bool:
        found = rule.ports()
        return found is not None and found[0] == found[1] and (not ports or found[0] in ports)

    @staticmethod
    def _shown(rule: SgRule) -> str:
        found = rule.ports()
        return "every port" if found is None else f"ports {found[0]}-{found[1]}" if found[0] != found[1] \
            else f"port {found[0]}"

    def check(self, facts: Facts) -> Iterator[Finding]:
        balancers = facts.groups_with("public-load-balancer") | facts.groups_with("internal-load-balancer")
        operators = facts.groups_with("bastion") | facts.groups_with("vpn")
        hosts, tasks = facts.groups_with("hosts"), facts.groups_with("tasks")
        ports: dict[Value, set[int]] = {}
        for placement in facts.task_placements:
            for task_group in placement.groups:
                ports.setdefault(task_group, set()).update(placement.container_ports)
        for group in hosts | tasks:
            role = "host" if group in hosts else "task"
            for rule in facts.rules_of(group, "ingress"):
                if rule.peer is None:
                    yield self.finding(facts, rule.declared_by, f"{role} group admits {rule.cidr or 'a prefix list'}"
                                       f"; {role}s admit only load balancer groups (no CIDR ingress)")
                    continue
                if isinstance(rule.peer, Param):
                    continue
                if rule.ports() == (SSH, SSH) and rule.peer in operators:
                    continue
                if rule.peer in balancers and role == "task" and not self._container_port(rule, ports.get(group)):
                    yield self.finding(facts, rule.declared_by, f"task group admits its load balancer on "
                                       f"{self._shown(rule)}; admit it only on the container port "
                                       f"({', '.join(map(str, sorted(ports.get(group) or ()))) or 'one port'})")
                elif rule.peer not in balancers:
                    yield self.finding(facts, rule.declared_by, f"{role} group admits a group that is not a load "
                                       "balancer (SSH is allowed only from the bastion or VPN group)")
