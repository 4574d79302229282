"""service-<name>.yaml: one service with its own load balancer, security groups, tasks and scaling.

The seed's rule made concrete: only the load balancer faces the internet, and only this service's
load balancer reaches its tasks. Every security-group rule is its own resource with a description:
- the load balancer group admits the listener ports from `allowed_cidrs` (public) or nothing of its
  own (internal: callers add themselves), and sends only to the targets on the target ports;
- awsvpc networking (Fargate, and EC2 hosts by default): the service's own task group admits this load
  balancer on the container port only; the target group registers the tasks' own addresses (`ip`);
- EC2 with `cluster.instances.network_mode: bridge` (opt-in, for density): the shared host group admits
  this load balancer on the dynamic host ports;
- `talks_to`: a caller with a task group adds its own path to the callee's load balancer; for bridge
  callers, which all leave from the shared host group, the callee adds that one path (so two callers
  never declare the same rule twice). Every caller's container gets the callee's URL (`<CALLEE>_URL`),
  a parameter root.yaml feeds from the callee stack's `ServiceUrl` output;
- `egress`: the task group sends where the blueprint declares, besides HTTPS out;
- `reachable_from`: the internal load balancer's group admits the Client VPN's group (which this stack
  lets out to it) and the CIDRs named, on the listener port.
"""

from __future__ import annotations

from troposphere import GetAtt, Output, Parameter, Ref, Template, ec2, ecs
from troposphere import elasticloadbalancingv2 as elb

from generator.blueprint.model import Blueprint, Service
from generator.cfn.ids import logical_id
from generator.stacks.common import ANYWHERE, apply_tags, new_template
from generator.stacks.console import make_console_friendly
from generator.stacks.load_balancer import (
    HTTPS,
    add_load_balancer,
    admit_host_callers,
    admit_networks,
    listener_port,
)
from generator.stacks.messaging import add_messaging
from generator.stacks.parameters import (
    CAPACITY_PROVIDER,
    CLUSTER_NAME,
    HOST_SECURITY_GROUP,
    PRIVATE_SUBNETS,
    VPC_ID,
    callee_security_group,
)
from generator.stacks.rollout import Rollout, add_rollout, deployment_configuration
from generator.stacks.scaling import add_scaling
from generator.stacks.security import allow_in, allow_out, security_group
from generator.stacks.sources import from_blueprint
from generator.stacks.task_definition import add_task_definition


def callers_of(blueprint: Blueprint, name: str) -> list[str]:
    return [caller for caller, service in blueprint.services.items() if name in service.talks_to]


def build_service(blueprint: Blueprint, name: str) -> Template:
    service = blueprint.services[name]
    on_fargate = blueprint.launch_type(name) == "fargate"
    awsvpc = service.resolved_network_mode(blueprint.cluster) == "awsvpc"
    expose = service.resolved_expose
    key = f"services.{name}"  # where this service's resources come from in the blueprint
    template = new_template(blueprint, f"service {name} ({expose}, {'Fargate' if on_fargate else 'EC2'})")

    # A parameter nobody uses fails lint (W2001): a bridge worker has no group of its own in the VPC.
    if awsvpc or service.has_load_balancer:
        template.add_parameter(Parameter(VPC_ID, Type="AWS::EC2::VPC::Id", Description="The VPC"))
    template.add_parameter(Parameter(CLUSTER_NAME, Type="String", Description="ECS cluster the service runs in"))
    if awsvpc or expose == "internal":
        template.add_parameter(Parameter(
            PRIVATE_SUBNETS, Type="List<AWS::EC2::Subnet::Id>",
            Description="Private subnets for tasks and internal load balancers",
        ))
    bridge_callers = [c for c in callers_of(blueprint, name)
                      if blueprint.services[c].resolved_network_mode(blueprint.cluster) == "bridge"]
    if (not awsvpc and service.has_load_balancer) or bridge_callers:
        template.add_parameter(Parameter(
            HOST_SECURITY_GROUP, Type="AWS::EC2::SecurityGroup::Id", Description="Security group of the ECS hosts",
        ))
    if not on_fargate:
        template.add_parameter(Parameter(
            CAPACITY_PROVIDER, Type="String", Description="Capacity provider of the EC2 hosts",
        ))

    # The group this service's traffic leaves from: its own task group (awsvpc), or the shared hosts' group.
    tasks_group: ec2.SecurityGroup | None = None
    if awsvpc:
        # On Fargate the launch type gives the task its own interface; on EC2 the cluster's network mode.
        why = (f"{key}.launch_type",) if on_fargate else (key, "cluster.instances.network_mode")
        with from_blueprint(template, *why):
            # A create-only description: changing it replaces the group (and the tasks' interfaces with it).
            who = ("only its load balancer may reach them" if service.has_load_balancer
                   else "a worker without a load balancer, nothing may reach them")
            tasks_group = security_group(template, "TaskSecurityGroup", f"Tasks of {name}: {who}", Ref(VPC_ID))
            allow_out(template, "TaskSecurityGroupHttpsOut", tasks_group, HTTPS,
                      "HTTPS out: ECR image pulls, CloudWatch Logs, secrets", cidr=ANYWHERE)
        if service.egress:
            with from_blueprint(template, f"{key}.egress"):
                _add_egress(template, service, tasks_group)

    target_group = listener = None
    load_balancer = None
    rollout = Rollout()
    if service.has_load_balancer:
        with from_blueprint(template, f"{key}.expose"):
            load_balancer, target_group, listener, group = add_load_balancer(template, blueprint, name,
                                                                              tasks_group)
        if bridge_callers:
            with from_blueprint(template, *(f"services.{caller}.talks_to" for caller in bridge_callers)):
                admit_host_callers(template, name, service, bridge_callers, group)
        if service.reachable_from:
            with from_blueprint(template, f"{key}.reachable_from"):
                admit_networks(template, name, service, group)
        rollout = add_rollout(template, name, service, load_balancer, target_group, listener, group)
    for callee in service.talks_to:
        if tasks_group is not None:  # a bridge caller's path is opened by its callee, above
            with from_blueprint(template, f"{key}.talks_to"):
                _add_call_path(template, name, callee, blueprint.services[callee], tasks_group)

    add_messaging(template, name, service)  # before the task definition, whose role and variables name them
    with from_blueprint(template, key):  # the tasks and the ECS service are what the service block is
        task_definition = add_task_definition(template, name, service, on_fargate, awsvpc)
        ecs_service = _add_ecs_service(template, name, service, on_fargate, task_definition, target_group,
                                       listener, tasks_group, rollout)
    if service.scaling is not None:
        with from_blueprint(template, f"{key}.scaling"):
            add_scaling(template, service, ecs_service, load_balancer, target_group, f"{key}.scaling")

    template.add_output(Output("ServiceName", Description="Name of the ECS service",
                               Value=GetAtt(ecs_service, "Name")))
    if tasks_group is not None:
        template.add_output(Output("TaskSecurityGroup", Description="Security group of the service's tasks",
                                   Value=GetAtt(tasks_group, "GroupId")))
    return apply_tags(make_console_friendly(template), blueprint)


