"""A change to a Mapping entry or a Condition is a change of every resource that reads it (through
`Fn::FindInMap`, `Fn::If`, a resource's `Condition`, a condition inside another), classified like the
property the lookup sits in: an AMI read through FindInMap in a launch template rolls the hosts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import EXIT_INVALID, EXIT_OK, main
from generator.review.diff import IN_PLACE, INTERRUPTION, MAY_REPLACE, REPLACEMENT, Diff, diff_apps

from .helpers import SHOP, apps

HOSTS = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Subnets: {Type: 'List<AWS::EC2::Subnet::Id>'}
  Size: {Type: String, AllowedValues: [small, big]}
Mappings:
  Amis:
    us-east-1: {Id: ami-0aaaaaaaaaaaaaaa1}
    eu-west-1: {Id: ami-0bbbbbbbbbbbbbbb1}
  Bastion:
    Image: {Id: ami-0ccccccccccccccc1, Other: x}
Conditions:
  InUs: !Equals [!Ref 'AWS::Region', us-east-1]
  Big: !And [!Condition InUs, !Equals [!Ref Size, big]]
Resources:
  LaunchTemplate:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        ImageId: !FindInMap [Amis, !Ref 'AWS::Region', Id]
        InstanceType: !If [Big, m5.large, t3.small]
  Hosts:
    Type: AWS::AutoScaling::AutoScalingGroup
    UpdatePolicy:
      AutoScalingRollingUpdate: {MinInstancesInService: 1}
    Properties:
      MinSize: '1'
      MaxSize: '2'
      VPCZoneIdentifier: !Ref Subnets
      LaunchTemplate:
        LaunchTemplateId: !Ref LaunchTemplate
        Version: !GetAtt LaunchTemplate.LatestVersionNumber
  Bastion:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: !FindInMap [Bastion, Image, Id]
      InstanceType: t3.micro
  Alarms:
    Type: AWS::SNS::Topic
    Condition: InUs
Outputs:
  Ami:
    Value: !FindInMap [Amis, !Ref 'AWS::Region', Id]
"""


def diff_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], head: str, base: str = HOSTS) -> dict[str, Any]:
    for side, text in (("base", base), ("head", head)):
        (tmp_path / side / "hosts").mkdir(parents=True)
        (tmp_path / side / "hosts" / "hosts.yaml").write_text(text, encoding="utf-8")
    main(["diff", str(tmp_path / "base"), str(tmp_path / "head"), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    stacks = report["applications"][0]["stacks"] if report["applications"] else []
    return {"stack": stacks[0] if stacks else {},
            **{r["logical_id"]: r for stack in stacks for r in stack["resources"]}}


def test_a_new_ami_in_a_mapping_rolls_the_hosts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = diff_files(tmp_path, capsys, HOSTS.replace("ami-0bbbbbbbbbbbbbbb1", "ami-0bbbbbbbbbbbbbbb2"))

    [image] = found["LaunchTemplate"]["changes"]
    assert (image["path"], image["effect"]) == ("/LaunchTemplateData/ImageId", IN_PLACE)
    assert "new launch template version" in image["reason"] and "reads Mapping Amis, which changed" in image["reason"]
    assert found["Hosts"]["effect"] == INTERRUPTION  # takes the new version: the rolling update replaces the hosts
    assert "Bastion" not in found  # it reads another Mapping
    assert found["stack"]["mappings"] == [{"name": "Amis", "action": "modified"}]
    assert found["stack"]["outputs"] == [{"name": "Ami", "action": "modified"}]


def test_a_create_only_property_read_through_a_mapping_is_a_replacement(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = diff_files(tmp_path, capsys, HOSTS.replace("ami-0ccccccccccccccc1", "ami-0ccccccccccccccc2"))

    assert found["Bastion"]["effect"] == REPLACEMENT
    assert "LaunchTemplate" not in found
    assert diff_files(tmp_path / "other", capsys, HOSTS.replace("Other: x", "Other: y")).keys() == {"stack"}


def test_a_condition_change_reaches_fn_if_and_conditions_that_use_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = diff_files(tmp_path, capsys, HOSTS.replace("us-east-1]", "us-east-2]"))

    [size] = found["LaunchTemplate"]["changes"]  # Big is And[InUs, ...]: InUs changed under it
    assert size["path"] == "/LaunchTemplateData/InstanceType" and "Condition Big" in size["reason"]
    [condition] = found["Alarms"]["changes"]  # its own Condition: it may now be created or deleted
    assert (condition["path"], condition["effect"]) == ("Condition", MAY_REPLACE)
    assert {c["name"] for c in found["stack"]["conditions"]} == {"InUs", "Big"}


def test_the_may_replace_gate_trips_on_a_resource_condition(tmp_path: Path) -> None:
    for side, text in (("base", HOSTS), ("head", HOSTS.replace("Condition: InUs", "Condition: Big"))):
        (tmp_path / side / "hosts").mkdir(parents=True)
        (tmp_path / side / "hosts" / "hosts.yaml").write_text(text, encoding="utf-8")

    assert main(["diff", str(tmp_path / "base"), str(tmp_path / "head"), "--fail-on", "may-replace"]) == EXIT_INVALID
    assert main(["diff", str(tmp_path / "base"), str(tmp_path / "base"), "--fail-on", "any"]) == EXIT_OK


def _edited_network(edit: Any) -> Diff:
    head = copy.deepcopy(apps(SHOP))
    edit(head["shop"]["network.yaml"])
    return diff_apps(apps(SHOP), head)


def test_our_network_stack_reads_a_mapping_under_a_condition() -> None:
    def new_account(network: dict[str, Any]) -> None:
        network["Mappings"]["ElbLogDeliveryAccounts"]["us-east-1"]["Account"] = "000000000000"

    def fewer_regions(network: dict[str, Any]) -> None:
        network["Conditions"]["HasElbLogDeliveryAccount"] = {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}

    for edit, read in ((new_account, "Mapping ElbLogDeliveryAccounts"), (fewer_regions, "Condition "
                                                                                        "HasElbLogDeliveryAccount")):
        result = _edited_network(edit)
        [policy] = [r for r in result.resources if r.stack == "network.yaml"]
        assert [r.logical_id for r in result.resources if r.stack == "root.yaml"] == ["Network"]  # nested update
        assert (policy.stack, policy.logical_id, policy.effect) == ("network.yaml", "AccessLogBucketPolicy", IN_PLACE)
        [change] = policy.changes
        assert change.path.startswith("/PolicyDocument/Statement") and f"reads {read}, which changed" in change.reason


def test_written_long_or_short_form_a_lookup_is_the_same(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    long_form = HOSTS.replace("!FindInMap [Amis, !Ref 'AWS::Region', Id]",
                              "{'Fn::FindInMap': [Amis, {Ref: 'AWS::Region'}, Id]}")
    assert yaml.load(long_form.split("Conditions:")[0], Loader=loader)  # the head part is plain YAML

    assert diff_files(tmp_path, capsys, long_form) == {"stack": {}}
