"""access.yaml: the SSH bastion and the Client VPN endpoint, and when there is no access stack at all."""

from __future__ import annotations

import pytest

from .helpers import (
    CERT,
    CLOUDWATCH_RETENTION_DAYS,
    build,
    egress_from,
    ingress_into,
    only,
    resolve,
    resources,
    stack_of,
    types_in,
)

BASTION = "access.yaml/BastionSecurityGroup"
VPN = "access.yaml/VpnSecurityGroup"
SSH = (22, 22)
VPC_CIDR = "network.yaml/Vpc.CidrBlock"
CLIENT_CA = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"

BASTION_BLUEPRINT = """
    name: depot
    cluster:
      instances: {key_name: hosts}
    access:
      bastion:
        allowed_cidrs: [203.0.113.0/24, 198.51.100.7/32]
        instance_type: t3.nano
        key_name: ops
    services:
      api: {image: nginx, port: 8080}
    """
VPN_BLUEPRINT = f"""
    name: depot
    network: {{cidr: 10.20.0.0/16, availability_zones: 3}}
    cluster:
      instances: {{key_name: hosts}}   # a VPN must reach something (blueprint.reach): SSH to keyed hosts
    access:
      vpn:
        client_cidr: 10.250.0.0/22
        server_certificate_arn: {CERT}
        client_certificate_arn: {CLIENT_CA}
    services:
      api: {{image: nginx, port: 8080}}
    """


def stack_props(templates: dict) -> list[dict]:
    return list(resources(templates["root.yaml"], "AWS::CloudFormation::Stack").values())


@pytest.mark.parametrize("blueprint", [
    """
    name: depot
    services:
      api: {image: nginx, port: 8080}
    """,
    """
    name: depot
    cluster:
      instances: {key_name: hosts}
    access: {ssm: true}
    services:
      api: {image: nginx, port: 8080}
    """,
], ids=["defaults", "ssm-only-hosts-with-key"])
def test_no_access_stack_without_a_bastion_or_vpn(blueprint: str) -> None:
    templates = build(blueprint)
    assert "access.yaml" not in templates
    assert "Access" not in templates["root.yaml"]["Resources"]
    assert "access.yaml" not in [props["TemplateURL"] for props in stack_props(templates)]
    # Nothing to reach the hosts through, so nothing admits SSH to them even with a key pair.
    assert all(ports != SSH for _, ports in ingress_into(templates, "cluster.yaml/HostSecurityGroup"))


def test_bastion_admits_ssh_only_from_the_declared_cidrs() -> None:
    templates = build(BASTION_BLUEPRINT)
    assert ingress_into(templates, BASTION) == {("203.0.113.0/24", SSH), ("198.51.100.7/32", SSH)}


def test_a_bastion_without_a_key_pair_opens_no_port() -> None:
    """Nobody can log in over SSH without a key, so TCP 22 stays closed; Session Manager reaches it."""
    templates = build(BASTION_BLUEPRINT.replace("        key_name: ops\n", ""))
    assert ingress_into(templates, BASTION) == set()
    group = resources(templates["access.yaml"], "AWS::EC2::SecurityGroup")["BastionSecurityGroup"]
    assert group["GroupDescription"] == "Bastion reached through Session Manager: no inbound port"
    role = resources(templates["access.yaml"], "AWS::IAM::Role")["BastionRole"]
    assert [arn["Fn::Sub"] for arn in role["ManagedPolicyArns"]] == [
        "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"]


def test_bastion_sends_ssh_only_into_the_vpc_and_https_for_session_manager() -> None:
    templates = build(BASTION_BLUEPRINT)
    assert egress_from(templates, BASTION) == {(VPC_CIDR, SSH), ("0.0.0.0/0", (443, 443))}
    without_ssm = build(BASTION_BLUEPRINT.replace("access:\n", "access:\n      ssm: false\n"))
    assert egress_from(without_ssm, BASTION) == {(VPC_CIDR, SSH)}


