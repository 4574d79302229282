"""A blueprint on an existing VPC (`network.vpc_id`) builds clean: no network stack and no VPC anywhere, the ids
as typed root parameters with the blueprint's values as defaults, wired where the network's outputs went, Rules
that the subnets are in the VPC, the access-log bucket in a stack of its own, and the audit's word on what it
took on trust."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cfn.declared_network import METADATA_KEY
from generator.pipeline import BuildResult, build

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "existing_network"
REPO = Path(__file__).resolve().parents[2]
SUBNETS = "List<AWS::EC2::Subnet::Id>"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuildResult]:
    out = tmp_path_factory.mktemp("existing")
    return {path.stem: build(path, out) for path in sorted(FIXTURES.glob("*.yaml"))}


def templates(result: BuildResult) -> dict[str, dict[str, Any]]:
    return {name: yaml.safe_load(body) for name, body in result.files.items() if name.endswith(".yaml")}


@pytest.mark.parametrize("case", ["photos", "internal"])
def test_no_network_stack_and_no_vpc_in_any_template(built: dict[str, BuildResult], case: str) -> None:
    found = templates(built[case])
    assert "network.yaml" not in found
    kinds = {resource["Type"] for template in found.values() for resource in template["Resources"].values()}
    assert not kinds & {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway",
                        "AWS::EC2::RouteTable", "AWS::EC2::FlowLog"}
    assert "Network" not in found["root.yaml"]["Resources"]


@pytest.mark.parametrize("case", ["photos", "internal"])
def test_the_ids_are_typed_root_parameters_defaulting_to_the_blueprint(built: dict[str, BuildResult],
                                                                       case: str) -> None:
    network = built[case].blueprint.network
    parameters = templates(built[case])["root.yaml"]["Parameters"]
    assert parameters["VpcId"]["Type"] == "AWS::EC2::VPC::Id" and parameters["VpcId"]["Default"] == network.vpc_id
    assert parameters["PrivateSubnets"] == {**parameters["PrivateSubnets"], "Type": SUBNETS,
                                            "Default": ",".join(network.private_subnets or ())}
    if network.public_subnets:
        assert parameters["PublicSubnets"]["Type"] == SUBNETS
        assert parameters["PublicSubnets"]["Default"] == ",".join(network.public_subnets)
    else:
        assert "PublicSubnets" not in parameters  # nothing public takes them


def test_children_take_the_root_parameters_where_the_network_outputs_went(built: dict[str, BuildResult]) -> None:
    root = templates(built["photos"])["root.yaml"]["Resources"]
    assert root["ApiService"]["Properties"]["Parameters"]["PublicSubnets"] == {"Ref": "PublicSubnets"}
    assert root["ImagesService"]["Properties"]["Parameters"]["PrivateSubnets"] == {"Ref": "PrivateSubnets"}
    assert root["Cluster"]["Properties"]["Parameters"]["VpcId"] == {"Ref": "VpcId"}
    assert root["Access"]["Properties"]["Parameters"]["VpcCidr"] == {"Ref": "VpcCidr"}
    assert root["ApiService"]["Properties"]["Parameters"]["AccessLogBucket"] == {
        "Fn::GetAtt": ["AccessLogs", "Outputs.AccessLogBucket"]}


def test_the_vpc_block_is_a_parameter_only_where_operator_access_needs_it(built: dict[str, BuildResult]) -> None:
    photos = templates(built["photos"])["root.yaml"]["Parameters"]
    assert "Default" not in photos["VpcCidr"]  # not in the blueprint: `blueprint deploy` reads it from the VPC
    assert "VpcCidr" not in templates(built["internal"])["root.yaml"]["Parameters"]


@pytest.mark.parametrize("case", ["photos", "internal"])
def test_rules_assert_every_subnet_is_in_the_vpc(built: dict[str, BuildResult], case: str) -> None:
    (rule,) = templates(built[case])["root.yaml"]["Rules"].values()
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::EachMemberEquals": [
        {"Fn::ValueOfAll": ["AWS::EC2::Subnet::Id", "VpcId"]}, {"Ref": "VpcId"}]}
    assert assertion["AssertDescription"]


def test_the_root_declares_which_parameters_hold_private_and_public_subnets(built: dict[str, BuildResult]) -> None:
    assert templates(built["photos"])["root.yaml"]["Metadata"][METADATA_KEY] == {
        "VpcId": "VpcId", "VpcCidr": "VpcCidr", "PrivateSubnets": ["PrivateSubnets"],
        "PublicSubnets": ["PublicSubnets"]}
    assert templates(built["internal"])["root.yaml"]["Metadata"][METADATA_KEY] == {
        "VpcId": "VpcId", "PrivateSubnets": ["PrivateSubnets"]}


@pytest.mark.parametrize("case", ["photos", "internal"])
def test_the_access_log_bucket_moves_to_a_stack_of_its_own(built: dict[str, BuildResult], case: str) -> None:
    found = templates(built[case])
    logs = found["access-logs.yaml"]
    assert {r["Type"] for r in logs["Resources"].values()} == {"AWS::S3::Bucket", "AWS::S3::BucketPolicy"}
    assert "AccessLogBucket" in logs["Outputs"]
    assert found["root.yaml"]["Resources"]["AccessLogs"]["Properties"]["TemplateURL"] == "access-logs.yaml"


def test_a_new_vpc_keeps_its_bucket_in_network_yaml_and_gets_no_access_logs_stack() -> None:
    root = yaml.safe_load((REPO / "output" / "photos" / "root.yaml").read_text())
    assert "AccessLogs" not in root["Resources"] and "Rules" not in root
    assert METADATA_KEY not in (root.get("Metadata") or {})


@pytest.mark.parametrize("case", ["photos", "internal"])
def test_the_build_is_clean_and_the_audit_says_what_it_trusted(built: dict[str, BuildResult], case: str) -> None:
    warnings = built[case].warnings
    assert {finding.rule_id for finding in warnings} == {"SEC1401"}
    messages = [finding.message for finding in warnings]
    assert any("takes PrivateSubnets as private subnets on the blueprint's declaration" in m for m in messages)
    assert any("flow logs" in m for m in messages)
    assert all(Path(finding.file).name == "root.yaml" for finding in warnings)


def test_checkov_finds_nothing_failed(built: dict[str, BuildResult]) -> None:
    checkov = REPO / ".venv-scan" / "bin" / "checkov"
    if not checkov.exists():
        checkov = Path(shutil.which("checkov") or "/nonexistent")
    if not checkov.exists():
        pytest.skip("checkov is not installed (make scan installs it in .venv-scan)")
    directory = built["photos"].directory.parent
    run = subprocess.run([str(checkov), "--framework", "cloudformation", "--skip-download", "--compact", "--quiet",
                          "-d", str(directory)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Failed checks: 0" in run.stdout
