"""cluster.yaml: the ECS cluster, its EC2 hosts in private subnets and/or Fargate capacity.

Deleting the stack never hangs (aws-cdk #18179, containers-roadmap #631/#632): the capacity provider
uses managed draining instead of managed termination protection, so no instance is protected from
scale-in and CloudFormation can empty the auto scaling group; the association is deleted before
the capacity provider, the capacity provider before the group, and service stacks (which depend on
this one) are gone before any of it.

Tasks on the hosts use awsvpc networking by default (SPEC 5.4): each service's tasks have an interface and
a security group of their own, so the host group admits nothing from load balancers (only SSH from the
bastion or VPN when hosts have a key pair, added by access.yaml). With `network_mode: bridge` the service
stacks add their load balancers to the host group on the dynamic port range instead.

Managed scaling and ENI-bound placement: ECS managed scaling sizes the auto scaling group from the tasks
its capacity provider cannot place, counting every resource a task needs on a host: CPU, memory, ports
and, for awsvpc tasks, a network interface. A task that finds no free interface waits in PROVISIONING
and managed scaling adds hosts for it, up to `max` hosts; the services place through the capacity
provider (never a bare launch type) so that this happens. `max` is the ceiling: the audit warns when it
cannot hold the services' desired tasks (SEC403), and `blueprint explain` shows tasks per host.
"""

from __future__ import annotations

from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template, autoscaling, ec2, ecs
from troposphere.policies import AutoScalingRollingUpdate, UpdatePolicy

from generator.blueprint.infrastructure import Instances
from generator.blueprint.model import Blueprint
from generator.stacks.capacity import mixed_instances_policy
from generator.stacks.common import ANYWHERE, apply_tags, new_template
from generator.stacks.console import make_console_friendly
from generator.stacks.iam import instance_profile, service_role
from generator.stacks.instances import launch_template_data
from generator.stacks.parameters import (
    CAPACITY_PROVIDER,
    CLUSTER_NAME,
    HOST_IMAGE_ID,
    HOST_SECURITY_GROUP,
    PRIVATE_SUBNETS,
    VPC_ID,
)
from generator.stacks.security import allow_out, security_group
from generator.stacks.sources import from_blueprint, record_source

# ECS places bridge-mode containers on host ports from this range; load balancers reach them there.
DYNAMIC_HOST_PORTS = (32768, 60999)

def build_cluster(blueprint: Blueprint) -> Template:
    cluster_config = blueprint.cluster
    template = new_template(blueprint, "ECS cluster and its capacity")
    cluster = template.add_resource(record_source(ecs.Cluster(
        "Cluster",
        ClusterSettings=[ecs.ClusterSetting(
            Name="containerInsights", Value="enabled" if cluster_config.container_insights else "disabled",
        )],
    ), "cluster"))
    template.add_output([
        Output(CLUSTER_NAME, Description="Name of the ECS cluster", Value=Ref(cluster)),
        Output("ClusterArn", Description="ARN of the ECS cluster", Value=GetAtt(cluster, "Arn")),
    ])

    providers: list[object] = []
    strategy: list[ecs.CapacityProviderStrategy] = []
    if cluster_config.instances is not None:
        with from_blueprint(template, "cluster.instances"):
            provider = _add_hosts(template, blueprint, cluster_config.instances)
        providers.append(Ref(provider))
        strategy.append(ecs.CapacityProviderStrategy(CapacityProvider=Ref(provider), Weight=1))
    if cluster_config.offers_fargate:
        providers.extend(["FARGATE", "FARGATE_SPOT"])
        if not strategy:
            strategy.append(ecs.CapacityProviderStrategy(CapacityProvider="FARGATE", Weight=1))
    template.add_resource(record_source(ecs.ClusterCapacityProviderAssociations(
        "ClusterCapacityProviders", Cluster=Ref(cluster), CapacityProviders=providers,
        DefaultCapacityProviderStrategy=strategy,
    ), "cluster"))
    return apply_tags(make_console_friendly(template), blueprint)


