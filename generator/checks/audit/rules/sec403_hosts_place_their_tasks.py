from collections.abc import Iterator

from generator.cfn.density import SOURCE, TABLE_DATE
from generator.cfn.facts import Facts
from generator.cfn.placement import Placement
from generator.checks.audit.rule import AuditRule, Finding
from generator.words import counted


class HostsPlaceTheirTasks(AuditRule):
    """Each awsvpc task on an EC2 host takes one of the host's network interfaces, so the most hosts of an
    auto scaling group (`MaxSize`) hold a fixed number of such tasks: interfaces less one per host, or ECS's
    figure with ENI trunking (the `awsvpcTrunking` account setting) on a type that supports it. The rule adds
    up the `DesiredCount` of the awsvpc services placed on each group and warns when even trunking cannot
    hold them, or when it cannot tell (a type outside its dated table of interface limits, in
    generator/cfn/density.py, or a `MaxSize` that is not a literal). When only trunking holds them it says
    nothing: `blueprint deploy` reads the account setting and says what to run. It counts interfaces, not
    CPU or memory, and desired tasks, not the extra ones a rolling deployment starts. A `warning`, not an
    error: the templates deploy and run what fits, and a maximum may be kept low on purpose (cost)."""

    id = "SEC403"
    title = "EC2 hosts can place their services' awsvpc tasks"
    reason = "A task that finds no free network interface waits in PROVISIONING: the service stays below its " \
             "desired count, and managed scaling cannot add hosts beyond the group's maximum."
    invariant = "5.4"
    level = "warning"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for hosts in Placement.of(facts).hosts:
            if not hosts.tasks or not hosts.instance_types:  # an unreadable launch template is SEC1301's
                continue
            types = ", ".join(hosts.instance_types)
            if not hosts.known:
                hosts_shown = counted(hosts.max_hosts, "host") if hosts.max_hosts else "its most hosts"
                yield self.finding(facts, hosts.hosts, (
                    f"cannot tell whether there is room for {counted(hosts.tasks, 'awsvpc task')} on {hosts_shown} "
                    f"of {types}: it knows the interface limits of the types in its table of {TABLE_DATE} "
                    f"({SOURCE}), and needs a literal MaxSize"))
                continue
            best = hosts.capacity(trunking=True)
            if best < hosts.tasks:
                trunk = "with ENI trunking" if any(d and d.trunking for d in hosts.densities) else \
                    "and the type does not support ENI trunking"
                yield self.finding(facts, hosts.hosts, (
                    f"room for at most {counted(best, 'awsvpc task')} on {counted(hosts.max_hosts or 0, 'host')} "
                    f"of {types} ({trunk}), but the services want {hosts.tasks}: raise cluster.instances.max, pick "
                    "a type with more network interfaces or trunking support, or set "
                    "cluster.instances.network_mode: bridge"))
