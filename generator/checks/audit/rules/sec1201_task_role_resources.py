from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.iam_data import resource_types
from generator.cfn.policies import Statement
from generator.cfn.templates import Res
from generator.checks.audit.rule import AuditRule, Finding

TASKS = "ecs-tasks.amazonaws.com"


def any_resource(statement: Statement) -> bool:
    """`*`, an ARN whose resource part is `*` (`arn:aws:s3:::*`), or NotResource: every resource."""
    return statement.not_resource or any(
        resource == "*" or resource.split(":", 5)[-1] == "*" for resource in statement.resources)


def task_roles(facts: Facts) -> set[Res]:
    return {statement.ref for statement in facts.statements if statement.trust and "Allow" in statement.effects
            and isinstance(statement.principal, dict)
            and TASKS in facts.texts(statement.ref, statement.principal.get("Service"), "a trusted service")}


def holders(facts: Facts, roles: set[Res]) -> dict[Res, Res]:
    """Each resource holding a document a task role is granted by (the role itself, a policy naming it
    in `Roles`, a managed policy it attaches) -> the role."""
    found = {role: role for role in roles}
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
        for ref, properties in facts.set.each(kind):
            named = [properties.get("Roles"), properties.get("RoleName")]
            for reference in facts.set.references(ref.file, named):
                if reference.target in roles:
                    found[ref] = reference.target
    for role in roles:
        attached = facts.set.properties(role).get("ManagedPolicyArns")
        for reference in facts.set.references(role.file, attached):
            found.setdefault(reference.target, role)
    return found


class TaskRoleResources(AuditRule):
    """A task role is any role trusted by `ecs-tasks.amazonaws.com` (the execution role too). An Allow
    statement granting it an action on every resource (`*`, `arn:aws:s3:::*`, NotResource) breaks the
    rule unless AWS offers no resource-level permission for that action: IAM's own catalogue, as
    cfn-lint ships it, lists no resource type for it. The exceptions this tool's templates rely on are
    ECS Exec's `ssmmessages:CreateControlChannel`, `ssmmessages:CreateDataChannel`,
    `ssmmessages:OpenControlChannel` and `ssmmessages:OpenDataChannel` (the execution role's
    `ecr:GetAuthorizationToken` comes with AmazonECSTaskExecutionRolePolicy, see SEC1001);
    any other action with no resource-level permission passes the same way, by the catalogue, not by a
    list written here. A wildcard action is judged as having resources (and is SEC1001's)."""

    id = "SEC1201"
    title = "Task roles name the resources they grant"
    reason = "A task role's `*` resource lends a compromised container every bucket, secret or key of the account."
    invariant = "5.12"

    def check(self, facts: Facts) -> Iterator[Finding]:
        granted_by = holders(facts, task_roles(facts))
        for statement in facts.statements:
            if statement.trust or "Allow" not in statement.effects or statement.ref not in granted_by:
                continue
            if statement.not_action or not any_resource(statement):
                continue
            scoped = [action for action in statement.actions if resource_types(action) != ()]
            if scoped:
                yield self.finding(facts, statement.ref, f"grants {', '.join(scoped[:3])}"
                                   f"{' ...' if len(scoped) > 3 else ''} on every resource; name the resources "
                                   "(only actions AWS offers on no resource may use `*`)")