def _add_egress(template: Template, service: Service, group: ec2.SecurityGroup | None) -> None:
    """Declared destinations, each one rule on the service's own task group (the loader refuses bridge)."""
    assert group is not None
    for index, rule in enumerate(service.egress, start=1):
        peer = {"prefix_list": rule.to} if rule.is_prefix_list else {"cidr": rule.to}
        allow_out(template, f"TaskSecurityGroupEgress{index}", group, rule.ports, rule.description,
                  protocol=rule.protocol, **peer)


def _add_call_path(template: Template, name: str, callee: str, callee_service: Service,
                   caller_group: ec2.SecurityGroup) -> None:
    parameter = callee_security_group(callee)
    template.add_parameter(Parameter(
        parameter, Type="AWS::EC2::SecurityGroup::Id", Description=f"Security group of the {callee} load balancer",
    ))
    port = listener_port(callee_service)
    allow_out(template, logical_id("calls", callee, "egress"), caller_group, port,
              f"{name} calls the {callee} load balancer", destination=Ref(parameter))
    allow_in(template, logical_id("calls", callee, "ingress"), Ref(parameter), port,
             f"{callee} load balancer admits {name}", source=caller_group)


def _add_ecs_service(template: Template, name: str, service: Service, on_fargate: bool,
                     task_definition: ecs.TaskDefinition, target_group: elb.TargetGroup | None,
                     listener: elb.Listener | None, tasks_group: ec2.SecurityGroup | None,
                     rollout: Rollout) -> ecs.Service:
    ecs_service = ecs.Service(
        "Service",
        Cluster=Ref(CLUSTER_NAME),
        TaskDefinition=Ref(task_definition),
        DesiredCount=service.resolved_count,
        DeploymentConfiguration=deployment_configuration(service, rollout),
        EnableECSManagedTags=True,
        PropagateTags="SERVICE",
        EnableExecuteCommand=service.exec,
    )
    if on_fargate:
        ecs_service.LaunchType = "FARGATE"
        ecs_service.PlatformVersion = "LATEST"
    if tasks_group is not None:
        # Private subnets and no public address; ECS accepts AssignPublicIp only for Fargate tasks.
        public_ip = {"AssignPublicIp": "DISABLED"} if on_fargate else {}
        ecs_service.NetworkConfiguration = ecs.NetworkConfiguration(AwsvpcConfiguration=ecs.AwsvpcConfiguration(
            **public_ip, Subnets=Ref(PRIVATE_SUBNETS), SecurityGroups=[GetAtt(tasks_group, "GroupId")],
        ))
    if not on_fargate:
        ecs_service.CapacityProviderStrategy = [
            ecs.CapacityProviderStrategyItem(CapacityProvider=Ref(CAPACITY_PROVIDER), Weight=1),
        ]
        ecs_service.PlacementStrategies = [
            ecs.PlacementStrategy(Type="spread", Field="attribute:ecs.availability-zone"),
            ecs.PlacementStrategy(Type="spread", Field="instanceId"),
        ]
    if target_group is not None and listener is not None:
        assert service.port is not None  # a load balancer means a port (the loader's rule)
        ecs_service.LoadBalancers = [ecs.LoadBalancer(
            ContainerName=name, ContainerPort=service.port, TargetGroupArn=Ref(target_group),
            **({"AdvancedConfiguration": rollout.advanced} if rollout.advanced else {}),
        )]
        ecs_service.HealthCheckGracePeriodSeconds = service.resolved_health_check.grace_seconds
        ecs_service.DependsOn = [listener.title]
    return template.add_resource(ecs_service)


