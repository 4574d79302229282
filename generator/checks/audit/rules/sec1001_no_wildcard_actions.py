from collections.abc import Iterator
from typing import Any

from generator.cfn.facts import Facts
from generator.cfn.policies import wildcard
from generator.checks.audit.rule import AuditRule, Finding


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class NoWildcardActions(AuditRule):
    """Reads every policy document of roles, users and groups (inline `Policies`) and of
    `AWS::IAM::Policy`, `ManagedPolicy`, `RolePolicy`, `UserPolicy` and `GroupPolicy`, JSON strings
    included, and every branch of an `Fn::If` around a document, a statement or an action. `*` and
    `?` are both wildcards. An AWS managed policy that grants administrator access (AdministratorAccess,
    PowerUserAccess, IAMFullAccess, ... see `generator/cfn/policies.py`) or a whole service (a name
    ending in FullAccess) breaks the rule as a written `*` does."""

    id = "SEC1001"
    title = "IAM policies name their actions"
    reason = "A `*` in an action grants whatever AWS adds to that service tomorrow."
    invariant = "5.10"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for statement in facts.statements:
            if statement.trust or "Allow" not in statement.effects:
                continue
            if statement.not_action:
                yield self.finding(facts, statement.ref, "Allow with NotAction grants everything else; list the "
                                   "actions")
                continue
            wild = [action for action in statement.actions if wildcard(action)]
            if wild:
                yield self.finding(facts, statement.ref, f"action {wild[0]!r} uses a wildcard; name the actions")
        for ref, policy in facts.admin_like_policies:
            yield self.finding(facts, ref, f"attaches the AWS managed policy {policy}, which grants every action "
                               "of a service or more; attach a policy naming its actions")
