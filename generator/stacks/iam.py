"""The one way to declare IAM roles: each trusts exactly one AWS service (SPEC 5.10), and policies
are awacs documents with named actions (never `*`)."""

from __future__ import annotations

from collections.abc import Sequence

from awacs.aws import Allow, Condition, PolicyDocument, Principal, Statement
from awacs.sts import AssumeRole
from troposphere import Sub, Template, iam

POLICY_VERSION = "2012-10-17"


def managed_policy(name: str) -> Sub:
    """An AWS managed policy ARN in the stack's own partition."""
    return Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{name}")


def statement(actions: Sequence[object], resources: Sequence[object], sid: str | None = None) -> Statement:
    kwargs = {"Sid": sid} if sid else {}
    return Statement(Effect=Allow, Action=list(actions), Resource=list(resources), **kwargs)


def service_role(
    template: Template,
    name: str,
    service: str,
    description: str,
    *,
    managed: Sequence[str] = (),
    statements: Sequence[Statement] = (),
    trust_condition: Condition | None = None,
) -> iam.Role:
    """A role only `service` (e.g. ecs-tasks.amazonaws.com) may assume."""
    trust = Statement(Effect=Allow, Principal=Principal("Service", service), Action=[AssumeRole])
    if trust_condition is not None:
        trust.Condition = trust_condition
    role = iam.Role(
        name,
        Description=description,
        AssumeRolePolicyDocument=PolicyDocument(Version=POLICY_VERSION, Statement=[trust]),
    )
    if managed:
        role.ManagedPolicyArns = [managed_policy(policy) for policy in managed]
    if statements:
        role.Policies = [iam.Policy(
            PolicyName="least-privilege",
            PolicyDocument=PolicyDocument(Version=POLICY_VERSION, Statement=list(statements)),
        )]
    return template.add_resource(role)


def instance_profile(template: Template, name: str, role: iam.Role) -> iam.InstanceProfile:
    return template.add_resource(iam.InstanceProfile(name, Roles=[role.ref()]))

