"""An update CloudFormation cannot carry out in place: a resource bound to one VPC (a load balancer, a
subnet group) whose subnets or security groups are replaced together with their VPC would move to
another VPC; the diff says the update will fail or force replacement, not "in-place"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli import EXIT_INVALID, main

DATABASE = """\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {{CidrBlock: {cidr}}}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {{VpcId: !Ref Vpc, CidrBlock: {subnet_a}, AvailabilityZone: us-east-1a}}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {{VpcId: !Ref Vpc, CidrBlock: {subnet_b}, AvailabilityZone: us-east-1b}}
  Subnets:
    Type: AWS::RDS::DBSubnetGroup
    Properties:
      DBSubnetGroupDescription: database
      SubnetIds: [!Ref SubnetA, !Ref SubnetB]
  Balancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: [!Ref SubnetA, !Ref SubnetB]
"""
BASE = {"cidr": "10.0.0.0/16", "subnet_a": "10.0.0.0/24", "subnet_b": "10.0.1.0/24"}


def resources(tmp_path: Path, capsys: pytest.CaptureFixture[str], **changed: str) -> dict[str, dict[str, object]]:
    for side, values in (("base", BASE), ("head", {**BASE, **changed})):
        (tmp_path / side / "db").mkdir(parents=True)
        (tmp_path / side / "db" / "db.yaml").write_text(DATABASE.format(**values), encoding="utf-8")
    assert main(["diff", str(tmp_path / "base"), str(tmp_path / "head"), "--format", "json",
                 "--fail-on", "replacement"]) == EXIT_INVALID
    report = json.loads(capsys.readouterr().out)
    return {r["logical_id"]: r for r in report["applications"][0]["stacks"][0]["resources"]}


def test_resources_bound_to_a_replaced_vpc_cannot_follow_it_in_place(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    found = resources(tmp_path, capsys, cidr="10.1.0.0/16", subnet_a="10.1.0.0/24", subnet_b="10.1.1.0/24")

    for bound in ("Subnets", "Balancer"):
        assert found[bound]["effect"] == "replacement"
        assert all("will fail or force replacement" in c["reason"] for c in found[bound]["changes"])


def test_new_subnets_in_the_same_vpc_are_an_update_in_place(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    found = resources(tmp_path, capsys, subnet_a="10.0.2.0/24")  # SubnetA is replaced, in the same VPC

    assert found["SubnetA"]["effect"] == "replacement"
    for bound in ("Subnets", "Balancer"):
        assert found[bound]["effect"] == "in-place"
