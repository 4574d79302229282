"""What the audit reads that no corpus set shows alone: spellings of computed text, the link from a
capacity provider written as an ARN, IAM's catalogue, the allow-list of types, the docs' exceptions."""

from __future__ import annotations

import copy

import pytest
import yaml

from generator.cfn import coverage
from generator.cfn.facts import Facts
from generator.cfn.iam_data import matches, resource_types
from generator.cfn.spellings import texts
from generator.cfn.templates import TemplateSet
from generator.checks.audit.rules.sec1201_task_role_resources import (
    TaskRoleResources,
    any_resource,
    holders,
    task_roles,
)

from .mutations import EXAMPLE

PHOTOS = {path.name: yaml.load(path.read_text(), Loader=yaml.CSafeLoader) for path in EXAMPLE.glob("*.yaml")}


@pytest.mark.parametrize(("value", "expected"), [
    ({"Fn::Sub": ["arn:${AWS::Partition}:iam::aws:policy/${N}", {"N": "A"}]}, ["arn:*:iam::aws:policy/A"]),
    ({"Fn::Join": ["/", ["a", {"Fn::If": ["C", "b", "c"]}]]}, ["a/b", "a/c"]),
    ({"Ref": "Choice"}, ["x", "y"]),
    ({"Ref": "Free"}, ["*"]),
    ({"Fn::ImportValue": "x"}, ["*"]),
])
def test_computed_text_is_spelled_with_wildcards(value: object, expected: list[str]) -> None:
    data = {"Parameters": {"Choice": {"Type": "String", "AllowedValues": ["x", "y"]}, "Free": {"Type": "String"}},
            "Resources": {}}
    assert texts(TemplateSet.of_documents({"t.yaml": data}), "t.yaml", value) == expected


def test_a_capacity_provider_naming_its_group_in_a_sub_arn_still_makes_hosts() -> None:
    documents = copy.deepcopy(PHOTOS)
    resources = documents["cluster.yaml"]["Resources"]
    provider = resources["HostCapacityProvider"]["Properties"]["AutoScalingGroupProvider"]
    # Without ECS_CLUSTER in the user data, only the capacity provider says the group is the cluster's.
    for resource in resources.values():
        if resource["Type"] == "AWS::EC2::LaunchTemplate":
            resource["Properties"]["LaunchTemplateData"]["UserData"] = {"Fn::Base64": "#!/bin/bash\n"}
    group = provider["AutoScalingGroupArn"]["Ref"]
    provider["AutoScalingGroupArn"] = {"Fn::Sub": "arn:${AWS::Partition}:autoscaling:${AWS::Region}:"
                                       "${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/" f"${{{group}}}"}
    facts = Facts(TemplateSet.of_documents(documents))
    assert [g.in_cluster for g in facts.instance_groups if g.ref.id == group] == [True]
    assert not facts.unverified


def test_iam_s_catalogue_says_which_actions_have_no_resource() -> None:
    assert resource_types("ssmmessages:OpenDataChannel") == ()
    assert resource_types("ecr:GetAuthorizationToken") == ()
    assert resource_types("s3:GetObject")
    assert resource_types("s3:NoSuchAction") is None
    assert matches("iam:?assRole", "iam:PassRole") and matches("IAM:put*", "iam:PutRolePolicy")
    assert not matches("iam:Get*", "iam:PassRole")


def test_every_type_the_audit_passes_says_why() -> None:
    assert all(reason.strip() for reason in coverage.PASSES.values())
    assert not set(coverage.FULLY_READ) & set(coverage.INERT)
    unknown = {"Anything": {"Type": "AWS::NewService::Thing"}, "Fn::ForEach::X": ["a", ["b"], {}]}
    assert [logical_id for logical_id, _ in coverage.unread(unknown)] == ["Anything", "Fn::ForEach::X"]


def test_the_docs_name_every_action_our_task_roles_use_on_every_resource() -> None:
    """SPEC 5.12: each `*` exception our own templates rely on is named in the rule's docs."""
    storefront = {path.name: yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
                  for path in (EXAMPLE.parent / "storefront").glob("*.yaml")}
    facts = Facts(TemplateSet.of_documents(storefront))
    granted = holders(facts, task_roles(facts))
    used = {action for statement in facts.statements if statement.ref in granted and not statement.trust
            and any_resource(statement) for action in statement.actions}
    assert used, "storefront grants ECS Exec, whose actions have no resource-level permission"
    assert all(f"`{action}`" in TaskRoleResources.note() for action in used)
