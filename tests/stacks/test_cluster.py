"""cluster.yaml (and the cluster's side of every other stack) across EC2-only, Fargate-only and mixed
clusters, hosts with and without an SSH key, with a bastion, a VPN or no access stack at all.

The whole template set is searched, not only cluster.yaml: service and access stacks add rules to
the host group, and an invariant broken from outside the cluster stack is still broken.
cfn-lint of representative sets is in test_root.py.
"""

from __future__ import annotations

import pytest

from .helpers import (
    CERT,
    DYNAMIC_HOST_PORTS,
    build,
    ingress_into,
    keys_in,
    load,
    only,
    parametrize_by_first,
    real_rules,
    resolve,
    resources,
    stack_of,
    types_in,
    walk,
)

HOSTS = "cluster.yaml/HostSecurityGroup"
SSH = (22, 22)
ECS_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
SSM_POLICY = "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"

CLUSTER_VARIANTS = {
    "ec2-only": """
        name: depot
        cluster:
          instances: {type: t3.large, min: 2, max: 6, volume_gb: 50}
        services:
          api: {image: nginx, port: 8080, expose: public}
          stock: {image: nginx, port: 9000}
        """,
    "bridge": """
        name: depot
        cluster:
          instances: {type: t3.large, min: 2, max: 6, network_mode: bridge}
          fargate: true
        services:
          api: {image: nginx, port: 8080, expose: public}
          stock: {image: nginx, port: 9000}
          web: {image: nginx, port: 8080, expose: public, launch_type: fargate}
        """,
    "fargate-only": """
        name: depot
        services:
          api: {image: nginx, port: 8080, expose: public}
        """,
    "ec2-and-fargate": """
        name: depot
        cluster:
          instances: {}
          fargate: true
          container_insights: false
        services:
          api: {image: nginx, port: 8080, expose: public, launch_type: fargate}
          stock: {image: nginx, port: 9000}
          jobs: {image: nginx}
        """,
    "bastion-with-key-hosts-with-key": """
        name: depot
        cluster:
          instances: {key_name: hosts}
        access:
          bastion: {allowed_cidrs: [203.0.113.0/24, 198.51.100.7/32], key_name: ops}
        services:
          api: {image: nginx, port: 8080, expose: public}
        """,
    "bastion-without-key-hosts-without-key": """
        name: depot
        cluster:
          instances: {}
        access:
          bastion: {allowed_cidrs: [203.0.113.0/24]}
        services:
          api: {image: nginx, port: 8080, expose: public}
        """,
    "vpn-hosts-with-key": f"""
        name: depot
        network: {{availability_zones: 3}}
        cluster:
          instances: {{key_name: hosts}}
        access:
          vpn:
            client_cidr: 10.250.0.0/22
            server_certificate_arn: {CERT}
            client_certificate_arn: {CERT}
        services:
          api: {{image: nginx, port: 8080}}
        """,
    # No VPN here: on Fargate only it would reach nothing (refused, blueprint/reach.py).
    "bastion-fargate-only": """
        name: depot
        access:
          bastion: {allowed_cidrs: [203.0.113.0/24]}
        services:
          api: {image: nginx, port: 8080, expose: public}
        """,
    "ssm-off-fixed-ami": """
        name: depot
        cluster:
          instances: {ami: ami-0123456789abcdef0, min: 0, max: 1}
        access:
          ssm: false
        services:
          jobs: {image: nginx}
        """,
}
VARIANT_NAMES = list(CLUSTER_VARIANTS)
WITH_HOSTS = [name for name in VARIANT_NAMES if load(CLUSTER_VARIANTS[name]).cluster.instances is not None]


