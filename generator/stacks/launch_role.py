"""A least-privilege Service Catalog launch role, derived from the templates' own resource types.

CloudFormation's resource provider schemas (shipped with cfn-lint) list, for every resource type, the
IAM actions its create, read, update and delete handlers call. The launch role gets exactly the union
of those for the types in the product templates, plus what launching itself needs (nested stacks, the
templates in S3, AMI parameters in SSM). A schema's wildcard (`ec2:Describe*`) is expanded to the
named actions awacs knows, so no action carries a `*`. `iam:PassRole` may pass roles only to the
services the templates hand them to.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from functools import cache

from awacs.aws import Action, Allow, Condition, Statement, StringEquals
from troposphere import Sub

HANDLERS = ("create", "read", "update", "delete")
# What launching a product needs beyond its resources' own handlers.
LAUNCH_ACTIONS = (
    "cloudformation:CreateStack", "cloudformation:DeleteStack", "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStacks", "cloudformation:GetTemplateSummary", "cloudformation:SetStackPolicy",
    "cloudformation:UpdateStack", "cloudformation:ValidateTemplate", "cloudformation:CreateChangeSet",
    "cloudformation:DescribeChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:DeleteChangeSet",
    "cloudformation:TagResource", "cloudformation:UntagResource",
)
PASSED_TO = ("ecs-tasks.amazonaws.com", "ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com",
             "application-autoscaling.amazonaws.com", "ecs.amazonaws.com")
MAX_POLICY_CHARACTERS = 5_500  # a managed policy may hold 6,144 characters; keep room for the JSON around


@cache
def _schema_permissions(resource_type: str) -> tuple[str, ...]:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    handlers = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema.get("handlers", {})
    found: list[str] = []
    for handler in HANDLERS:
        found.extend(handlers.get(handler, {}).get("permissions", []))
    return tuple(found)


@cache
def _named_actions(service: str) -> tuple[str, ...]:
    try:
        module = importlib.import_module(f"awacs.{service.replace('-', '_')}")
    except ImportError:
        return ()
    return tuple(sorted(value.JSONrepr() for value in vars(module).values() if isinstance(value, Action)))


def expand(action: str) -> list[str]:
    """`ec2:Describe*` -> every named ec2:Describe... action; a named action -> itself."""
    if "*" not in action:
        return [action]
    service, pattern = action.split(":", 1)
    stem = pattern.rstrip("*")
    if "*" in stem:
        return []
    return [name for name in _named_actions(service) if name.split(":", 1)[1].startswith(stem)]


@cache
def _iam_actions() -> dict[str, frozenset[str]]:
    """IAM's actions by service prefix, lower-cased, from the data cfn-lint checks policies with."""
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource

    services = load_resource(AdditionalSpecs, "Policies.json")
    return {prefix: frozenset(spec.get("Actions", {})) for prefix, spec in services.items()}


def is_iam_action(action: str) -> bool:
    """Some schemas list API operations that are not IAM actions (`s3:DeleteBucketCors`); drop those."""
    service, _, name = action.partition(":")
    return name.lower() in _iam_actions().get(service.lower(), frozenset())


def launch_actions(resource_types: Iterable[str]) -> list[str]:
    actions: set[str] = set(LAUNCH_ACTIONS)
    for resource_type in resource_types:
        for permission in _schema_permissions(resource_type):
            actions.update(expand(permission))
    actions.discard("iam:PassRole")  # granted on its own, with a condition
    return sorted(action for action in actions if is_iam_action(action))


def launch_statements(resource_types: Iterable[str], bucket_parameter: str) -> list[list[Statement]]:
    """Policy documents' statements, split so each fits a managed policy. IAM actions are limited to
    this account's IAM resources; SSM reads to AWS's public parameters (the AMIs); everything else
    applies to resources whose names CloudFormation generates, so it cannot be narrowed further."""
    documents: list[list[Statement]] = [[
        Statement(Sid="ReadPublishedTemplates", Effect=Allow, Action=[Action("s3", "GetObject")],
                  Resource=[Sub(f"arn:${{AWS::Partition}}:s3:::${{{bucket_parameter}}}/*")]),
        Statement(Sid="ReadPublicAmiParameters", Effect=Allow, Action=[Action("ssm", "GetParameters")],
                  Resource=[Sub("arn:${AWS::Partition}:ssm:${AWS::Region}::parameter/aws/service/*")]),
        Statement(Sid="PassRolesToTheirServices", Effect=Allow, Action=[Action("iam", "PassRole")],
                  Resource=[Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*")],
                  Condition=Condition(StringEquals("iam:PassedToService", list(PASSED_TO)))),
    ]]
    actions = launch_actions(resource_types)
    scoped = {
        "iam": [Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"),
                Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/*"),
                Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*")],
    }
    for service, resources in scoped.items():
        group = [a for a in actions if a.startswith(f"{service}:")]
        if group:
            documents[0].append(Statement(Sid=f"Manage{service.upper()}InThisAccount", Effect=Allow,
                                          Action=[Action(*a.split(":", 1)) for a in group], Resource=resources))
    chunk: list[str] = []
    size = 0
    for action in (a for a in actions if a.split(":", 1)[0] not in scoped):
        if size + len(action) + 4 > MAX_POLICY_CHARACTERS and chunk:
            documents.append([_statement(chunk, len(documents))])
            chunk, size = [], 0
        chunk.append(action)
        size += len(action) + 4
    if chunk:
        documents.append([_statement(chunk, len(documents))])
    return documents


def _statement(actions: list[str], index: int) -> Statement:
    return Statement(Sid=f"ManageTheProductsResources{index}", Effect=Allow,
                     Action=[Action(*action.split(":", 1)) for action in actions], Resource=["*"])
