"""A least-privilege Service Catalog launch role, derived from the templates' own resource types.

CloudFormation's resource provider schemas (shipped with cfn-lint) list, for every resource type, the
IAM actions its create, read, update and delete handlers call. The launch role gets exactly the union
of those for the types in the product templates, plus what launching itself needs (nested stacks, the
templates in S3, AMI parameters in SSM). A schema's wildcard (`ec2:Describe*`) is expanded to the
named actions awacs knows, so no action carries a `*`. The products make no IAM resource (the portfolio
stack does), so a role may only pass roles, and only to the services the templates hand them to: each
product has a launch role of its own that may pass and read only the catalog roles its own templates take.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from awacs.aws import Action, Allow, Condition, Statement, StringEquals
from troposphere import GetAtt, Sub

from generator.cfn.iam_data import services
from generator.cfn.ids import logical_id

HANDLERS = ("create", "read", "update", "delete")
# What launching a product needs beyond its resources' own handlers.
LAUNCH_ACTIONS = (
    "cloudformation:CreateStack", "cloudformation:DeleteStack", "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStacks", "cloudformation:GetTemplateSummary", "cloudformation:SetStackPolicy",
    "cloudformation:UpdateStack", "cloudformation:ValidateTemplate", "cloudformation:CreateChangeSet",
    "cloudformation:DescribeChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:DeleteChangeSet",
    "cloudformation:TagResource", "cloudformation:UntagResource",
)
PARAMETER_READS = frozenset({"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
                             "ssm:GetParameterHistory"})
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
    return {prefix: frozenset(spec.get("Actions", {})) for prefix, spec in services().items()}


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
    # Reading parameters too: a schema's `ssm:Get*` (the Auto Scaling group's) would otherwise reach the catalog's
    # role parameters of every product. Launches read AWS's public AMI parameters (ReadPublicAmiParameters) and
    # their own product's role parameters (role_statements); the products create no parameter of their own.
    actions.difference_update(PARAMETER_READS)
    return sorted(action for action in actions if is_iam_action(action))


def launch_statements(resource_types: Iterable[str], bucket_parameter: str) -> list[list[Statement]]:
    """The statements every product's launch role shares, split so each document fits a managed policy.

    Every action is scoped as tightly as its resources' names allow. IAM's actions are not here: each
    product's launch role gets its own (`role_statements`). Buckets get names CloudFormation makes from
    the stack's name, and Service Catalog names every stack it launches `SC-<account>-pp-<id>` (nested
    stacks start the same way), so S3 is limited to that prefix. Other actions are limited to this
    account's and region's resources of their service (their ARN formats come from the IAM data cfn-lint
    ships). Only actions AWS grants on no resource ARN at all keep `*`, in statements of their own."""
    documents: list[list[Statement]] = [[
        Statement(Sid="ReadPublishedTemplates", Effect=Allow, Action=[Action("s3", "GetObject")],
                  Resource=[Sub(f"arn:${{AWS::Partition}}:s3:::${{{bucket_parameter}}}/*")]),
        Statement(Sid="ReadPublicAmiParameters", Effect=Allow, Action=[Action("ssm", "GetParameters")],
                  Resource=[Sub("arn:${AWS::Partition}:ssm:${AWS::Region}::parameter/aws/service/*")]),
    ]]
    by_scope: dict[str, list[str]] = {}
    for action in launch_actions(resource_types):
        by_scope.setdefault(_scope(action), []).append(action)
    by_scope.pop(IAM, None)  # per product: role_statements
    unscoped = by_scope.pop(ANY_RESOURCE, [])
    for scopes in (sorted(by_scope), [ANY_RESOURCE] if unscoped else []):  # `*` in documents of its own
        chunk: list[Statement] = []
        size = 0
        for scope in scopes:
            for part in _split(unscoped if scope == ANY_RESOURCE else by_scope[scope]):
                length = len(scope) + sum(len(action) + 4 for action in part) + 200
                if size + length > MAX_POLICY_CHARACTERS and chunk:
                    documents.append(chunk)
                    chunk, size = [], 0
                chunk.append(_statement(scope, part, len(chunk)))
                size += length
        if chunk:
            documents.append(chunk)
    return documents


def role_statements(resource_types: Iterable[str], passed_roles: Mapping[str, Sequence[GetAtt]],
                    parameters: Sequence[str]) -> list[Statement]:
    """One product's IAM statements: `iam:PassRole` on exactly the catalog roles its templates take
    (`passed_roles`: service -> the roles that trust it), each only to that service; `ssm:GetParameters`
    on exactly the SSM parameters (names) that hold their ARNs; and what the resource handlers do with
    IAM (read the roles passed to them, create their service's service-linked role) on those roles and
    on AWS's service-linked roles. So a launcher who points a product's role parameter at another
    product's parameter can neither read it nor pass the role it names."""
    statements: list[Statement] = []
    if parameters:
        statements.append(Statement(
            Sid="ReadCatalogRoleParameters", Effect=Allow, Action=[Action("ssm", "GetParameters")],
            Resource=[Sub(f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{name}")
                      for name in parameters]))
    for service, roles in sorted(passed_roles.items()):  # each role only to the one service it trusts
        statements.append(Statement(
            Sid=f"PassCatalogRolesTo{logical_id(service.split('.')[0])}", Effect=Allow,
            Action=[Action("iam", "PassRole")], Resource=list(roles),
            Condition=Condition(StringEquals("iam:PassedToService", service))))
    iam_actions = [action for action in launch_actions(resource_types) if _scope(action) == IAM]
    if iam_actions:
        statements.append(Statement(
            Sid="ReadCatalogRolesAndLinkServices", Effect=Allow,
            Action=[Action(*action.split(":", 1)) for action in iam_actions],
            Resource=[*(role for _, roles in sorted(passed_roles.items()) for role in roles),
                      Sub(SERVICE_LINKED_ROLES)]))
    return statements


# What Service Catalog names a launched stack (`SC-<account>-pp-<id>`), and CloudFormation the buckets it
# names after it: in lower case (the account id has no letters).
LAUNCHED_BUCKETS = "sc-${AWS::AccountId}-pp-*"
ANY_RESOURCE = "*"
# Resources CloudFormation names after the launched stack, whose names are the only handle: S3's.
NAMED_AFTER_THE_STACK = {
    "s3": ("arn:${AWS::Partition}:s3:::" + LAUNCHED_BUCKETS, "arn:${AWS::Partition}:s3:::" + LAUNCHED_BUCKETS + "/*"),
}
# IAM's actions left (the products create no IAM resource: resource handlers read the roles passed to them
# and create their service's service-linked role) go on the catalog's roles and on AWS's service-linked
# roles, which trust only their service and hold only AWS's policy: making one grants nobody anything.
IAM = "iam"
SERVICE_LINKED_ROLES = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/*"


def _scope(action: str) -> str:
    """The resources an action is granted on, as one key: a service's own launched names, this account's
    and region's ARNs of the service (space-separated prefixes), or `*` where AWS has no resource-level
    permission for it."""
    service, _, name = action.partition(":")
    if service in NAMED_AFTER_THE_STACK or service == IAM:
        return service
    formats = _arn_formats(service, name)
    if not formats:
        return ANY_RESOURCE
    # arn:PARTITION:SERVICE:REGION:ACCOUNT of each format (some have no region or account, e.g. AWS's pools)
    return " ".join(sorted({":".join(fmt.split(":")[:5]) for fmt in formats}))


@cache
def _arn_formats(service: str, name: str) -> tuple[str, ...]:
    """The ARN formats of the resource types an action can be limited to (none: `*` only)."""
    spec = services().get(service.lower(), {})
    resources = (spec.get("Actions", {}).get(name.lower()) or {}).get("Resources") or []
    known = spec.get("Resources", {})
    return tuple(fmt for resource in resources
                 for fmt in (known.get(resource.rstrip("*")) or {}).get("ARNFormats", []))


def _resources(scope: str) -> list[Sub | str]:
    if scope == ANY_RESOURCE:
        return [ANY_RESOURCE]
    if scope in NAMED_AFTER_THE_STACK:
        return [Sub(arn) for arn in NAMED_AFTER_THE_STACK[scope]]
    return [Sub(prefix.replace("${Partition}", "${AWS::Partition}").replace("${Region}", "${AWS::Region}")
                .replace("${Account}", "${AWS::AccountId}") + ":*") for prefix in scope.split(" ")]


def _split(actions: list[str]) -> list[list[str]]:
    """Actions in runs that fit one policy document each."""
    runs: list[list[str]] = [[]]
    size = 0
    for action in actions:
        if size + len(action) + 4 > MAX_POLICY_CHARACTERS - 400 and runs[-1]:
            runs.append([])
            size = 0
        runs[-1].append(action)
        size += len(action) + 4
    return runs


def grants_any_resource(statements: list[Statement]) -> bool:
    """Whether a document holds the actions AWS grants on no resource ARN (on `*`)."""
    return any(statement.Resource == [ANY_RESOURCE] for statement in statements)


def _statement(scope: str, actions: list[str], index: int) -> Statement:
    if scope == ANY_RESOURCE:
        sid = f"NoResourceLevelPermissions{index}"
    elif scope in NAMED_AFTER_THE_STACK:
        sid = f"{scope.capitalize()}NamedAfterLaunchedStacks{index}"
    else:
        sid = "".join(word.capitalize() for word in scope.split(":")[2].split("-")) + f"InThisAccount{index}"
    return Statement(Sid=sid, Effect=Allow, Action=[Action(*action.split(":", 1)) for action in actions],
                     Resource=_resources(scope))