def cluster_of(variant: str) -> dict:
    return build(CLUSTER_VARIANTS[variant])["cluster.yaml"]


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_no_launch_configuration_anywhere(variant: str) -> None:
    templates = build(CLUSTER_VARIANTS[variant])
    assert all("AWS::AutoScaling::LaunchConfiguration" not in types_in(t) for t in templates.values())
    # Every auto scaling group (hosts, bastion) starts its instances from a launch template instead.
    for template in templates.values():
        for group in resources(template, "AWS::AutoScaling::AutoScalingGroup").values():
            assert "LaunchConfigurationName" not in group
            assert group["LaunchTemplate"]["LaunchTemplateId"]["Ref"] in resources(template, "AWS::EC2::LaunchTemplate")


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_every_launch_template_requires_imdsv2_and_encrypts_ebs(variant: str) -> None:
    blueprint = load(CLUSTER_VARIANTS[variant])
    templates = build(CLUSTER_VARIANTS[variant])
    launch_templates = [lt for t in templates.values() for lt in resources(t, "AWS::EC2::LaunchTemplate").values()]
    expected = (blueprint.cluster.instances is not None) + (blueprint.access.bastion is not None)
    assert len(launch_templates) == expected
    for launch_template in launch_templates:
        data = launch_template["LaunchTemplateData"]
        assert data["MetadataOptions"]["HttpTokens"] == "required"
        assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
        assert data["BlockDeviceMappings"], "no root volume declared, so its encryption is left to the account"
        for device in data["BlockDeviceMappings"]:
            assert device["Ebs"]["Encrypted"] is True


