"""TemplateSet.resolve and the facts fail closed: every branch, every allowed value, every spelling."""

from __future__ import annotations

from typing import Any

import pytest

from generator.cfn import cidrs
from generator.cfn.facts import Facts
from generator.cfn.templates import Lit, Opaque, Param, Res, TemplateSet
from generator.checks.audit import audit_set


def one_template(resources: dict[str, Any], **sections: Any) -> TemplateSet:
    return TemplateSet.of_documents({"t.yaml": {"Resources": resources, **sections}})


GROUP = {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g"}}


def test_if_with_equal_branches_is_still_one_value() -> None:
    templates = one_template({"Group": GROUP})
    facts = Facts.of(templates)
    assert facts.one("t.yaml", {"Fn::If": ["C", {"Ref": "Group"}, {"Ref": "Group"}]}) == Res("t.yaml", "Group")


@pytest.mark.parametrize(("written", "expected"), [
    ({"Fn::Sub": "${Group}"}, [Res("t.yaml", "Group")]),
    ({"Fn::Sub": "${Group.GroupId}"}, [Res("t.yaml", "Group")]),
    ({"Fn::Sub": ["${V}", {"V": {"Ref": "Group"}}]}, [Res("t.yaml", "Group")]),
    ({"Fn::Sub": "${Group},${Other}"}, [Res("t.yaml", "Group"), Res("t.yaml", "Other")]),
    ({"Fn::Sub": "tcp-${Port}"}, [Lit("tcp-22"), Lit("tcp-80")]),
    ({"Fn::Sub": "arn:${AWS::Partition}:x"}, [Opaque("arn:${AWS::Partition}:x")]),
    ({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Ip"]}, [Lit("DISABLED"), Lit("ENABLED")]),
    ({"Fn::FindInMap": ["M", "eu-west-1", "Ip"]}, [Lit("DISABLED")]),
    ({"Fn::Join": ["", ["a", {"Ref": "Port"}]]}, [Lit("a22"), Lit("a80")]),
    ({"Fn::Split": [",", "a,b"]}, [Lit("a"), Lit("b")]),
    ({"Ref": "AWS::NoValue"}, []),
    ({"Ref": "Free"}, [Param("t.yaml", "Free")]),
    ({"Ref": "Defaulted"}, [Lit("0.0.0.0/0"), Param("t.yaml", "Defaulted")]),
    ({"Fn::Base64": {"Fn::Sub": "x${Port}"}}, [Lit("x22"), Lit("x80")]),
    ({"Fn::ImportValue": "x"}, [Opaque("Fn::ImportValue")]),
])
def test_resolution(written: Any, expected: list[Any]) -> None:
    templates = one_template(
        {"Group": GROUP, "Other": GROUP},
        Parameters={"Port": {"Type": "String", "Default": "22", "AllowedValues": ["22", "80"]},
                    "Free": {"Type": "String"}, "Defaulted": {"Type": "String", "Default": "0.0.0.0/0"}},
        Mappings={"M": {"eu-west-1": {"Ip": "DISABLED"}, "us-east-1": {"Ip": "ENABLED"}}},
    )
    assert templates.resolve("t.yaml", written) == expected


def test_cycles_and_deep_nesting_end_without_a_hang() -> None:
    deep: Any = "x"
    for level in range(500):
        deep = {"Fn::If": ["C", deep, {"Fn::Sub": f"${{P}}{level}"}]} if level % 2 else {"Fn::Select": [0, [deep]]}
    templates = TemplateSet.of_documents({
        "a.yaml": {"Parameters": {"P": {"Type": "String"}},
                   "Resources": {"Child": {"Type": "AWS::CloudFormation::Stack",
                                           "Properties": {"TemplateURL": "a.yaml", "Parameters": {"P": {"Ref": "P"}}}},
                                 "Deep": {"Type": "AWS::EC2::SecurityGroupIngress",
                                          "Properties": {"GroupId": {"Ref": "P"}, "CidrIp": deep}}}}})
    assert audit_set(templates) is not None


@pytest.mark.parametrize(("found", "world"), [
    (["0.0.0.0/0"], True), (["::/0"], True), (["::0/0"], True), (["0:0:0:0:0:0:0:0/0"], True),
    (["0.0.0.0/1", "128.0.0.0/1"], True), (["2000::/3"], True),
    # By size: half the internet, one CIDR wider than a /8, fourteen /8s, or all but a test network.
    (["0.0.0.0/1"], True), (["64.0.0.0/7"], True), ([f"{n}.0.0.0/8" for n in range(11, 25)], True),
    (["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/23", "192.0.3.0/24", "192.0.4.0/22", "192.0.128.0/17",
      "192.1.0.0/16", "192.2.0.0/15", "192.4.0.0/14", "192.8.0.0/13", "193.0.0.0/8", "208.0.0.0/4"], True),
    (["2600::/8"], True), (["2600::/12"], False), (["2600:1f00::/24", "2a05:d000::/25"], False),
    # Private, or too small to be the internet: a /8, thirteen /8s, partner lists.
    (["10.0.0.0/8", "172.16.0.0/12"], False), (["1.0.0.0/8"], False), (["10.0.0.0/7", "0.0.0.0/8"], False),
    ([f"{n}.0.0.0/8" for n in range(11, 24)], False), (["203.0.113.0/24", "198.51.100.7/32"], False),
])
def test_the_internet_by_meaning(found: list[str], world: bool) -> None:
    assert cidrs.covers_internet(found) is world


def test_only_the_covering_rules_are_the_internet() -> None:
    assert cidrs.internet_parts(["0.0.0.0/0", "203.0.113.0/24"]) == {"0.0.0.0/0"}
    assert cidrs.internet_parts(["0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8"]) == {"0.0.0.0/1", "128.0.0.0/1"}
