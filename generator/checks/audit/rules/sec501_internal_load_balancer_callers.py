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
                   "group and CIDR blocks short of the whole internet (a service's `reachable_from`), not that they "
                   "are exactly the ones whose `talks_to` or `reachable_from` names.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        callers = facts.groups_with("hosts") | facts.groups_with("tasks") | facts.groups_with("vpn")
        public = facts.groups_with("public-load-balancer")
        for group in facts.groups_with("internal-load-balancer") - public:
            for rule in facts.rules_of(group, "ingress"):
                if rule.peer is None and (rule.world or rule.prefix_list or rule.cidr in (None, COMPUTED)):
                    yield self.finding(facts, rule.declared_by, f"internal load balancer admits "
                                       f"{rule.cidr or 'a prefix list'}; admit only the calling services' groups "
                                       "and the networks named in `reachable_from`")
                elif rule.peer is not None and rule.peer not in callers and not isinstance(rule.peer, Param):
                    yield self.finding(facts, rule.declared_by, "internal load balancer admits a group that "
                                       "belongs to no service")
