"""A service's (or a job's) IAM grants as awacs statements: the task role's `permissions` (one statement per
resource, the actions of the blueprint's access table, generator/blueprint/permissions.py), the execution role's reading
of the service's secrets and decrypting them with `secrets_kms_key`. Nothing else: what the blueprint
declares is what the roles get (SPEC 5.12)."""

from __future__ import annotations

from awacs import kms, secretsmanager, ssm
from awacs.aws import Statement

from generator.blueprint.jobs import Job
from generator.blueprint.model import Service
from generator.blueprint.permissions import kind_of
from generator.cfn.ids import logical_id
from generator.stacks.iam import statement

Workload = Service | Job  # what runs tasks: both have secrets, a secrets key and permissions


def task_role_statements(service: Workload) -> list[Statement]:
    """One statement per declared resource, in the blueprint's order: its kind's actions for the level, on
    the resource and what the kind's grant covers with it (a bucket's objects, a table's indexes)."""
    found = []
    for index, permission in enumerate(service.permissions, start=1):
        kind = kind_of(permission.resource)
        resources = [resource_arn(permission.resource)]
        if kind.children:
            resources.append(permission.resource + kind.children)
        sid = logical_id(kind.noun.split()[0].lower(), permission.access, str(index))
        found.append(statement(list(kind.levels[permission.access]), resources, sid=sid))
    return found


def resource_arn(arn: str) -> str:
    """The ARN IAM matches: a Secrets Manager secret's own ARN (see `secret_base_arn`), any other as written."""
    return secret_base_arn(arn) if ":secretsmanager:" in arn else arn


def execution_role_statements(service: Workload) -> list[Statement]:
    """Read exactly the service's secrets; decrypt them with its own KMS key when it has one."""
    arns = sorted(set(service.secrets.values()))
    secrets = [secret_base_arn(arn) for arn in arns if ":secretsmanager:" in arn]
    parameters = [arn for arn in arns if ":ssm:" in arn]
    found = []
    if secrets:
        found.append(statement([secretsmanager.GetSecretValue], sorted(set(secrets)), sid="ReadSecrets"))
    if parameters:
        found.append(statement([ssm.GetParameters], parameters, sid="ReadParameters"))
    if service.secrets_kms_key is not None:
        found.append(statement([kms.Decrypt], [service.secrets_kms_key], sid="DecryptSecrets"))
    return found


def secret_base_arn(arn: str) -> str:
    """ECS accepts `SECRET_ARN:json-key:version-stage:version-id`; IAM wants the secret's own ARN. A
    partial ARN (no `-AbCdEf` suffix Secrets Manager appends) matches the real one only with `-??????`."""
    base = ":".join(arn.split(":")[:7])
    name = base.rsplit(":", 1)[-1]
    has_suffix = len(name) > 7 and name[-7] == "-" and name[-6:].isalnum()
    return base if has_suffix else base + "-??????"