def _add_hosts(template: Template, blueprint: Blueprint, instances: Instances) -> ecs.CapacityProvider:
    template.add_parameter([
        Parameter(VPC_ID, Type="AWS::EC2::VPC::Id", Description="VPC of the cluster hosts"),
        Parameter(PRIVATE_SUBNETS, Type="List<AWS::EC2::Subnet::Id>",
                  Description="Private subnets the hosts live in, one per AZ"),
        _image_parameter(instances.resolved_ami),
    ])
    bridge = instances.network_mode == "bridge"
    hosts = security_group(template, "HostSecurityGroup",
                           "ECS hosts: no ingress of their own; each service stack admits its load balancer"
                           if bridge else "ECS hosts: no ingress from load balancers; tasks have groups of their own",
                           Ref(VPC_ID))
    if not bridge:
        record_source(hosts, "cluster.instances", "cluster.instances.network_mode")
    allow_out(template, "HostSecurityGroupHttpsOut", hosts, 443,
              "HTTPS out: ECS control plane, ECR image pulls, CloudWatch Logs, SSM", cidr=ANYWHERE)

    managed = ["service-role/AmazonEC2ContainerServiceforEC2Role"]
    if blueprint.access.ssm:
        managed.append("AmazonSSMManagedInstanceCore")
    role = service_role(template, "HostRole", "ec2.amazonaws.com",
                        "ECS container instances: register with the cluster, pull images, ship logs",
                        managed=managed)
    profile = instance_profile(template, "HostInstanceProfile", role)

    data = launch_template_data(
        blueprint, name="host", image=Ref(HOST_IMAGE_ID), instance_type=instances.type, profile=profile,
        group=hosts, volume_gb=instances.volume_gb, public_ip=False,
        user_data=Sub(_user_data(bridge, spot=instances.spot is not None)),
        key_name=instances.key_name,
    )
    launch_template = template.add_resource(ec2.LaunchTemplate("HostLaunchTemplate", LaunchTemplateData=data))

    # With a Spot share the launch template moves into a mixed-instances policy over the Spot types, and the
    # group replaces instances AWS is about to reclaim before it does (capacity rebalancing).
    launch: dict[str, object] = {"LaunchTemplate": autoscaling.LaunchTemplateSpecification(
        LaunchTemplateId=Ref(launch_template), Version=GetAtt(launch_template, "LatestVersionNumber"),
    )} if instances.spot is None else {
        "MixedInstancesPolicy": mixed_instances_policy(instances, launch_template), "CapacityRebalance": True,
    }
    group = template.add_resource(autoscaling.AutoScalingGroup(
        "HostAutoScalingGroup",
        MinSize=str(instances.min),
        MaxSize=str(instances.max),
        VPCZoneIdentifier=Ref(PRIVATE_SUBNETS),
        **launch,
        HealthCheckType="EC2",
        NewInstancesProtectedFromScaleIn=False,
        Tags=[autoscaling.Tag("Name", f"{blueprint.name}-host", True)],
        UpdatePolicy=UpdatePolicy(AutoScalingRollingUpdate=AutoScalingRollingUpdate(
            MaxBatchSize=1,
            MinInstancesInService=min(instances.min, instances.max - 1),
            PauseTime="PT5M",
            SuspendProcesses=["HealthCheck", "ReplaceUnhealthy", "AZRebalance", "AlarmNotification",
                              "ScheduledActions"],
        )),
    ))
    if instances.spot is not None:
        record_source(group, "cluster.instances", "cluster.instances.spot")
    provider = template.add_resource(ecs.CapacityProvider(
        "HostCapacityProvider",
        AutoScalingGroupProvider=ecs.AutoScalingGroupProvider(
            AutoScalingGroupArn=Ref(group),
            # Counts interfaces as well as CPU and memory when it places awsvpc tasks (see the docstring).
            ManagedScaling=ecs.ManagedScaling(Status="ENABLED", TargetCapacity=100),
            ManagedTerminationProtection="DISABLED",
            ManagedDraining="ENABLED",
        ),
    ))
    template.add_output([
        Output(HOST_SECURITY_GROUP, Description="Security group of the ECS hosts",
               Value=GetAtt(hosts, "GroupId")),
        Output(CAPACITY_PROVIDER, Description="Capacity provider of the EC2 hosts", Value=Ref(provider)),
        Output("HostAutoScalingGroup", Description="Auto scaling group of the ECS hosts", Value=Ref(group)),
    ])
    return provider


def _image_parameter(ami: str) -> Parameter:
    if ami.startswith("ami-"):
        return Parameter(HOST_IMAGE_ID, Type="AWS::EC2::Image::Id", Default=ami,
                         Description="AMI of the ECS hosts")
    return Parameter(HOST_IMAGE_ID, Type="AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default=ami,
                     Description="SSM parameter holding the AMI of the ECS hosts (resolved at deploy time)")


def _user_data(bridge: bool, spot: bool = False) -> str:
    low, high = DYNAMIC_HOST_PORTS
    # Only bridge containers take host ports; awsvpc tasks listen on their own interfaces.
    ports = [f"ECS_DYNAMIC_HOST_PORT_RANGE={low}-{high}"] if bridge else []
    return "\n".join([
        "#!/bin/bash",
        "cat >> /etc/ecs/ecs.config <<'EOF'",
        "ECS_CLUSTER=${Cluster}",
        "ECS_ENABLE_TASK_IAM_ROLE=true",
        "ECS_AWSVPC_BLOCK_IMDS=true",
        *ports,
        *(["ECS_ENABLE_SPOT_INSTANCE_DRAINING=true"] if spot else []),  # drain on the 2-minute notice
        "EOF",
        "",
    ])