@pytest.mark.parametrize("variant", WITH_HOSTS)
def test_hosts_run_in_the_private_subnets(variant: str) -> None:
    templates = build(CLUSTER_VARIANTS[variant])
    group = only(resources(templates["cluster.yaml"], "AWS::AutoScaling::AutoScalingGroup"))
    assert group["VPCZoneIdentifier"] == {"Ref": "PrivateSubnets"}
    assert templates["cluster.yaml"]["Parameters"]["PrivateSubnets"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    assert stack_of(templates, "cluster.yaml")["Parameters"]["PrivateSubnets"] == {
        "Fn::GetAtt": ["Network", "Outputs.PrivateSubnets"]}
    subnets = resolve(templates, "cluster.yaml", {"Ref": "PrivateSubnets"})
    separator, listed = subnets["Fn::Join"]
    assert separator == ","
    assert listed == [{"Ref": f"PrivateSubnet{i}"} for i in range(1, len(listed) + 1)]
    assert all(not templates["network.yaml"]["Resources"][item["Ref"]]["Properties"].get("MapPublicIpOnLaunch")
               for item in listed)


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_no_public_ip_anywhere_in_the_cluster(variant: str) -> None:
    cluster = cluster_of(variant)
    assert not any(node.get("AssociatePublicIpAddress") is True for node in walk(cluster) if isinstance(node, dict))
    assert "MapPublicIpOnLaunch" not in keys_in(cluster)
    assert "AWS::EC2::EIP" not in types_in(cluster)
    assert "PublicSubnets" not in cluster.get("Parameters", {})
    for launch_template in resources(cluster, "AWS::EC2::LaunchTemplate").values():
        # Said explicitly on the interface: a subnet that maps public IPs must not give the hosts one.
        interfaces = launch_template["LaunchTemplateData"]["NetworkInterfaces"]
        assert [interface["AssociatePublicIpAddress"] for interface in interfaces] == [False]


@pytest.mark.parametrize("variant", WITH_HOSTS)
def test_host_group_has_no_cidr_ingress(variant: str) -> None:
    """Only bridge-mode load balancer groups (dynamic ports) and operator groups (SSH) reach the hosts."""
    blueprint = load(CLUSTER_VARIANTS[variant])
    templates = build(CLUSTER_VARIANTS[variant])
    sources = {(source, ports) for source, ports in ingress_into(templates, HOSTS) if ports != SSH}
    load_balanced = any(service.has_load_balancer and service.resolved_network_mode(blueprint.cluster) == "bridge"
                        for name, service in blueprint.services.items())
    assert bool(sources) == load_balanced
    for source, ports in sources:
        assert source.endswith(".yaml/LoadBalancerSecurityGroup") or source in (
            "access.yaml/BastionSecurityGroup", "access.yaml/VpnSecurityGroup"), source
        if source.endswith("LoadBalancerSecurityGroup"):
            assert source.startswith("service-")
            assert ports == DYNAMIC_HOST_PORTS
        else:
            assert ports == SSH
    hosts = only(resources(templates["cluster.yaml"], "AWS::EC2::SecurityGroup"))
    assert "SecurityGroupIngress" not in hosts


@parametrize_by_first("variant, ssh_from", [
    ("ec2-only", set()),
    ("bastion-with-key-hosts-with-key", {"access.yaml/BastionSecurityGroup"}),
    ("bastion-without-key-hosts-without-key", set()),
    ("vpn-hosts-with-key", {"access.yaml/VpnSecurityGroup"}),
    ("ssm-off-fixed-ami", set()),
])
def test_hosts_admit_ssh_only_from_operator_groups_and_only_with_a_key(variant: str, ssh_from: set[str]) -> None:
    templates = build(CLUSTER_VARIANTS[variant])
    assert {source for source, ports in ingress_into(templates, HOSTS) if ports == SSH} == ssh_from
    assert all(ports[0] > 22 or ports[1] < 22 for source, ports in ingress_into(templates, HOSTS)
               if source not in ssh_from), "port 22 reachable from a group that is not the bastion or VPN"
    data = only(resources(templates["cluster.yaml"], "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"]
    assert ("KeyName" in data) == bool(ssh_from)


def test_hosts_get_their_key_pair_only_when_one_is_declared() -> None:
    keyed = only(resources(cluster_of("vpn-hosts-with-key"), "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"]
    keyless = only(resources(cluster_of("ec2-only"), "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"]
    assert keyed["KeyName"] == "hosts"
    assert "KeyName" not in keyless


@pytest.mark.parametrize("variant", [name for name in WITH_HOSTS
                                     if load(CLUSTER_VARIANTS[name]).cluster.instances.network_mode == "awsvpc"])
def test_awsvpc_hosts_admit_nothing_from_load_balancers(variant: str) -> None:
    """SPEC 5.4: awsvpc tasks have groups of their own; the hosts admit at most SSH from operator groups,
    and the agent is not told of a host port range nothing uses."""
    templates = build(CLUSTER_VARIANTS[variant])
    assert all(ports == SSH and not source.endswith("LoadBalancerSecurityGroup")
               for source, ports in ingress_into(templates, HOSTS))
    assert not any("HostSecurityGroup" in template.get("Parameters", {})
                   for name, template in templates.items() if name.startswith("service-"))
    data = only(resources(templates["cluster.yaml"], "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"]
    assert "ECS_DYNAMIC_HOST_PORT_RANGE" not in data["UserData"]["Fn::Base64"]["Fn::Sub"]
    assert "ECS_AWSVPC_BLOCK_IMDS=true" in data["UserData"]["Fn::Base64"]["Fn::Sub"].splitlines()


@pytest.mark.parametrize("variant", WITH_HOSTS)
def test_managed_scaling_places_through_the_capacity_provider_up_to_max_hosts(variant: str) -> None:
    """ENI-bound placement: ECS managed scaling counts a task's network interface like its CPU and memory,
    so a task that finds no free interface waits and the group grows, to `max` hosts and no further."""
    blueprint = load(CLUSTER_VARIANTS[variant])
    cluster = cluster_of(variant)
    assert blueprint.cluster.instances is not None
    provider = only(resources(cluster, "AWS::ECS::CapacityProvider"))["AutoScalingGroupProvider"]
    assert provider["ManagedScaling"] == {"Status": "ENABLED", "TargetCapacity": 100}
    assert provider["AutoScalingGroupArn"] == {"Ref": "HostAutoScalingGroup"}
    group = only(resources(cluster, "AWS::AutoScaling::AutoScalingGroup"))
    assert group["MaxSize"] == str(blueprint.cluster.instances.max)


@pytest.mark.parametrize("variant", ["bridge"])
def test_each_ec2_load_balancer_reaches_the_hosts_on_the_dynamic_port_range_the_agent_uses(variant: str) -> None:
    blueprint = load(CLUSTER_VARIANTS[variant])
    templates = build(CLUSTER_VARIANTS[variant])
    on_hosts = {name for name, service in blueprint.services.items()
                if blueprint.launch_type(name) == "ec2" and service.has_load_balancer}
    assert on_hosts
    assert ingress_into(templates, HOSTS) == {
        (f"service-{name}.yaml/LoadBalancerSecurityGroup", DYNAMIC_HOST_PORTS) for name in on_hosts}
    data = only(resources(templates["cluster.yaml"], "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"]
    user_data = data["UserData"]["Fn::Base64"]["Fn::Sub"]
    assert "ECS_DYNAMIC_HOST_PORT_RANGE=32768-60999" in user_data.splitlines()
    assert "ECS_CLUSTER=${Cluster}" in user_data.splitlines()


@pytest.mark.parametrize("variant", WITH_HOSTS)
def test_host_group_sends_only_https_out_and_to_declared_callees(variant: str) -> None:
    templates = build(CLUSTER_VARIANTS[variant])
    out = [rule for rule in real_rules(templates) if rule.direction == "out" and rule.group == HOSTS]
    assert [(rule.peer, rule.ports) for rule in out if not rule.peer_is_group] == [("0.0.0.0/0", (443, 443))]
    assert all(rule.peer.endswith("LoadBalancerSecurityGroup") for rule in out if rule.peer_is_group)
    assert all(rule.protocol == "tcp" for rule in out)


@parametrize_by_first("variant, policies", [
    ("ec2-only", [ECS_POLICY, SSM_POLICY]),
    ("bastion-with-key-hosts-with-key", [ECS_POLICY, SSM_POLICY]),
    ("ssm-off-fixed-ami", [ECS_POLICY]),
])
def test_instance_role_has_only_the_ecs_and_ssm_policies_and_trusts_only_ec2(variant: str, policies: list[str]) -> None:
    cluster = cluster_of(variant)
    role = only(resources(cluster, "AWS::IAM::Role"))
    assert [arn["Fn::Sub"] for arn in role["ManagedPolicyArns"]] == policies
    assert "Policies" not in role
    assert "RoleName" not in role
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]
    assert "AWS::IAM::Policy" not in types_in(cluster) and "AWS::IAM::ManagedPolicy" not in types_in(cluster)
    profile = only(resources(cluster, "AWS::IAM::InstanceProfile"))
    assert profile["Roles"] == [{"Ref": "HostRole"}]
    data = only(resources(cluster, "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"]
    assert data["IamInstanceProfile"] == {"Arn": {"Fn::GetAtt": ["HostInstanceProfile", "Arn"]}}


@pytest.mark.parametrize("variant", WITH_HOSTS)
def test_capacity_provider_scales_drains_and_never_blocks_deletion(variant: str) -> None:
    cluster = cluster_of(variant)
    blueprint = load(CLUSTER_VARIANTS[variant])
    provider = only(resources(cluster, "AWS::ECS::CapacityProvider"))["AutoScalingGroupProvider"]
    assert provider["AutoScalingGroupArn"] == {"Ref": "HostAutoScalingGroup"}
    assert provider["ManagedScaling"]["Status"] == "ENABLED"
    assert provider["ManagedTerminationProtection"] == "DISABLED"
    assert provider["ManagedDraining"] == "ENABLED"
    group = only(resources(cluster, "AWS::AutoScaling::AutoScalingGroup"))
    # Protected instances would keep CloudFormation from emptying the group on delete.
    assert group["NewInstancesProtectedFromScaleIn"] is False
    instances = blueprint.cluster.instances
    assert instances is not None
    assert (group["MinSize"], group["MaxSize"]) == (str(instances.min), str(instances.max))


def test_host_size_comes_from_the_blueprint() -> None:
    cluster = cluster_of("ec2-only")
    group = only(resources(cluster, "AWS::AutoScaling::AutoScalingGroup"))
    data = only(resources(cluster, "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"]
    assert (group["MinSize"], group["MaxSize"]) == ("2", "6")
    assert data["InstanceType"] == "t3.large"
    assert [device["Ebs"]["VolumeSize"] for device in data["BlockDeviceMappings"]] == [50]


@parametrize_by_first("variant, providers, default", [
    ("ec2-only", [{"Ref": "HostCapacityProvider"}], {"Ref": "HostCapacityProvider"}),
    ("fargate-only", ["FARGATE", "FARGATE_SPOT"], "FARGATE"),
    ("ec2-and-fargate", [{"Ref": "HostCapacityProvider"}, "FARGATE", "FARGATE_SPOT"], {"Ref": "HostCapacityProvider"}),
    ("bastion-fargate-only", ["FARGATE", "FARGATE_SPOT"], "FARGATE"),
])
def test_fargate_capacity_is_associated_exactly_when_fargate_is_on(
    variant: str, providers: list[object], default: object,
) -> None:
    association = only(resources(cluster_of(variant), "AWS::ECS::ClusterCapacityProviderAssociations"))
    assert association["Cluster"] == {"Ref": "Cluster"}
    assert association["CapacityProviders"] == providers
    assert [item["CapacityProvider"] for item in association["DefaultCapacityProviderStrategy"]] == [default]


@pytest.mark.parametrize("variant", ["fargate-only", "bastion-fargate-only"])
def test_fargate_only_cluster_has_no_hosts(variant: str) -> None:
    templates = build(CLUSTER_VARIANTS[variant])
    cluster = templates["cluster.yaml"]
    assert types_in(cluster) == {"AWS::ECS::Cluster", "AWS::ECS::ClusterCapacityProviderAssociations"}
    assert "Parameters" not in cluster
    assert set(cluster["Outputs"]) == {"ClusterName", "ClusterArn"}
    assert all(HOSTS not in (rule.group, rule.peer) for rule in real_rules(templates))


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_cluster_has_no_physical_names(variant: str) -> None:
    cluster = cluster_of(variant)
    assert "ClusterName" not in only(resources(cluster, "AWS::ECS::Cluster"))
    named = {"AWS::ECS::CapacityProvider": "Name", "AWS::AutoScaling::AutoScalingGroup": "AutoScalingGroupName",
             "AWS::EC2::LaunchTemplate": "LaunchTemplateName", "AWS::EC2::SecurityGroup": "GroupName",
             "AWS::IAM::Role": "RoleName", "AWS::IAM::InstanceProfile": "InstanceProfileName"}
    for kind, key in named.items():
        assert all(key not in props for props in resources(cluster, kind).values()), kind


@parametrize_by_first("variant, insights", [("ec2-only", "enabled"), ("ec2-and-fargate", "disabled"),
                                                   ("fargate-only", "enabled")])
def test_container_insights_as_configured(variant: str, insights: str) -> None:
    cluster = only(resources(cluster_of(variant), "AWS::ECS::Cluster"))
    assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": insights}]


@parametrize_by_first("variant, image_type, root_type, default", [
    # The root holds the SSM name as a String: a Ref to an SSM-typed parameter would hand the child the
    # resolved AMI id, which the child would then look up as a parameter name.
    ("ec2-only", "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "String",
     "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"),
    ("ssm-off-fixed-ami", "AWS::EC2::Image::Id", "AWS::EC2::Image::Id", "ami-0123456789abcdef0"),
])
def test_host_image_is_a_typed_parameter_settable_from_root(
    variant: str, image_type: str, root_type: str, default: str,
) -> None:
    templates = build(CLUSTER_VARIANTS[variant])
    parameter = templates["cluster.yaml"]["Parameters"]["HostImageId"]
    assert (parameter["Type"], parameter["Default"]) == (image_type, default)
    assert templates["root.yaml"]["Parameters"]["HostImageId"] == {**parameter, "Type": root_type}
    assert stack_of(templates, "cluster.yaml")["Parameters"]["HostImageId"] == {"Ref": "HostImageId"}


@pytest.mark.parametrize("variant", WITH_HOSTS)
def test_root_passes_the_network_outputs_to_the_cluster(variant: str) -> None:
    templates = build(CLUSTER_VARIANTS[variant])
    assert stack_of(templates, "cluster.yaml")["Parameters"] == {
        "VpcId": {"Fn::GetAtt": ["Network", "Outputs.VpcId"]},
        "PrivateSubnets": {"Fn::GetAtt": ["Network", "Outputs.PrivateSubnets"]},
        "HostImageId": {"Ref": "HostImageId"},
    }
    assert templates["cluster.yaml"]["Parameters"]["VpcId"]["Type"] == "AWS::EC2::VPC::Id"
    assert resolve(templates, "cluster.yaml", {"Ref": "VpcId"}) == "network.yaml/Vpc"


@pytest.mark.parametrize("variant", WITH_HOSTS)
def test_cluster_outputs_what_service_and_access_stacks_take(variant: str) -> None:
    outputs = cluster_of(variant)["Outputs"]
    assert outputs["HostSecurityGroup"]["Value"] == {"Fn::GetAtt": ["HostSecurityGroup", "GroupId"]}
    assert outputs["CapacityProvider"]["Value"] == {"Ref": "HostCapacityProvider"}
    assert outputs["ClusterName"]["Value"] == {"Ref": "Cluster"}
    assert all("Export" not in output for output in outputs.values())
