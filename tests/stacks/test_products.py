"""The products' templates: the application's own without IAM resources, which catalog.yaml makes instead."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator.blueprint.load import load_blueprint
from generator.cfn.artifacts import ROOT
from generator.pipeline import documents
from generator.stacks.catalog import CATALOG
from generator.stacks.products import (
    IAM_TYPES,
    LAUNCHED_ARNS,
    PARAMETER_TYPE,
    ProductTemplateError,
    product_templates,
    role_parameter,
)

from .test_catalog import REPOSITORY

TRUST = {"Statement": [{"Action": ["sts:AssumeRole"], "Effect": "Allow",
                        "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}


@pytest.fixture(scope="module", params=["storefront.yaml", "example.yaml"])
def application(request: pytest.FixtureRequest) -> tuple[str, dict[str, dict[str, Any]]]:
    blueprint = load_blueprint(REPOSITORY / "blueprints" / request.param)
    return blueprint.name, {name: data for name, data in documents(blueprint).items() if name != CATALOG}


def test_products_make_no_iam_resource_and_take_each_role_s_arn_from_the_catalog(application: tuple) -> None:
    name, docs = application
    products = product_templates(name, docs)
    assert set(products.templates) == set(docs)
    assert products.roles, "the committed blueprints' stacks have roles"
    for filename, template in products.templates.items():
        assert not [r for r in template.get("Resources", {}).values() if r["Type"] in IAM_TYPES], filename
        for parameter, declaration in template.get("Parameters", {}).items():
            if declaration["Type"] == PARAMETER_TYPE:
                assert declaration["Default"] in products.parameters.values()
                assert declaration["Default"].startswith(f"/{name}/catalog/") and parameter.endswith("Arn")
    # Each moved resource is in the catalog as it was in its stack (only references to its fellows renamed).
    moved = {(stack, logical_id): resource for stack, filename in _stacks(docs).items()
             for logical_id, resource in docs[filename]["Resources"].items() if resource["Type"] in IAM_TYPES}
    assert len(moved) == len(products.roles)
    for (stack, logical_id), resource in moved.items():
        copied = products.roles[stack + logical_id]
        assert copied["Type"] == resource["Type"]
        assert copied["Properties"].get("AssumeRolePolicyDocument") == resource["Properties"].get(
            "AssumeRolePolicyDocument")
        assert copied["Properties"].get("ManagedPolicyArns") == resource["Properties"].get("ManagedPolicyArns")


def test_templates_without_iam_are_unchanged_and_the_input_is_not_touched(application: tuple) -> None:
    name, docs = application
    before = copy.deepcopy(docs)
    products = product_templates(name, docs)
    assert docs == before  # the nested stacks keep their roles
    assert products.templates[ROOT] == docs[ROOT]
    for filename, document in docs.items():
        has_iam = any(r["Type"] in IAM_TYPES for r in document.get("Resources", {}).values())
        assert (products.templates[filename] == document) is not has_iam, filename


def test_a_task_definition_takes_its_roles_by_parameter() -> None:
    products = product_templates("shop", _application({
        "TaskRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Task": {"Type": "AWS::ECS::TaskDefinition", "DependsOn": ["TaskRole"],
                 "Properties": {"TaskRoleArn": {"Fn::GetAtt": "TaskRole.Arn"}}},
    }))
    child = products.templates["child.yaml"]
    assert child["Resources"] == {"Task": {"Type": "AWS::ECS::TaskDefinition",
                                           "Properties": {"TaskRoleArn": {"Ref": "TaskRoleArn"}}}}
    assert child["Parameters"]["TaskRoleArn"] == {
        "Type": PARAMETER_TYPE, "Default": role_parameter("shop", "ChildTaskRole"),
        "Description": child["Parameters"]["TaskRoleArn"]["Description"]}
    assert products.parameters == {"ChildTaskRole": "/shop/catalog/ChildTaskRoleArn"}
    assert products.passed_roles() == {"ecs-tasks.amazonaws.com": ["ChildTaskRole"]}


def test_an_instance_profile_moves_with_its_role_and_a_log_group_becomes_the_launched_ones() -> None:
    ec2_trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com"]}}]}
    products = product_templates("shop", _application({
        "Logs": {"Type": "AWS::Logs::LogGroup"},
        "HostRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": ec2_trust,
            "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": [{"Fn::GetAtt": ["Logs", "Arn"]}],
                 "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]}}]}},
        "HostProfile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [{"Ref": "HostRole"}]}},
        "Hosts": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {
            "IamInstanceProfile": {"Arn": {"Fn::GetAtt": ["HostProfile", "Arn"]}}}}},
    }))
    assert products.roles["ChildHostProfile"]["Properties"]["Roles"] == [{"Ref": "ChildHostRole"}]
    statement = products.roles["ChildHostRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert statement["Resource"] == [{"Fn::Sub": LAUNCHED_ARNS[("AWS::Logs::LogGroup", "Arn")]}]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert set(products.templates["child.yaml"]["Parameters"]) == {"HostProfileArn"}  # the role is the profile's
    assert products.passed_roles() == {"ec2.amazonaws.com": ["ChildHostRole"]}
    # The child's product takes the profile, so its launch role passes the role in it, and nothing else.
    assert products.taken_by("child.yaml") == ["ChildHostProfile"]
    assert products.passed_roles(products.taken_by("child.yaml")) == {"ec2.amazonaws.com": ["ChildHostRole"]}
    assert products.taken_by(ROOT) == [] and products.passed_roles([]) == {}


@pytest.mark.parametrize("resources", [
    {"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"TaskRoleArn": {"Ref": "Role"}}}},
    {"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"TaskRoleArn": {"Fn::GetAtt": ["Role", "RoleId"]}}}},
    {"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"TaskRoleArn": {"Fn::Sub": "${Role.Arn}"}}}},
    {"Bucket": {"Type": "AWS::S3::Bucket"},
     "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST, "Policies": [
         {"PolicyName": "p", "PolicyDocument": {"Statement": [{"Resource": [{"Fn::GetAtt": ["Bucket", "Arn"]}]}]}}]}}},
    {"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST,
                                                       "Description": {"Ref": "SomeParameter"}}}},
    {"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST,
                                                       "Description": {"Fn::Sub": "${SomeParameter} role"}}}},
    {"Role": {"Type": "AWS::IAM::Role", "Condition": "HasRole", "Properties": {"AssumeRolePolicyDocument": TRUST}}},
    {"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [
        {"Principal": {"Service": ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]}}]}}}},
], ids=["ref", "other-attribute", "sub", "product-resource", "parameter", "sub-parameter", "condition",
        "two-services"])
def test_an_iam_use_the_catalog_cannot_carry_stops_the_build(resources: dict[str, Any]) -> None:
    resources.setdefault("Role", {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}})
    with pytest.raises(ProductTemplateError):
        product_templates("shop", _application(resources)).passed_roles()


def _application(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    root = {"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "child.yaml"}}}}
    return {ROOT: root, "child.yaml": {"Resources": resources}}


def _stacks(docs: dict[str, dict[str, Any]]) -> dict[str, str]:
    from generator.cfn.layout import nested_files

    return nested_files(docs[ROOT])


def test_no_product_makes_an_ssm_parameter_of_its_own() -> None:
    """The launch roles read only AWS's public parameters and their product's role parameters
    (generator/stacks/launch_role.py PARAMETER_READS): a product template that made a parameter would need more."""
    for path in sorted((REPOSITORY / "blueprints").glob("*.yaml")):
        # The products are these templates less their IAM resources (some blueprints have no catalog: read them all).
        for name, data in documents(load_blueprint(path)).items():
            if name == CATALOG:
                continue
            types = {resource["Type"] for resource in data.get("Resources", {}).values()}
            assert "AWS::SSM::Parameter" not in types, (path.name, name)
