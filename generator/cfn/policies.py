"""IAM as the audit reads it: every policy document a set grants, statement by statement, with every
branch of `Fn::If` (around a document, a statement, an action or a principal) and documents written
as JSON strings; and the AWS managed policies that amount to administrator access."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.cfn.templates import Lit, Opaque, Res

if TYPE_CHECKING:
    from generator.cfn.facts import Facts

# Identities with inline `Policies`, and the types that are one policy document each.
WITH_POLICIES = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")
POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy",
                "AWS::IAM::GroupPolicy")
# AWS managed policies that grant administrator access, or the power to give oneself any (IAM write on
# everything): attached, they break "no `*` actions" as surely as writing the `*` inline. Besides these,
# every AWS managed policy whose name ends in FullAccess grants a whole service (`service:*`).
ADMIN_LIKE = ("AdministratorAccess", "AdministratorAccess-Amplify", "AdministratorAccess-AWSElasticBeanstalk",
              "PowerUserAccess", "IAMFullAccess", "AWSOrganizationsFullAccess", "SystemAdministrator",
              "NetworkAdministrator", "DatabaseAdministrator", "DataScientist")
_AWS_MANAGED = re.compile(r":iam::aws:policy/(?:.*/)?([^/]+)$")


@dataclass(frozen=True)
class Statement:
    ref: Res  # the resource whose document holds it
    trust: bool  # a role's AssumeRolePolicyDocument
    effects: frozenset[str]
    actions: tuple[str, ...]  # every literal the Action may be
    not_action: bool
    principal: Any  # as written, one branch


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
    for ref, properties in templates.each("AWS::IAM::Role"):
        found += _read(facts, ref, properties.get("AssumeRolePolicyDocument"), trust=True)
    return found


def _read(facts: Facts, ref: Res, document: Any, trust: bool) -> Iterator[Statement]:
    templates = facts.set
    for shape in templates.branches(ref.file, document) if document is not None else []:
        if not isinstance(shape, dict):
            facts.cannot_verify(ref, "a policy document is computed at deploy time")
            continue
        for listed in templates.branches(ref.file, shape.get("Statement") or []):
            for statement in listed if isinstance(listed, list) else [listed]:
                for each in templates.branches(ref.file, statement):
                    if not isinstance(each, dict):
                        continue
                    key = "NotAction" if "NotAction" in each else "Action"
                    actions = tuple(sorted(facts.texts(ref, each.get(key), "an IAM action")))
                    effects = frozenset(facts.texts(ref, each.get("Effect"), "a statement's Effect"))
                    for principal in templates.branches(ref.file, each.get("Principal")):
                        yield Statement(ref, trust, effects, actions, key == "NotAction", principal)


def wildcard(action: str) -> bool:
    """IAM matches `*` and `?` in actions: `ecs:Submit*`, `iam:?assRole` and `*:*` all name more than one."""
    return "*" in action or "?" in action


def admin_like_policies(facts: Facts) -> Iterator[tuple[Res, str]]:
    """(identity, policy name) for every AWS managed policy attached that grants admin or a whole service."""
    for kind in WITH_POLICIES:
        for ref, properties in facts.set.each(kind):
            for value in facts.set.resolve(ref.file, properties.get("ManagedPolicyArns") or []):
                text = str(value.value) if isinstance(value, Lit) else value.text if isinstance(value, Opaque) \
                    else ""
                match = _AWS_MANAGED.search(text)
                if match and (match.group(1) in ADMIN_LIKE or match.group(1).endswith("FullAccess")):
                    yield ref, match.group(1)
                elif not match and ":policy/" not in text and not isinstance(value, Res):
                    facts.cannot_verify(ref, "a managed policy it attaches is computed at deploy time")
