"""access.yaml: how operators reach private hosts when SSM alone is not enough.

SSM Session Manager needs nothing here: hosts and the bastion carry the SSM core policy and no
inbound port. The bastion is a one-instance auto scaling group (so it heals) in a public subnet,
admitting SSH only from `allowed_cidrs`, and only when it has a key pair (without one it opens no
port). The Client VPN endpoint uses mutual TLS, sits in the private subnets and tunnels only VPC
traffic (split tunnel). Hosts admit SSH from the bastion and
VPN groups only when an SSH key is configured on them.
"""

from __future__ import annotations

from troposphere import GetAtt, Output, Parameter, Ref, Select, Template, autoscaling, ec2
from troposphere.policies import AutoScalingRollingUpdate, UpdatePolicy

from generator.blueprint.infrastructure import Bastion, Vpn
from generator.blueprint.model import Blueprint
from generator.stacks.common import apply_tags, log_group, new_template, tags_with_name
from generator.stacks.console import make_console_friendly
from generator.stacks.iam import instance_profile, service_role
from generator.stacks.instances import launch_template_data
from generator.stacks.parameters import (
    BASTION_IMAGE_ID,
    HOST_SECURITY_GROUP,
    PRIVATE_SUBNETS,
    PUBLIC_SUBNETS,
    VPC_CIDR,
    VPC_ID,
)
from generator.stacks.scanner import skip_scanner_checks
from generator.stacks.security import allow_in, allow_out, security_group
from generator.stacks.sources import from_blueprint

BASTION_AMI = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
SSH = 22


def needs_access_stack(blueprint: Blueprint) -> bool:
    return blueprint.access.bastion is not None or blueprint.access.vpn is not None


def hosts_accept_ssh(blueprint: Blueprint) -> bool:
    instances = blueprint.cluster.instances
    return instances is not None and instances.key_name is not None


