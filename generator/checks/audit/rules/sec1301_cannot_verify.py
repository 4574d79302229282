from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding


class CannotVerify(AuditRule):
    """The audit fails closed. A value another rule must judge that resolves to nothing it can judge
    (an `Fn::ImportValue`, a parameter with neither AllowedValues nor a name that says what it is, a
    resource from outside the set, a prefix list not declared in the set, an AWS managed policy whose
    content the audit does not know), and a resource of a type the audit neither reads nor knows to be
    inert (the allow-list in `generator/cfn/coverage.py`: anything else may run compute or open a network
    path), or with properties included by `Fn::Transform`, is reported here rather than passed. It is
    a `warning` for templates from outside (`blueprint audit`), an error with `--strict` and in every
    `blueprint build`, whose own templates must be fully verifiable."""

    id = "SEC1301"
    title = "Every security-relevant value can be verified"
    reason = "A value the audit cannot resolve could break any invariant; passing it would make the audit " \
             "fail open."
    invariant = "5.13"
    level = "warning"

    def check(self, facts: Facts) -> Iterator[Finding]:
        # Gather every fact first: reading them is what records what cannot be verified.
        for gathered in (facts.rules, facts.load_balancers, facts.instance_groups, facts.task_placements,
                         facts.statements, facts.admin_like_policies):
            assert gathered is not None
        for balancer in facts.load_balancers:
            facts.listeners_of(balancer)
        for group in facts.instance_groups:
            for subnet in group.subnets:
                facts.subnet_zone(subnet)
        for (ref, what) in list(facts.unverified):
            yield self.finding(facts, ref, f"cannot verify: {what}")
        for ref, what in facts.unread:
            yield self.finding(facts, ref, f"cannot verify: {what}; review it by hand")
