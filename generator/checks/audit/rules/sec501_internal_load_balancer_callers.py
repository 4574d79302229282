import ipaddress
from collections.abc import Iterator

from generator.cfn.facts import COMPUTED, Facts
from generator.cfn.templates import Param
from generator.checks.audit.rule import AuditRule, Finding


class InternalLoadBalancerCallers(AuditRule):
    id = "SEC501"
    title = "An internal load balancer admits only the services that call it"
    reason = "An internal service reachable from a whole network is reachable by everything in it, not just " \
             "by the services that need it."
    invariant = "5.5"
    description = ("It checks that an internal load balancer admits only groups of services, the Client VPN's "
                   "group and CIDR blocks outside the VPC short of the whole internet (a service's "
                   "`reachable_from`), not that they are exactly the ones `talks_to` or `reachable_from` names.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        callers = facts.groups_with("hosts") | facts.groups_with("tasks") | facts.groups_with("vpn")
        public = facts.groups_with("public-load-balancer")
        vpcs = _vpc_blocks(facts)
        for group in facts.groups_with("internal-load-balancer") - public:
            for rule in facts.rules_of(group, "ingress"):
                if rule.peer is None and not _outside_network(rule.cidr, rule.world or rule.prefix_list, vpcs):
                    yield self.finding(facts, rule.declared_by, f"internal load balancer admits "
                                       f"{rule.cidr or 'a prefix list'}; admit only the calling services' groups "
                                       "and the networks named in `reachable_from`")
                elif rule.peer is not None and rule.peer not in callers and not isinstance(rule.peer, Param):
                    yield self.finding(facts, rule.declared_by, "internal load balancer admits a group that "
                                       "belongs to no service")


def _vpc_blocks(facts: Facts) -> list[ipaddress.IPv4Network] | None:
    """The VPCs' blocks in the set; None when one is not a literal (nothing can be judged against it)."""
    blocks = []
    for _, properties in facts.set.each("AWS::EC2::VPC"):
        try:
            blocks.append(ipaddress.IPv4Network(str(properties.get("CidrBlock"))))
        except ValueError:
            return None
    return blocks


def _outside_network(cidr: str | None, unbounded: bool, vpcs: list[ipaddress.IPv4Network] | None) -> bool:
    """A network the blueprint names in `reachable_from`: a literal block short of the internet, outside the VPC
    (a block inside it admits every task and host there, not the callers)."""
    if unbounded or cidr in (None, COMPUTED) or vpcs is None:
        return False
    try:
        network = ipaddress.ip_network(str(cidr))
    except ValueError:
        return False
    return network.version == 4 and not any(network.overlaps(vpc) for vpc in vpcs)
