"""root.yaml and the template set as a whole: nesting, wiring, the invariants every template holds
(SPEC 4 and 5.7, 5.10), determinism, and cfn-lint of a few representative sets laid out as the
pipeline writes them, so that E3043 checks each parent/child parameter pair.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from generator.cfn.render import render, render_data
from generator.stacks.application import build_templates

from .helpers import (
    CERT,
    PLACEHOLDER_EGRESS,
    Templates,
    build,
    keys_in,
    lint_blueprint,
    load,
    refs_in,
    resources,
    rules,
    stack_files,
    walk,
)
from .test_access import BASTION_BLUEPRINT, VPN_BLUEPRINT
from .test_cluster import CLUSTER_VARIANTS
from .test_service import SERVICE_VARIANTS

BLUEPRINTS = {
    **{f"cluster-{name}": text for name, text in CLUSTER_VARIANTS.items()},
    **{f"services-{name}": text for name, text in SERVICE_VARIANTS.items()},
    "access-bastion": BASTION_BLUEPRINT,
    "access-vpn": VPN_BLUEPRINT,
}
# Physical names a template must leave to CloudFormation (SPEC 4), by resource type.
PHYSICAL_NAMES = {
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::ECS::Service": "ServiceName",
    "AWS::ECS::TaskDefinition": "Family",
    "AWS::ECS::CapacityProvider": "Name",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "Name",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "Name",
    "AWS::EC2::SecurityGroup": "GroupName",
    "AWS::EC2::LaunchTemplate": "LaunchTemplateName",
    "AWS::AutoScaling::AutoScalingGroup": "AutoScalingGroupName",
    "AWS::Logs::LogGroup": "LogGroupName",
}
TYPED_PARAMETERS = {
    r"^VpcId$": "AWS::EC2::VPC::Id",
    r"Subnets$": "List<AWS::EC2::Subnet::Id>",
    r"SecurityGroup$": "AWS::EC2::SecurityGroup::Id",
}

by_blueprint = pytest.mark.parametrize("text", list(BLUEPRINTS.values()), ids=list(BLUEPRINTS))


def children(templates: Templates) -> dict[str, dict[str, Any]]:
    return {name: props for name, props in resources(templates["root.yaml"], "AWS::CloudFormation::Stack").items()}


@by_blueprint
def test_root_nests_every_child_by_its_relative_file_name(text: str) -> None:
    templates = build(text)
    files = stack_files(templates)
    assert sorted(files.values()) == sorted(set(templates) - {"root.yaml"})
    assert list(files)[:2] == ["Network", "Cluster"]
    assert all("/" not in filename and filename.endswith(".yaml") for filename in files.values())
    assert (("Access" in files) == ("access.yaml" in templates) ==
            (load(text).access.bastion is not None or load(text).access.vpn is not None))


@by_blueprint
def test_root_feeds_every_child_parameter_from_a_sibling_output_or_a_root_parameter(text: str) -> None:
    templates = build(text)
    files = stack_files(templates)
    root = templates["root.yaml"]
    for name, props in children(templates).items():
        declared = templates[files[name]].get("Parameters", {})
        passed = props.get("Parameters", {})
        assert set(passed) <= set(declared), f"{name} is passed parameters it does not declare"
        assert {p for p, spec in declared.items() if "Default" not in spec} <= set(passed), f"{name} misses some"
        for parameter, value in passed.items():
            if "Fn::GetAtt" in value:
                sibling, output = value["Fn::GetAtt"]
                assert sibling != name
                assert list(files).index(sibling) < list(files).index(name), f"{name} nested before {sibling}"
                assert output.removeprefix("Outputs.") in templates[files[sibling]]["Outputs"]
            else:
                # A knob with a default: settable once at the root, with the child's own definition,
                # except that an SSM-typed one is passed on as its name (a Ref would pass the resolved value).
                assert value == {"Ref": parameter}
                expected = dict(declared[parameter])
                if expected["Type"].startswith("AWS::SSM::Parameter::Value<"):
                    expected["Type"] = "String"
                assert root["Parameters"][parameter] == expected


@by_blueprint
def test_every_template_has_a_description_naming_the_blueprint(text: str) -> None:
    name = load(text).name
    for filename, template in build(text).items():
        assert template["Description"].startswith(f"{name}: "), filename
        assert f"blueprint '{name}'" in template["Description"], filename


@by_blueprint
def test_no_exports_or_imports_anywhere(text: str) -> None:
    for filename, template in build(text).items():
        assert "Fn::ImportValue" not in keys_in(template), filename
        assert all("Export" not in output for output in template.get("Outputs", {}).values()), filename


@by_blueprint
def test_no_physical_names(text: str) -> None:
    for filename, template in build(text).items():
        for kind, key in PHYSICAL_NAMES.items():
            named = [resource for resource, props in resources(template, kind).items() if key in props]
            assert named == [], f"{filename}: {kind} {named} set {key}"


@by_blueprint
def test_children_take_typed_parameters_for_vpcs_subnets_and_security_groups(text: str) -> None:
    templates = build(text)
    for filename, template in templates.items():
        for parameter, spec in template.get("Parameters", {}).items():
            for pattern, kind in TYPED_PARAMETERS.items():
                if re.search(pattern, parameter):
                    assert spec["Type"] == kind, f"{filename}: {parameter} is {spec['Type']}"


@by_blueprint
def test_every_parameter_is_used(text: str) -> None:
    """cfn-lint warns about unused parameters (W2001), and a warning fails the build."""
    for filename, template in build(text).items():
        used = refs_in(template.get("Resources", {})) | refs_in(template.get("Outputs", {}))
        assert set(template.get("Parameters", {})) <= used, filename


@by_blueprint
def test_every_security_group_replaces_the_default_egress_with_the_placeholder(text: str) -> None:
    for filename, template in build(text).items():
        for name, group in resources(template, "AWS::EC2::SecurityGroup").items():
            [egress] = group["SecurityGroupEgress"]
            assert {key: egress[key] for key in PLACEHOLDER_EGRESS} == PLACEHOLDER_EGRESS, f"{filename}/{name}"
            assert "SecurityGroupIngress" not in group, f"{filename}/{name}: rules live in their own resources"


@by_blueprint
def test_no_rule_uses_protocol_minus_one_and_every_rule_has_a_description(text: str) -> None:
    found = rules(build(text))
    assert found
    for rule in found:
        assert rule.protocol not in ("-1", "all"), rule
        assert rule.protocol == "tcp" or rule.peer == PLACEHOLDER_EGRESS["CidrIp"], rule
        assert rule.description and rule.description.strip(), rule
        assert rule.peer not in ("::/0",), rule
        if rule.direction == "in":
            assert rule.peer != "0.0.0.0/0" or rule.group.endswith("/LoadBalancerSecurityGroup"), rule


@by_blueprint
def test_no_iam_action_contains_a_wildcard_and_each_role_trusts_one_service(text: str) -> None:
    for filename, template in build(text).items():
        for name, role in resources(template, "AWS::IAM::Role").items():
            documents = [role["AssumeRolePolicyDocument"]] + [p["PolicyDocument"] for p in role.get("Policies", [])]
            for statement in (s for document in documents for s in document["Statement"]):
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert all("*" not in action for action in actions), f"{filename}/{name}: {actions}"
                assert "NotAction" not in statement
            [trust] = role["AssumeRolePolicyDocument"]["Statement"]
            assert list(trust["Principal"]) == ["Service"] and isinstance(trust["Principal"]["Service"], str)
        assert not {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User"} & {
            entry["Type"] for entry in template.get("Resources", {}).values()}


@by_blueprint
def test_only_the_bastion_gets_a_public_address(text: str) -> None:
    for filename, template in build(text).items():
        public = [node for node in walk(template.get("Resources", {}))
                  if isinstance(node, dict) and (node.get("AssociatePublicIpAddress") is True
                                                 or node.get("AssignPublicIp") == "ENABLED")]
        expected = 1 if filename == "access.yaml" and "BastionLaunchTemplate" in template["Resources"] else 0
        assert len(public) == expected, filename


def test_generation_is_deterministic() -> None:
    text = SERVICE_VARIANTS["mixed"]
    first = {name: render(template) for name, template in build_templates(load(text)).items()}
    second = {name: render(template) for name, template in build_templates(load(text)).items()}
    assert first == second
    assert next(iter(first)) == "root.yaml"


# --- cfn-lint on whole sets -----------------------------------------------------------------------------------

LINTED = {
    # EC2 hosts with a key and Fargate; bastion and VPN; public and internal services with HTTPS and
    # without, EC2 and Fargate callers, workers on both, exec, secrets, every scaling metric.
    "everything": f"""
        name: hybrid
        tags: {{team: platform}}
        network: {{availability_zones: 3}}
        cluster:
          instances: {{key_name: ops, min: 1, max: 3}}
          fargate: true
          container_insights: false
        access:
          bastion: {{allowed_cidrs: [203.0.113.0/24, 198.51.100.7/32], key_name: ops}}
          vpn:
            client_cidr: 10.250.0.0/22
            server_certificate_arn: {CERT}
            client_certificate_arn: {CERT}
        services:
          web:
            image: nginx
            port: 80
            expose: public
            launch_type: fargate
            https: {{certificate_arn: {CERT}}}
            talks_to: [search, ledger]
            exec: true
            secrets:
              DB: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::"
              FLAG: arn:aws:ssm:us-east-1:123456789012:parameter/flag
            scaling: {{min: 2, max: 6, cpu_percent: 60, memory_percent: 70, requests_per_target: 100}}
          admin: {{image: nginx, port: 8000, expose: public, allowed_cidrs: [192.0.2.0/24]}}
          search: {{image: nginx, port: 9200, https: {{certificate_arn: {CERT}}}}}
          ledger: {{image: nginx, port: 8443, launch_type: fargate}}
          jobs: {{image: nginx, talks_to: [search, ledger], exec: true}}
          sweeper: {{image: nginx, launch_type: fargate, talks_to: [search]}}
        """,
    # Fargate only, reached through a bastion without a key (no host group to touch, no port open).
    "fargate-bastion": CLUSTER_VARIANTS["bastion-fargate-only"],
    # EC2 only, no access stack, a fixed AMI, Session Manager off, one worker (no VPC parameters at all).
    "ec2-worker-fixed-ami": CLUSTER_VARIANTS["ssm-off-fixed-ami"],
}


@pytest.mark.parametrize("text", list(LINTED.values()), ids=list(LINTED))
def test_template_set_is_cfn_lint_clean(text: str, tmp_path: Path) -> None:
    assert lint_blueprint(text, tmp_path) == []


def test_lint_checks_children_against_the_root(tmp_path: Path) -> None:
    """The set is laid out so cfn-lint opens each child: a parameter the root does not pass is an error."""
    templates = build(LINTED["ec2-worker-fixed-ami"])
    worker = templates["service-jobs.yaml"]
    worker["Parameters"]["Extra"] = {"Type": "String", "Description": "not passed by the root"}
    worker["Resources"]["Service"]["Properties"]["Tags"] = [{"Key": "extra", "Value": {"Ref": "Extra"}}]
    for filename, data in templates.items():
        (tmp_path / filename).write_bytes(render_data(data))
    from generator.checks.lint import lint_file

    findings = lint_file(tmp_path / "root.yaml")
    assert [finding.rule for finding in findings] == ["E3043"]
    assert "Extra" in findings[0].message
