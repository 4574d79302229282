import ipaddress
from collections.abc import Iterator

from generator.cfn.facts import COMPUTED, Facts, SgRule
from generator.checks.audit.rule import AuditRule, Finding

# A destination this wide is "the internet" for this rule: an IPv4 /8 or wider, an IPv6 /32 or wider.
BROAD_V4, BROAD_V6 = 8, 32
TCP = ("tcp", "6")


def broad(rule: SgRule) -> bool:
    if rule.world:
        return True
    if rule.cidr is None or rule.cidr == COMPUTED:
        return False
    try:
        network = ipaddress.ip_network(rule.cidr, strict=False)
    except ValueError:
        return False
    return network.prefixlen <= (BROAD_V4 if network.version == 4 else BROAD_V6)


class TaskEgress(AuditRule):
    """Reads the egress of every task security group (a group an awsvpc service, task set or
    schedule places tasks in). To a destination as wide as an IPv4 /8 or an IPv6 /32 (the internet
    itself included, however spelled), a task sends only TCP on one port (HTTPS, or a port the
    blueprint declares): a port range, all ports, UDP or any other protocol there breaks the rule.
    Egress to other security groups and to narrow networks is the blueprint's declared destinations."""

    id = "SEC1101"
    title = "Tasks send to the internet only on single TCP ports"
    reason = "A task that may send anything anywhere can exfiltrate data or reach a command server unnoticed."
    invariant = "5.11"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for group in facts.groups_with("tasks"):
            for rule in facts.rules_of(group, "egress"):
                if rule.is_placeholder or rule.peer is not None or not broad(rule):
                    continue
                ports = rule.ports()
                if rule.protocol not in TCP:
                    yield self.finding(facts, rule.declared_by, f"task group sends {rule.protocol or 'every protocol'}"
                                       f" to {rule.cidr}; tasks send only TCP (HTTPS) to the internet")
                elif ports is None or ports[0] != ports[1]:
                    shown = "every port" if ports is None else f"ports {ports[0]}-{ports[1]}"
                    yield self.finding(facts, rule.declared_by, f"task group sends on {shown} to {rule.cidr}; "
                                       "open only the port the destination listens on (443 for HTTPS)")
