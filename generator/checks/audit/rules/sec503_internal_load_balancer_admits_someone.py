from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.templates import Res
from generator.checks.audit.rule import AuditRule, Finding


class InternalLoadBalancerAdmitsSomeone(AuditRule):
    id = "SEC503"
    title = "An internal load balancer admits someone"
    reason = "An internal load balancer whose group admits nothing serves no one: no service calls it and no " \
             "network reaches it, yet it is paid for by the hour."
    invariant = "5.5"
    level = "warning"
    description = ("A `warning`, not an `error`: nothing is exposed, and a service may be built before its first "
                   "caller (or be reached from outside this template set). In a blueprint it means an internal "
                   "service that no other service's `talks_to` names and no `reachable_from` opens.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        public = facts.groups_with("public-load-balancer")
        for group in sorted(facts.groups_with("internal-load-balancer") - public, key=str):
            if isinstance(group, Res) and not facts.rules_of(group, "ingress"):
                yield self.finding(facts, group, "internal load balancer admits nobody: no service calls it "
                                   "(talks_to) and no network reaches it (reachable_from)")