def build_access(blueprint: Blueprint) -> Template:
    template = new_template(blueprint, "operator access: SSH bastion and/or Client VPN")
    template.add_parameter([
        Parameter(VPC_ID, Type="AWS::EC2::VPC::Id", Description="The VPC operators reach into"),
        Parameter(VPC_CIDR, Type="String", Description="IPv4 block of the VPC",
                  AllowedPattern=r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$"),
    ])
    if hosts_accept_ssh(blueprint):
        template.add_parameter(Parameter(
            HOST_SECURITY_GROUP, Type="AWS::EC2::SecurityGroup::Id",
            Description="Security group of the ECS hosts, which admits SSH from operator groups",
        ))
    access = blueprint.access
    if access.bastion is not None:
        with from_blueprint(template, "access.bastion"):
            _add_bastion(template, blueprint, access.bastion)
    if access.vpn is not None:
        with from_blueprint(template, "access.vpn"):
            _add_vpn(template, blueprint, access.vpn)
    return apply_tags(make_console_friendly(template), blueprint)


def _add_bastion(template: Template, blueprint: Blueprint, bastion: Bastion) -> None:
    template.add_parameter([
        Parameter(PUBLIC_SUBNETS, Type="List<AWS::EC2::Subnet::Id>",
                  Description="Public subnets the bastion may run in"),
        Parameter(BASTION_IMAGE_ID, Type="AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default=BASTION_AMI,
                  Description="SSM parameter holding the bastion's AMI (Amazon Linux 2023)"),
    ])
    # Without a key pair nobody can log in over SSH, so a keyless bastion opens no port at all: operators
    # reach it through Session Manager (rules.bastion_reachable refuses one without), and forward from it.
    keyed = bastion.key_name is not None
    group = security_group(template, "BastionSecurityGroup",
                           "SSH bastion: TCP 22 from the allowed networks only" if keyed
                           else "Bastion reached through Session Manager: no inbound port", Ref(VPC_ID))
    for index, cidr in enumerate(bastion.allowed_cidrs if keyed else (), start=1):
        allow_in(template, f"BastionSecurityGroupSshIn{index}", group, SSH,
                 f"SSH from allowed network {cidr}", cidr=cidr)
    allow_out(template, "BastionSecurityGroupSshToVpc", group, SSH, "SSH onward into the VPC only",
              cidr=Ref(VPC_CIDR))
    managed = []
    if blueprint.access.ssm:
        managed.append("AmazonSSMManagedInstanceCore")
        allow_out(template, "BastionSecurityGroupHttpsOut", group, 443,
                  "HTTPS to SSM Session Manager", cidr="0.0.0.0/0")
    if hosts_accept_ssh(blueprint):
        allow_in(template, "HostSecurityGroupSshFromBastion", Ref(HOST_SECURITY_GROUP), SSH,
                 "SSH from the bastion only", source=group)

    role = service_role(template, "BastionRole", "ec2.amazonaws.com",
                        "SSH bastion: Session Manager only, no other AWS access", managed=managed)
    profile = instance_profile(template, "BastionInstanceProfile", role)
    # The bastion is the one instance that faces the internet, so it needs a public address.
    data = launch_template_data(
        blueprint, name="bastion", image=Ref(BASTION_IMAGE_ID), instance_type=bastion.instance_type,
        profile=profile, group=group, volume_gb=8, public_ip=True,
        user_data="#!/bin/bash\ndnf -y update --security\n", key_name=bastion.key_name,
    )
    launch_template = template.add_resource(skip_scanner_checks(
        ec2.LaunchTemplate("BastionLaunchTemplate", LaunchTemplateData=data), "CKV_AWS_88"))
    auto_scaling = template.add_resource(autoscaling.AutoScalingGroup(
        "BastionAutoScalingGroup",
        MinSize="1", MaxSize="1",
        VPCZoneIdentifier=Ref(PUBLIC_SUBNETS),
        LaunchTemplate=autoscaling.LaunchTemplateSpecification(
            LaunchTemplateId=Ref(launch_template), Version=GetAtt(launch_template, "LatestVersionNumber"),
        ),
        Tags=[autoscaling.Tag("Name", f"{blueprint.name}-bastion", True)],
        # A new launch template version (a new AMI, a new key) replaces the one bastion.
        UpdatePolicy=UpdatePolicy(AutoScalingRollingUpdate=AutoScalingRollingUpdate(
            MaxBatchSize=1, MinInstancesInService=0, PauseTime="PT2M")),
    ))
    template.add_output([
        Output("BastionSecurityGroup", Description="Security group of the SSH bastion",
               Value=GetAtt(group, "GroupId")),
        Output("BastionAutoScalingGroup", Description="Auto scaling group running the bastion",
               Value=Ref(auto_scaling)),
    ])


def _add_vpn(template: Template, blueprint: Blueprint, vpn: Vpn) -> None:
    template.add_parameter(Parameter(
        PRIVATE_SUBNETS, Type="List<AWS::EC2::Subnet::Id>",
        Description="Private subnets the VPN endpoint is associated with",
    ))
    group = security_group(template, "VpnSecurityGroup",
                           "Client VPN: what VPN clients may reach in the VPC", Ref(VPC_ID))
    allow_out(template, "VpnSecurityGroupSshToVpc", group, SSH, "SSH from VPN clients into the VPC",
              cidr=Ref(VPC_CIDR))
    if hosts_accept_ssh(blueprint):
        allow_in(template, "HostSecurityGroupSshFromVpn", Ref(HOST_SECURITY_GROUP), SSH,
                 "SSH from Client VPN users only", source=group)
    vpn_logs = log_group(template, "VpnLogGroup", blueprint.logs.retention_days)
    endpoint = template.add_resource(ec2.ClientVpnEndpoint(
        "VpnEndpoint",
        Description=f"{blueprint.name}: operator access into the VPC",
        ClientCidrBlock=vpn.client_cidr,
        ServerCertificateArn=vpn.server_certificate_arn,
        AuthenticationOptions=[ec2.ClientAuthenticationRequest(
            Type="certificate-authentication",
            MutualAuthentication=ec2.CertificateAuthenticationRequest(
                ClientRootCertificateChainArn=vpn.client_certificate_arn),
        )],
        ConnectionLogOptions=ec2.ConnectionLogOptions(Enabled=True, CloudwatchLogGroup=Ref(vpn_logs)),
        SplitTunnel=True,
        TransportProtocol="udp",
        VpcId=Ref(VPC_ID),
        SecurityGroupIds=[GetAtt(group, "GroupId")],
        TagSpecifications=[ec2.TagSpecifications(
            ResourceType="client-vpn-endpoint", Tags=tags_with_name(blueprint, "vpn"),
        )],
    ))
    for index in range(blueprint.az_count):
        template.add_resource(ec2.ClientVpnTargetNetworkAssociation(
            f"VpnSubnetAssociation{index + 1}", ClientVpnEndpointId=Ref(endpoint),
            SubnetId=Select(index, Ref(PRIVATE_SUBNETS)),
        ))
    template.add_resource(ec2.ClientVpnAuthorizationRule(
        "VpnAuthorizeVpc", ClientVpnEndpointId=Ref(endpoint), TargetNetworkCidr=Ref(VPC_CIDR),
        AuthorizeAllGroups=True, Description="VPN clients may reach the VPC",
    ))
    template.add_output([
        Output("VpnEndpoint", Description="Client VPN endpoint id", Value=Ref(endpoint)),
        Output("VpnSecurityGroup", Description="Security group of the Client VPN endpoint",
               Value=GetAtt(group, "GroupId")),
    ])
