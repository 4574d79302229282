from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.templates import Param
from generator.checks.audit.rule import AuditRule, Finding


class LoadBalancerEgressToTargets(AuditRule):
    id = "SEC302"
    title = "A load balancer sends only to its targets' security group"
    reason = "A load balancer that may send anywhere turns a compromised listener rule into a path to " \
             "everything in the VPC."
    invariant = "5.3"
    description = ("It checks the peer group, not the port range. The placeholder egress rule that matches no "
                   "traffic (see SEC701) sends nowhere and passes.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        targets = facts.groups_with("hosts") | facts.groups_with("tasks")
        for group in facts.groups_with("public-load-balancer") | facts.groups_with("internal-load-balancer"):
            for rule in facts.rules_of(group, "egress"):
                if rule.is_placeholder:
                    continue
                if rule.peer is None:
                    where = rule.cidr or "a prefix list"
                    yield self.finding(facts, rule.declared_by, f"load balancer group sends to {where}; send only "
                                       "to the targets' security group")
                elif rule.peer not in targets and not isinstance(rule.peer, Param):
                    yield self.finding(facts, rule.declared_by, "load balancer group sends to a group that is not "
                                       "one of its targets (hosts or tasks)")
