"""Failing closed on how templates are wired together: nested stacks (followed through computed URLs,
judged over every parent, unfollowable ones reported), list parameters under Fn::Select, attributes that
are not their resource; the false positives that fail-closed reading must not bring (an Fn::Sub
description or attribute key); and "the internet" judged by size in linear time."""

from __future__ import annotations

import copy
import ipaddress
import random
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cfn import cidrs
from generator.cfn.templates import Lit, Param, Res
from generator.checks.audit import TemplateSet, audit_files, audit_set

from .mutations import EXAMPLE

PHOTOS = {path.name: yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
          for path in sorted(EXAMPLE.glob("*.yaml"))}


def _photos() -> dict[str, Any]:
    return copy.deepcopy(PHOTOS)


def _rules(documents: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f.rule_id, f.file, f.logical_id) for f in audit_set(TemplateSet.of_documents(documents))}


def test_the_unchanged_photos_set_is_clean_in_memory() -> None:
    assert _rules(_photos()) == set()


def test_a_root_audited_without_its_children_cannot_be_verified() -> None:
    findings = audit_files([EXAMPLE / "root.yaml"])
    stacks = {id for id, resource in PHOTOS["root.yaml"]["Resources"].items()
              if resource["Type"] == "AWS::CloudFormation::Stack"}
    assert {(f.rule_id, f.logical_id) for f in findings} == {("SEC1301", stack) for stack in stacks}
    assert all("not in the set" in f.message for f in findings)


@pytest.mark.parametrize("url", [
    {"Fn::Sub": "https://${Bucket}.s3.amazonaws.com/${Name}"},
    {"Fn::Join": ["/", ["https://bucket.s3.amazonaws.com", {"Ref": "Name"}]]},
    {"Ref": "Name"},
    "https://bucket.s3.amazonaws.com/no-such-child.yaml",
])
def test_a_nested_stack_that_cannot_be_followed_cannot_be_verified(url: Any) -> None:
    documents = _photos()
    documents["root.yaml"]["Parameters"].update({"Bucket": {"Type": "String"}, "Name": {"Type": "String"}})
    documents["root.yaml"]["Resources"]["ImagesService"]["Properties"]["TemplateURL"] = url
    assert ("SEC1301", "root.yaml", "ImagesService") in _rules(documents)


@pytest.mark.parametrize("url", [
    {"Fn::Sub": "https://${Bucket}.s3.${AWS::Region}.amazonaws.com/photos/service-images.yaml"},
    {"Fn::Join": ["", ["https://", {"Ref": "Bucket"}, ".s3.amazonaws.com/photos/service-images.yaml"]]},
])
def test_a_computed_template_url_is_followed_by_its_literal_file_name(url: Any) -> None:
    documents = _photos()
    documents["root.yaml"]["Parameters"]["Bucket"] = {"Type": "String"}
    service = documents["root.yaml"]["Resources"]["ImagesService"]["Properties"]
    service["TemplateURL"] = url
    assert _rules(documents) == set()
    service["Parameters"]["PrivateSubnets"] = {"Fn::GetAtt": ["Network", "Outputs.PublicSubnets"]}
    # The load balancer and the service's awsvpc tasks land in the public subnets.
    assert _rules(documents) == {("SEC201", "service-images.yaml", "LoadBalancer"),
                                 ("SEC103", "service-images.yaml", "Service")}


def test_a_child_of_two_roots_is_judged_with_each_root_s_parameters() -> None:
    documents = _photos()
    second = copy.deepcopy(documents["root.yaml"])
    second["Resources"]["ImagesService"]["Properties"]["Parameters"]["PrivateSubnets"] = \
        {"Fn::GetAtt": ["Network", "Outputs.PublicSubnets"]}
    documents["root-canary.yaml"] = second
    found = _rules(documents)
    assert ("SEC201", "service-images.yaml", "LoadBalancer") in found


def test_a_parent_that_passes_its_own_value_overrides_the_child_s_default() -> None:
    documents = _photos()
    documents["service-images.yaml"]["Parameters"]["Scheme"] = {
        "Type": "String", "Default": "internet-facing", "AllowedValues": ["internet-facing", "internal"]}
    documents["service-images.yaml"]["Resources"]["LoadBalancer"]["Properties"]["Scheme"] = {"Ref": "Scheme"}
    passed = documents["root.yaml"]["Resources"]["ImagesService"]["Properties"]["Parameters"]
    passed["Scheme"] = "internal"
    assert _rules(documents) == set()
    for absent in ({"Ref": "AWS::NoValue"}, {"Fn::If": ["C", "internal", {"Ref": "AWS::NoValue"}]}):
        passed["Scheme"] = absent
        # The child's Default (internet-facing) may apply.
        templates = TemplateSet.of_documents(documents)
        scheme = documents["service-images.yaml"]["Resources"]["LoadBalancer"]["Properties"]["Scheme"]
        assert Lit("internet-facing") in templates.resolve("service-images.yaml", scheme)