def test_bastion_is_one_self_healing_instance_in_the_public_subnets() -> None:
    templates = build(BASTION_BLUEPRINT)
    access = templates["access.yaml"]
    group = only(resources(access, "AWS::AutoScaling::AutoScalingGroup"))
    assert (group["MinSize"], group["MaxSize"]) == ("1", "1")
    assert group["VPCZoneIdentifier"] == {"Ref": "PublicSubnets"}
    assert stack_of(templates, "access.yaml")["Parameters"]["PublicSubnets"] == {
        "Fn::GetAtt": ["Network", "Outputs.PublicSubnets"]}
    listed = resolve(templates, "access.yaml", {"Ref": "PublicSubnets"})["Fn::Join"][1]
    assert listed == [{"Ref": "PublicSubnet1"}, {"Ref": "PublicSubnet2"}]
    data = only(resources(access, "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"]
    assert data["InstanceType"] == "t3.nano"
    assert [i["Groups"] for i in data["NetworkInterfaces"]] == [[{"Fn::GetAtt": ["BastionSecurityGroup", "GroupId"]}]]


@pytest.mark.parametrize(("key_line", "key"), [("key_name: ops", "ops"), ("", None)], ids=["with-key", "without-key"])
def test_bastion_carries_a_key_pair_only_when_declared(key_line: str, key: str | None) -> None:
    templates = build(f"""
        name: depot
        access:
          bastion: {{allowed_cidrs: [203.0.113.0/24], {key_line}}}
        services:
          api: {{image: nginx, port: 8080}}
        """)
    data = only(resources(templates["access.yaml"], "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"]
    assert data.get("KeyName") == key
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert all(device["Ebs"]["Encrypted"] is True for device in data["BlockDeviceMappings"])
    # Fargate-only: no hosts, so nothing in the access stack touches a host group.
    assert "HostSecurityGroup" not in templates["access.yaml"]["Parameters"]
    assert egress_from(templates, BASTION) >= {(VPC_CIDR, SSH)}


@pytest.mark.parametrize(("ssm", "policies"), [
    ("true", ["arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"]), ("false", [])])
def test_bastion_role_allows_only_session_manager_and_trusts_only_ec2(ssm: str, policies: list[str]) -> None:
    access = build(BASTION_BLUEPRINT.replace("access:\n", f"access:\n      ssm: {ssm}\n"))["access.yaml"]
    role = only(resources(access, "AWS::IAM::Role"))
    assert [arn["Fn::Sub"] for arn in role.get("ManagedPolicyArns", [])] == policies
    assert "Policies" not in role
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]


def test_hosts_with_a_key_admit_ssh_from_the_bastion_group_only() -> None:
    templates = build(BASTION_BLUEPRINT)
    assert ingress_into(templates, "cluster.yaml/HostSecurityGroup") >= {(BASTION, SSH)}
    assert {source for source, ports in ingress_into(templates, "cluster.yaml/HostSecurityGroup")
            if ports == SSH} == {BASTION}
    assert stack_of(templates, "access.yaml")["Parameters"]["HostSecurityGroup"] == {
        "Fn::GetAtt": ["Cluster", "Outputs.HostSecurityGroup"]}
    assert templates["access.yaml"]["Parameters"]["HostSecurityGroup"]["Type"] == "AWS::EC2::SecurityGroup::Id"


def test_vpn_authenticates_clients_with_mutual_tls() -> None:
    endpoint = only(resources(build(VPN_BLUEPRINT)["access.yaml"], "AWS::EC2::ClientVpnEndpoint"))
    assert endpoint["ServerCertificateArn"] == CERT
    assert endpoint["AuthenticationOptions"] == [{
        "Type": "certificate-authentication",
        "MutualAuthentication": {"ClientRootCertificateChainArn": CLIENT_CA},
    }]
    assert endpoint["ClientCidrBlock"] == "10.250.0.0/22"


def test_vpn_is_associated_with_every_private_subnet() -> None:
    templates = build(VPN_BLUEPRINT)
    associations = resources(templates["access.yaml"], "AWS::EC2::ClientVpnTargetNetworkAssociation")
    assert [props["SubnetId"] for props in associations.values()] == [
        {"Fn::Select": [index, {"Ref": "PrivateSubnets"}]} for index in range(3)]
    assert all(props["ClientVpnEndpointId"] == {"Ref": "VpnEndpoint"} for props in associations.values())
    assert stack_of(templates, "access.yaml")["Parameters"]["PrivateSubnets"] == {
        "Fn::GetAtt": ["Network", "Outputs.PrivateSubnets"]}
    listed = resolve(templates, "access.yaml", {"Ref": "PrivateSubnets"})["Fn::Join"][1]
    assert listed == [{"Ref": f"PrivateSubnet{i}"} for i in (1, 2, 3)]


def test_vpn_authorizes_only_the_vpc_cidr_and_splits_the_tunnel() -> None:
    templates = build(VPN_BLUEPRINT)
    access = templates["access.yaml"]
    rule = only(resources(access, "AWS::EC2::ClientVpnAuthorizationRule"))
    assert resolve(templates, "access.yaml", rule["TargetNetworkCidr"]) == VPC_CIDR
    assert rule["ClientVpnEndpointId"] == {"Ref": "VpnEndpoint"}
    assert rule["Description"]
    endpoint = only(resources(access, "AWS::EC2::ClientVpnEndpoint"))
    assert endpoint["SplitTunnel"] is True
    assert "AWS::EC2::ClientVpnRoute" not in types_in(access)


def test_vpn_logs_every_connection_to_a_log_group_with_retention() -> None:
    access = build(VPN_BLUEPRINT)["access.yaml"]
    endpoint = only(resources(access, "AWS::EC2::ClientVpnEndpoint"))
    assert endpoint["ConnectionLogOptions"] == {"Enabled": True, "CloudwatchLogGroup": {"Ref": "VpnLogGroup"}}
    log_group = resources(access, "AWS::Logs::LogGroup")["VpnLogGroup"]
    assert log_group["RetentionInDays"] in CLOUDWATCH_RETENTION_DAYS


def test_vpn_has_its_own_security_group() -> None:
    templates = build(VPN_BLUEPRINT)
    endpoint = only(resources(templates["access.yaml"], "AWS::EC2::ClientVpnEndpoint"))
    assert endpoint["SecurityGroupIds"] == [{"Fn::GetAtt": ["VpnSecurityGroup", "GroupId"]}]
    assert resolve(templates, "access.yaml", endpoint["VpcId"]) == "network.yaml/Vpc"
    assert ingress_into(templates, VPN) == set()
    assert egress_from(templates, VPN) == {(VPC_CIDR, SSH)}


def test_root_passes_the_bastion_stack_network_outputs_and_the_host_group() -> None:
    templates = build(BASTION_BLUEPRINT)
    assert stack_of(templates, "access.yaml")["Parameters"] == {
        "VpcId": {"Fn::GetAtt": ["Network", "Outputs.VpcId"]},
        "VpcCidr": {"Fn::GetAtt": ["Network", "Outputs.VpcCidr"]},
        "HostSecurityGroup": {"Fn::GetAtt": ["Cluster", "Outputs.HostSecurityGroup"]},
        "PublicSubnets": {"Fn::GetAtt": ["Network", "Outputs.PublicSubnets"]},
        "BastionImageId": {"Ref": "BastionImageId"},
    }
    assert set(templates["access.yaml"]["Outputs"]) == {"BastionSecurityGroup", "BastionAutoScalingGroup"}


def test_root_passes_the_vpn_stack_network_outputs_and_the_host_group() -> None:
    templates = build(VPN_BLUEPRINT)
    assert stack_of(templates, "access.yaml")["Parameters"] == {
        "VpcId": {"Fn::GetAtt": ["Network", "Outputs.VpcId"]},
        "VpcCidr": {"Fn::GetAtt": ["Network", "Outputs.VpcCidr"]},
        "HostSecurityGroup": {"Fn::GetAtt": ["Cluster", "Outputs.HostSecurityGroup"]},
        "PrivateSubnets": {"Fn::GetAtt": ["Network", "Outputs.PrivateSubnets"]},
    }
    assert set(templates["access.yaml"]["Outputs"]) == {"VpnEndpoint", "VpnSecurityGroup"}
