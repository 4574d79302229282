from collections.abc import Iterator

from generator.cfn.facts import Facts
from generator.cfn.iam_data import matches
from generator.cfn.policies import Statement
from generator.checks.audit.rule import AuditRule, Finding

# IAM writes that give an identity permissions it did not have: policies written or attached to it,
# a policy's version changed, a role's trust rewritten, a role handed to a service, a role or user
# made (with whatever policies follow), a permissions boundary removed.
GRANTING = (
    "iam:PutRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:UpdateAssumeRolePolicy",
    "iam:PassRole", "iam:CreateRole", "iam:CreateUser", "iam:AddUserToGroup", "iam:CreateAccessKey",
    "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary", "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary",
)
# Those a condition on `iam:PermissionsBoundary` bounds: whatever they grant stays inside the boundary.
BOUNDED = ("iam:PutRolePolicy", "iam:PutUserPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy",
           "iam:CreateRole", "iam:CreateUser", "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary")
BOUNDARY = "iam:permissionsboundary"


def everything_like(statement: Statement) -> str | None:
    """The resource that names every role, user, group or policy (`*`, `arn:aws:iam::*:role/*`), if any."""
    if statement.not_resource:
        return "NotResource"
    for resource in statement.resources:
        path = resource.split(":", 5)[-1]  # the resource part of an ARN: role/NAME, policy/PATH/NAME, *
        name = path.split("/", 1)[-1]
        if resource == "*" or path == "*" or name[:1] in ("*", "?"):
            return resource
    return None


class NoIamWriteOnEverything(AuditRule):
    """An Allow statement whose actions (wildcards expanded against the list below) include an IAM
    write that grants permissions (`GRANTING` in this rule's module: Put/Attach policies, policy
    versions, UpdateAssumeRolePolicy, PassRole, CreateRole/CreateUser, access keys, boundaries) on a
    resource naming every role, user, group or policy (`*`, an ARN whose name is a wildcard such as
    `arn:aws:iam::*:role/*`, or `NotResource`) breaks the rule. A condition on
    `iam:PermissionsBoundary` clears the writes that boundary bounds (creating and writing policies
    of roles and users), never PassRole, policy versions or a role's trust. Resources are read with
    `Fn::Sub` spelled out, a computed part counting as `*`: a name made of the stack's name plus `*`
    is a wildcard too, since the stack's name is the caller's choice."""

    id = "SEC1003"
    title = "No identity can grant itself or others more"
    reason = "IAM write on every role or policy turns any permission into administrator access."
    invariant = "5.10"

    def check(self, facts: Facts) -> Iterator[Finding]:
        for statement in facts.statements:
            if statement.trust or "Allow" not in statement.effects or statement.not_action:
                continue  # NotAction with Allow is SEC1001's
            resource = everything_like(statement)
            if resource is None:
                continue
            granted = [action for action in GRANTING if any(matches(pattern, action) for pattern in statement.actions)]
            if BOUNDARY in statement.condition_keys:
                granted = [action for action in granted if action not in BOUNDED]
            if granted:
                yield self.finding(facts, statement.ref, f"allows {', '.join(granted[:3])}"
                                   f"{' ...' if len(granted) > 3 else ''} on {resource!r}; name the roles or "
                                   "policies, or require a permissions boundary")
