"""The deploy harness itself: its failure path, its moto patch, its template handling."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from generator.emulator.patches import patched_moto, unmodelled_placeholder

from .harness import (
    STACK_TYPE,
    DeployFailed,
    Failure,
    MotoCloud,
    declared_vs_created,
    deploy,
    failed_resources,
    rewrite_template_urls,
)


def _write(directory: Path, templates: dict[str, dict[str, Any]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, template in templates.items():
        (directory / name).write_text(json.dumps(template))  # JSON is YAML
    return directory


def _stack(url: str, **parameters: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {"TemplateURL": url}
    if parameters:
        properties["Parameters"] = parameters
    return {"Type": "AWS::CloudFormation::Stack", "Properties": properties}


TOPIC = {"Type": "AWS::SNS::Topic", "Properties": {}}


def test_outputs_flow_from_one_nested_stack_to_another(moto: MotoCloud, tmp_path: Path) -> None:
    directory = _write(tmp_path / "app", {
        "root.yaml": {"Resources": {
            "First": _stack("first.yaml"),
            "Second": _stack("second.yaml", Name={"Fn::GetAtt": ["First", "Outputs.TopicName"]},
                             Capacity={"Fn::GetAtt": ["First", "Outputs.Unmodelled"]}),
        }, "Outputs": {"Echo": {"Value": {"Fn::GetAtt": ["Second", "Outputs.Echo"]}}}},
        "first.yaml": {"Resources": {
            "Topic": TOPIC,
            "Provider": {"Type": "AWS::ECS::CapacityProvider", "Properties": {}},
        }, "Outputs": {
            "TopicName": {"Value": {"Fn::GetAtt": ["Topic", "TopicName"]}},
            "Unmodelled": {"Value": {"Ref": "Provider"}},
        }},
        "second.yaml": {
            "Parameters": {"Name": {"Type": "String"}, "Capacity": {"Type": "String"}},
            "Resources": {"Topic": TOPIC},
            "Outputs": {"Echo": {"Value": {"Fn::Join": ["|", [{"Ref": "Name"}, {"Ref": "Capacity"}]]}}},
        },
    })
    deployment = deploy(moto, directory)
    first = deployment.stacks["First"]
    assert set(deployment.stacks) == {"root", "First", "Second"}
    assert deployment.root.outputs["Echo"] == f"{first.outputs['TopicName']}|{unmodelled_placeholder('Unmodelled')}"
    comparison = declared_vs_created(moto.client("cloudformation"), deployment.stack_name)
    assert comparison.skipped == {"AWS::ECS::CapacityProvider": ["First.Provider"]}
    assert comparison.unexpected({"AWS::ECS::CapacityProvider"}) == {}


def test_a_failed_create_raises_with_the_reason(moto: MotoCloud, tmp_path: Path) -> None:
    directory = _write(tmp_path / "broken", {
        "root.yaml": {"Resources": {"Child": _stack("child.yaml")}},
        "child.yaml": {"Parameters": {"Needed": {"Type": "String"}}, "Resources": {"Topic": TOPIC}},
    })
    with pytest.raises(DeployFailed) as failed:
        deploy(moto, directory)
    assert "Needed" in (failed.value.error or "")
    # The resource event comes from patched_moto() (fix 4): moto itself writes none.
    assert failed.value.failures == [
        Failure("root", "Child", STACK_TYPE, "CREATE_FAILED", "Missing parameter Needed"),
    ]


def test_a_missing_nested_output_is_an_error_not_a_crash(moto: MotoCloud, tmp_path: Path) -> None:
    directory = _write(tmp_path / "miswired", {
        "root.yaml": {"Resources": {
            "First": _stack("first.yaml"),
            "Second": _stack("second.yaml", Name={"Fn::GetAtt": ["First", "Outputs.Nope"]}),
        }},
        "first.yaml": {"Resources": {"Topic": TOPIC}},
        "second.yaml": {"Parameters": {"Name": {"Type": "String"}}, "Resources": {"Topic": TOPIC}},
    })
    with pytest.raises(DeployFailed, match="has no output Nope"):
        deploy(moto, directory)


def test_templates_moto_cannot_evaluate_are_refused_up_front(moto: MotoCloud, tmp_path: Path) -> None:
    directory = _write(tmp_path / "cidr", {
        "root.yaml": {"Resources": {"Child": _stack("child.yaml")}},
        "child.yaml": {"Resources": {"Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {
            "CidrBlock": {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}]}}}}},
    })
    with pytest.raises(ValueError, match=r"child\.yaml: .*Fn::Cidr"):
        deploy(moto, directory)


def test_patch_is_undone_on_exit() -> None:
    from moto.cloudformation import models, parsing, responses
    from moto.cloudformation.models import Stack

    def patched() -> tuple[object, ...]:
        return (Stack.__dict__.get("get_cfn_attribute"), parsing.clean_json, parsing.parse_and_create_resource,
                parsing.parse_and_update_resource, parsing.ResourceMap.__dict__["parse_ssm_parameter"],
                parsing.ResourceMap.__dict__["_delete_resource"], models.get_stack_from_s3_url,
                responses.get_stack_from_s3_url)

    before = patched()
    with patched_moto():
        during = patched()
        assert all(now is not then for now, then in zip(during, before, strict=True))
    assert patched() == before


def test_only_relative_template_urls_are_rewritten() -> None:
    template = {"Resources": {
        "A": _stack("network.yaml"), "B": _stack("https://elsewhere.s3.amazonaws.com/x.yaml"), "C": TOPIC,
    }}
    rewritten = rewrite_template_urls(template, "https://b.s3.amazonaws.com/p")
    assert rewritten["Resources"]["A"]["Properties"]["TemplateURL"] == "https://b.s3.amazonaws.com/p/network.yaml"
    assert rewritten["Resources"]["B"] == template["Resources"]["B"]
    assert template["Resources"]["A"]["Properties"]["TemplateURL"] == "network.yaml"  # a copy


class _Events:
    """A stand-in CloudFormation client with CloudFormation-shaped events (moto never fails a stack)."""

    def __init__(self, events: dict[str, list[dict[str, Any]]]) -> None:
        self.events = events

    def get_paginator(self, name: str) -> Any:
        assert name == "describe_stack_events"
        events = self.events
        return type("Paginator", (), {"paginate": lambda _, StackName: [{"StackEvents": events[StackName]}]})()


def _event(stack: str, logical: str, physical: str, kind: str, status: str, reason: str, minute: int) -> dict:
    return {"StackName": stack, "StackId": f"arn:{stack}", "LogicalResourceId": logical, "PhysicalResourceId": physical,
            "ResourceType": kind, "ResourceStatus": status, "ResourceStatusReason": reason,
            "Timestamp": datetime(2026, 1, 1, 0, minute, tzinfo=UTC)}


def test_failed_resources_walks_nested_stacks_in_time_order() -> None:
    stack = "AWS::CloudFormation::Stack"
    client = _Events({
        "app": [  # newest first, as CloudFormation lists them
            _event("app", "app", "arn:app", stack, "ROLLBACK_COMPLETE", "", 9),
            _event("app", "Cluster", "arn:cluster", stack, "CREATE_FAILED", "Embedded stack arn:cluster failed", 5),
            _event("app", "Cluster", "arn:cluster", stack, "CREATE_IN_PROGRESS", "", 1),
            _event("app", "app", "arn:app", stack, "CREATE_IN_PROGRESS", "User Initiated", 0),
        ],
        "arn:cluster": [
            _event("cluster", "Hosts", "", "AWS::AutoScaling::AutoScalingGroup", "CREATE_FAILED", "Cancelled", 4),
            _event("cluster", "Template", "", "AWS::EC2::LaunchTemplate", "CREATE_FAILED", "AMI not found", 3),
            _event("cluster", "cluster", "arn:cluster", stack, "CREATE_IN_PROGRESS", "", 2),
        ],
    })
    failures = failed_resources(client, "app")
    assert failures == [
        Failure("Cluster", "Template", "AWS::EC2::LaunchTemplate", "CREATE_FAILED", "AMI not found"),
        Failure("Cluster", "Hosts", "AWS::AutoScaling::AutoScalingGroup", "CREATE_FAILED", "Cancelled"),
        Failure("root", "Cluster", stack, "CREATE_FAILED", "Embedded stack arn:cluster failed"),
    ]
    assert str(failures[0]) == "Cluster.Template (AWS::EC2::LaunchTemplate) CREATE_FAILED: AMI not found"