def test_select_indexes_a_list_parameter_s_value_and_each_if_branch() -> None:
    templates = TemplateSet.of_documents({"t.yaml": {
        "Parameters": {
            "Cidrs": {"Type": "CommaDelimitedList", "Default": "203.0.113.0/24,0.0.0.0/0"},
            "Allowed": {"Type": "CommaDelimitedList", "Default": "a,b", "AllowedValues": ["a", "b", "c"]},
            "Open": {"Type": "CommaDelimitedList"},
        },
        "Resources": {"Group": {"Type": "AWS::EC2::SecurityGroup"}}}})

    def select(index: int, value: Any) -> set[Any]:
        return set(templates.resolve("t.yaml", {"Fn::Select": [index, value]}))

    assert select(1, {"Ref": "Cidrs"}) == {Lit("0.0.0.0/0"), Param("t.yaml", "Cidrs")}
    assert select(0, {"Ref": "Allowed"}) == {Lit("a"), Lit("b"), Lit("c")}
    assert select(0, {"Ref": "Open"}) == {Param("t.yaml", "Open")}
    assert select(1, {"Fn::If": ["C", ["x", "y"], ["z", "w"]]}) == {Lit("y"), Lit("w")}
    assert select(0, {"Fn::If": ["C", {"Fn::Split": [",", "p,q"]}, ["r"]]}) == {Lit("p"), Lit("r")}
    assert select(0, ["x", {"Ref": "AWS::NoValue"}, "y"]) == {Lit("x"), Lit("y")}  # positions unknown: any


def test_attributes_that_are_not_their_resource() -> None:
    templates = TemplateSet.of_documents({"t.yaml": {"Resources": {
        "Group": {"Type": "AWS::EC2::SecurityGroup"},
        "Balancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                     "Properties": {"SecurityGroups": [{"Fn::GetAtt": ["Group", "GroupId"]}]}},
        "Lookup": {"Type": "Custom::SubnetLookup"},
        "Vpc": {"Type": "AWS::EC2::VPC"}}}})
    resolve = templates.resolve
    assert resolve("t.yaml", {"Fn::Select": [0, {"Fn::GetAtt": ["Balancer", "SecurityGroups"]}]}) == \
        [Res("t.yaml", "Group")]
    assert resolve("t.yaml", {"Fn::GetAtt": ["Balancer", "DNSName"]}) == [Res("t.yaml", "Balancer")]
    assert not any(isinstance(v, Res) for v in resolve("t.yaml", {"Fn::GetAtt": ["Lookup", "SubnetA"]}))
    assert not any(isinstance(v, Res) for v in resolve("t.yaml", {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}))


def test_a_task_group_admitting_the_load_balancer_s_groups_attribute_passes() -> None:
    documents = _photos()
    rule = documents["service-images.yaml"]["Resources"]["TaskSecurityGroupFromLoadBalancer"]["Properties"]
    rule["SourceSecurityGroupId"] = {"Fn::Select": [0, {"Fn::GetAtt": ["LoadBalancer", "SecurityGroups"]}]}
    assert _rules(documents) == set()


def test_a_description_written_as_a_sub_is_a_description() -> None:
    documents = _photos()
    rule = documents["service-images.yaml"]["Resources"]["TaskSecurityGroupFromLoadBalancer"]["Properties"]
    rule["Description"] = {"Fn::Sub": "From the ${AWS::StackName} load balancer"}
    assert _rules(documents) == set()
    for absent in ({"Ref": "AWS::NoValue"}, {"Fn::If": ["C", "x", {"Ref": "AWS::NoValue"}]}, ""):
        rule["Description"] = absent
        assert _rules(documents) == {("SEC703", "service-images.yaml", "TaskSecurityGroupFromLoadBalancer")}


def test_a_load_balancer_attribute_key_written_as_a_sub_is_read_by_its_text() -> None:
    documents = _photos()
    attributes = documents["service-images.yaml"]["Resources"]["LoadBalancer"]["Properties"]["LoadBalancerAttributes"]
    attributes[0]["Key"] = {"Fn::Sub": "routing.http.drop_invalid_header_fields.enabled"}
    assert _rules(documents) == set()
    attributes[0]["Value"] = {"Fn::If": ["C", "true", "false"]}
    assert _rules(documents) == {("SEC902", "service-images.yaml", "LoadBalancer")}


def _public_slash_32s(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    found: set[str] = set()
    while len(found) < count:
        address = ipaddress.IPv4Address(rng.randrange(2 ** 32))
        if address.is_global:
            found.add(f"{address}/32")
    return sorted(found)


def test_thousands_of_cidrs_are_judged_in_linear_time() -> None:
    partners = _public_slash_32s(5000, seed=1)
    started = time.process_time()
    assert cidrs.internet_parts(partners) == set()
    # Everything but the partners' /32s (thousands of CIDRs) is still the internet.
    assert cidrs.covers_internet([*partners, "0.0.0.0/1", "128.0.0.0/2"])
    # A generous guard, as the fuzz tests keep: the quadratic version took about 36 s for 1,000.
    assert time.process_time() - started < 10


def test_a_set_with_a_thousand_prefix_list_entries_is_audited(tmp_path: Path) -> None:
    documents = _photos()
    resources = documents["service-api.yaml"]["Resources"]
    resources["Partners"] = {"Type": "AWS::EC2::PrefixList", "Properties": {
        "PrefixListName": "partners", "AddressFamily": "IPv4", "MaxEntries": 1000,
        "Entries": [{"Cidr": cidr, "Description": "partner"} for cidr in _public_slash_32s(1000, seed=2)]}}
    rule = resources["LoadBalancerPort80FromNetwork1"]["Properties"]
    rule.pop("CidrIp", None)
    rule["SourcePrefixListId"] = {"Ref": "Partners"}
    started = time.process_time()
    assert _rules(documents) == set()
    assert time.process_time() - started < 10
