from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class OnlyLoadBalancersFaceTheInternet(AuditRule):
    id = "SEC602"
    title = "Only internet-facing load balancers admit the whole internet"
    reason = "The architecture's one idea: the internet reaches load balancers, and nothing else."
    invariant = "5.3, 5.4"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for rule in facts.rules:
            if rule.direction != "ingress" or not rule.from_world:
                continue
            roles = facts.group_roles.get(rule.group, set())
            if roles != {"public-load-balancer"}:
                used_by = ", ".join(sorted(roles)) or "no load balancer"
                yield self.finding(facts, rule.declared_by, f"admits {rule.cidr} into a group used by {used_by}; "
                                   "only an internet-facing load balancer's group may")
