"""IAM as the audit reads it: every policy document a set grants (identities' policies, trust policies, and
the resource policies of queues and topics), statement by statement, with every
branch of `Fn::If` (around a document, a statement, an action or a principal), documents written as
JSON strings (literal or `Fn::Sub` text, resolved and then parsed), and the managed policies attached.

AWS managed policies are documents the audit cannot read: their content is AWS's and changes. So an
attached one is judged by its name: admin-like or service-wide ones (`ADMIN_LIKE`, or a name saying
FullAccess, ReadWrite, PowerUser or Admin) break "no `*` actions"; the narrow ones this tool attaches
itself (`NARROW`, each with its reason) pass; any other AWS managed policy, and a customer managed
policy from outside the set, cannot be verified.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.cfn.reader import read_document
from generator.cfn.spellings import ANYTHING, spellings, texts
from generator.cfn.templates import Res, is_function

if TYPE_CHECKING:
    from generator.cfn.facts import Facts

# Identities with inline `Policies`, and the types that are one policy document each.
WITH_POLICIES = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")
POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy",
                "AWS::IAM::GroupPolicy")
MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
# Resource policies on the messaging a blueprint declares (topics, queues): read like the others, each
# statement with the principal it grants to (SEC1801 judges who that is).
RESOURCE_POLICY_TYPES = ("AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy")
# AWS managed policies that grant administrator access, or the power to give oneself any, whatever
# their names say; attached, they break "no `*` actions" as surely as writing the `*` inline.
ADMIN_LIKE = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "SystemAdministrator",
              "NetworkAdministrator", "DatabaseAdministrator", "DataScientist", "AWSOrganizationsFullAccess")
# ... and the names AWS gives its service-wide policies (`service:*` or every write of a service).
SERVICE_WIDE = re.compile(r"FullAccess|ReadWrite|PowerUser|Admin", re.IGNORECASE)
# The narrow AWS managed policies this tool's own templates attach: what each grants, and why it passes.
NARROW = {
    "AmazonECSTaskExecutionRolePolicy": "the ECS agent pulls the task's image from ECR and writes its logs",
    "AmazonEC2ContainerServiceforEC2Role": "a cluster host's ECS agent registers the host and reports its tasks",
    "AmazonSSMManagedInstanceCore": "Systems Manager reaches the host (Session Manager) without SSH",
}
_AWS_MANAGED = re.compile(r"^arn:[^:]*:iam::aws:policy/(?:.*/)?([^/]+)$")
_CUSTOMER_MANAGED = re.compile(r"^arn:[^:]*:iam::[^:]*:policy/")


@dataclass(frozen=True)
class Statement:
    ref: Res  # the resource whose document holds it
    trust: bool  # a role's AssumeRolePolicyDocument
    effects: frozenset[str]
    actions: tuple[str, ...]  # every literal the Action may be
    not_action: bool
    principal: Any  # as written, one branch
    resources: tuple[str, ...] = ()  # every spelling of Resource (or NotResource), `*` for what is computed
    not_resource: bool = False
    condition_keys: frozenset[str] = frozenset()  # lower-cased keys its Condition tests


def statements(facts: Facts) -> list[Statement]:
    found: list[Statement] = []
    templates = facts.set
    for kind in WITH_POLICIES:
        for ref, properties in templates.each(kind):
            for policies in templates.branches(ref.file, properties.get("Policies") or []):
                for policy in policies if isinstance(policies, list) else []:
                    if isinstance(policy, dict):
                        found += _read(facts, ref, policy.get("PolicyDocument"), trust=False)
    for kind in POLICY_TYPES:
        for ref, properties in templates.each(kind):
            found += _read(facts, ref, properties.get("PolicyDocument"), trust=False)
    for kind in RESOURCE_POLICY_TYPES:
        for ref, properties in templates.each(kind):
            found += _read(facts, ref, properties.get("PolicyDocument"), trust=False)
    for ref, properties in templates.each("AWS::IAM::Role"):
        found += _read(facts, ref, properties.get("AssumeRolePolicyDocument"), trust=True)
    return found


def documents(facts: Facts, ref: Res, document: Any) -> Iterator[dict[str, Any]]:
    """Each shape a policy document may take: every `Fn::If` branch, a JSON string parsed, an `Fn::Sub`
    JSON text spelled out (computed parts as `*`) and parsed. Anything else (an `AWS::Include`
    transform, an import) cannot be verified."""
    for shape in facts.set.branches(ref.file, document) if document is not None else []:
        if isinstance(shape, dict) and is_function(shape) and "Fn::Sub" in shape:
            for text in texts(facts.set, ref.file, shape):
                parsed = read_document(text) if text != ANYTHING else None
                if isinstance(parsed, dict):
                    yield parsed
                else:
                    facts.cannot_verify(ref, "a policy document written as Fn::Sub text does not parse as JSON")
        elif isinstance(shape, dict) and not is_function(shape):
            yield shape
        else:
            shown = next(iter(shape)) if isinstance(shape, dict) else "not a mapping"
            facts.cannot_verify(ref, f"a policy document is computed at deploy time ({shown})")


def _read(facts: Facts, ref: Res, document: Any, trust: bool) -> Iterator[Statement]:
    templates = facts.set
    for shape in documents(facts, ref, document):
        for listed in templates.branches(ref.file, shape.get("Statement") or []):
            if isinstance(listed, dict) and is_function(listed):
                facts.cannot_verify(ref, f"a policy's statements are computed at deploy time ({next(iter(listed))})")
                continue
            for statement in listed if isinstance(listed, list) else [listed]:
                for each in templates.branches(ref.file, statement):
                    if not isinstance(each, dict):
                        continue
                    key = "NotAction" if "NotAction" in each else "Action"
                    actions = tuple(sorted(facts.texts(ref, each.get(key), "an IAM action")))
                    effects = frozenset(facts.texts(ref, each.get("Effect"), "a statement's Effect"))
                    where = "NotResource" if "NotResource" in each else "Resource"
                    resources = _spelled(facts, ref, each.get(where))
                    conditions = each.get("Condition")
                    keys = frozenset(str(key).lower() for tests in (conditions or {}).values()
                                     if isinstance(tests, dict) for key in tests) \
                        if isinstance(conditions, dict) else frozenset()
                    for principal in templates.branches(ref.file, each.get("Principal")):
                        yield Statement(ref, trust, effects, actions, key == "NotAction", principal, resources,
                                        where == "NotResource", keys)


def _spelled(facts: Facts, ref: Res, value: Any) -> tuple[str, ...]:
    found: list[str] = []
    for shape in facts.set.branches(ref.file, value) if value is not None else []:
        for item in shape if isinstance(shape, list) else [shape]:
            found += texts(facts.set, ref.file, item)
    return tuple(dict.fromkeys(found))


def wildcard(action: str) -> bool:
    """IAM matches `*` and `?` in actions: `ecs:Submit*`, `iam:?assRole` and `*:*` all name more than one."""
    return "*" in action or "?" in action


def admin_like(name: str) -> bool:
    return name in ADMIN_LIKE or bool(SERVICE_WIDE.search(name))


def managed_policies(facts: Facts, ref: Res, value: Any) -> Iterator[str]:
    """The admin-like AWS managed policies among those `value` (a ManagedPolicyArns, or a SAM function's
    policy names) attaches; what cannot be judged is recorded as unverified."""
    for shape in facts.set.branches(ref.file, value):
        for item in shape if isinstance(shape, list) else [shape]:
            for spelling in spellings(facts.set, ref.file, item):
                if isinstance(spelling, Res):
                    if facts.set.kind(spelling) != MANAGED_POLICY:
                        facts.cannot_verify(ref, f"it attaches {spelling.id}, which is no managed policy")
                    continue  # a managed policy of the set: its document is read with the others
                name = _aws_managed_name(spelling)
                if name is not None and wildcard(name):
                    facts.cannot_verify(ref, f"it attaches an AWS managed policy computed at deploy time ({spelling})")
                elif name is not None and admin_like(name):
                    yield name
                elif name is not None and name not in NARROW:
                    facts.cannot_verify(ref, f"it attaches the AWS managed policy {name}, whose content the "
                                        "audit does not know")
                elif name is None:
                    outside = "a customer managed policy from outside the set" \
                        if _CUSTOMER_MANAGED.match(spelling) else "a managed policy computed at deploy time"
                    facts.cannot_verify(ref, f"it attaches {outside} ({spelling})")


def _aws_managed_name(spelling: str) -> str | None:
    match = _AWS_MANAGED.match(spelling)
    if match:
        return match.group(1)
    if "/" not in spelling and ":" not in spelling and spelling != ANYTHING:
        return spelling  # a SAM function names AWS managed policies by name alone
    return None


def admin_like_policies(facts: Facts) -> Iterator[tuple[Res, str]]:
    """(identity, policy name) for every AWS managed policy attached that grants admin or a whole service."""
    for kind in WITH_POLICIES:
        for ref, properties in facts.set.each(kind):
            for name in managed_policies(facts, ref, properties.get("ManagedPolicyArns") or []):
                yield ref, name
