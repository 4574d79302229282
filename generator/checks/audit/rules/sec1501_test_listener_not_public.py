from collections.abc import Iterator

from generator.cfn import cidrs
from generator.cfn.facts import COMPUTED, Facts
from generator.cfn.network_facts import to_int
from generator.cfn.rollouts import shiftings
from generator.checks.audit.rule import AuditRule, Finding


class NoInternetOnTestListener(AuditRule):
    """A test listener is one ECS names in a service's `LoadBalancers[].AdvancedConfiguration.TestListenerRule`
    (the listener of that rule). Every ingress rule of its load balancer's groups that admits the listener's
    port is judged together: CIDRs that alone or together are the internet (as SEC602 counts them) break the
    rule. SEC301 accepts the port as a listener port; this rule is the condition on who may use it."""

    id = "SEC1501"
    title = "A test listener never admits the internet"
    reason = "The test listener serves the new revision before it has proved itself; from the internet it " \
             "is a second, untested front door."
    invariant = "5.3"

    def check(self, facts: Facts) -> Iterator[Finding]:
        balancers = {balancer.ref: balancer for balancer in facts.load_balancers}
        seen: set[tuple[str, str]] = set()
        for shifting in shiftings(facts):
            for listener in shifting.test_listeners:
                properties = facts.set.properties(listener)
                port = to_int(properties.get("Port"))
                for owner in facts.many(listener.file, properties.get("LoadBalancerArn")):
                    balancer = balancers.get(owner)  # type: ignore[call-overload]
                    if balancer is None or port is None:
                        continue
                    admitting = [rule for group in balancer.groups for rule in facts.rules_of(group, "ingress")
                                 if rule.ports() is not None and rule.ports()[0] <= port <= rule.ports()[1]]
                    world = cidrs.internet_parts({rule.cidr for rule in admitting
                                                  if rule.cidr not in (None, COMPUTED)})
                    for rule in admitting:
                        key = (rule.declared_by.file, rule.declared_by.id)
                        if (rule.cidr in world or rule.world) and key not in seen:
                            seen.add(key)
                            yield self.finding(facts, rule.declared_by, f"test listener port {port} admits "
                                               f"{rule.cidr}; admit only the networks that test (a public "
                                               "service's allowed_cidrs short of the internet, an internal "
                                               "one's reachable_from)")
