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

from awacs import ssmmessages
from awacs.aws import ArnLike, Condition, StringEquals
from troposphere import (
    AccountId,
    GetAtt,
    Join,
    Output,
    Parameter,
    Ref,
    Region,
    Sub,
    Template,
    applicationautoscaling,
    ec2,
    ecs,
)
from troposphere import elasticloadbalancingv2 as elb

from generator.blueprint.model import Blueprint, Service, callee_variable
from generator.blueprint.traffic import VPN
from generator.cfn.ids import logical_id
from generator.stacks.cluster import DYNAMIC_HOST_PORTS
from generator.stacks.common import ANYWHERE, apply_tags, log_group, new_template
from generator.stacks.console import make_console_friendly
from generator.stacks.iam import service_role, statement
from generator.stacks.parameters import (
    ACCESS_LOG_BUCKET,
    CAPACITY_PROVIDER,
    CLUSTER_NAME,
    HOST_SECURITY_GROUP,
    LOAD_BALANCER_DELETION_PROTECTION,
    LOAD_BALANCER_SECURITY_GROUP,
    PRIVATE_SUBNETS,
    PUBLIC_SUBNETS,
    SERVICE_URL,
    VPC_ID,
    VPN_SECURITY_GROUP,
    callee_security_group,
    callee_url,
)
from generator.stacks.permissions import execution_role_statements, task_role_statements
from generator.stacks.scanner import skip_scanner_checks
from generator.stacks.security import allow_in, allow_out, security_group
from generator.stacks.sources import from_blueprint, record_source

HTTP, HTTPS = 80, 443
TASK_PRINCIPAL = "ecs-tasks.amazonaws.com"


def listener_port(service: Service) -> int:
    """The port callers and clients use: 443 with a certificate, else 80."""
    return HTTPS if service.https else HTTP


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
    if service.has_load_balancer:
        with from_blueprint(template, f"{key}.expose"):
            load_balancer, target_group, listener, group = _add_load_balancer(template, blueprint, name,
                                                                              tasks_group)
        if bridge_callers:
            with from_blueprint(template, *(f"services.{caller}.talks_to" for caller in bridge_callers)):
                _admit_host_callers(template, name, service, bridge_callers, group)
        if service.reachable_from:
            with from_blueprint(template, f"{key}.reachable_from"):
                _admit_networks(template, name, service, group)
    for callee in service.talks_to:
        if tasks_group is not None:  # a bridge caller's path is opened by its callee, above
            with from_blueprint(template, f"{key}.talks_to"):
                _add_call_path(template, name, callee, blueprint.services[callee], tasks_group)

    with from_blueprint(template, key):  # the tasks and the ECS service are what the service block is
        task_definition = _add_task_definition(template, name, service, on_fargate, awsvpc,
                                               blueprint.logs.retention_days)
        ecs_service = _add_ecs_service(template, name, service, on_fargate, task_definition, target_group,
                                       listener, tasks_group)
    if service.scaling is not None:
        with from_blueprint(template, f"{key}.scaling"):
            _add_scaling(template, service, ecs_service, load_balancer, target_group, f"{key}.scaling")

    template.add_output(Output("ServiceName", Description="Name of the ECS service",
                               Value=GetAtt(ecs_service, "Name")))
    if tasks_group is not None:
        template.add_output(Output("TaskSecurityGroup", Description="Security group of the service's tasks",
                                   Value=GetAtt(tasks_group, "GroupId")))
    return apply_tags(make_console_friendly(template), blueprint)


def _add_load_balancer(
    template: Template, blueprint: Blueprint, name: str, tasks_group: ec2.SecurityGroup | None,
) -> tuple[elb.LoadBalancer, elb.TargetGroup, elb.Listener, ec2.SecurityGroup]:
    service = blueprint.services[name]
    public = service.resolved_expose == "public"
    assert service.port is not None  # the loader guarantees a port behind a load balancer
    if public:
        template.add_parameter(Parameter(
            PUBLIC_SUBNETS, Type="List<AWS::EC2::Subnet::Id>", Description="Public subnets for the load balancer",
        ))
    template.add_parameter(Parameter(
        ACCESS_LOG_BUCKET, Type="String", Description="S3 bucket the load balancer writes its access logs to",
    ))
    template.add_parameter(Parameter(
        LOAD_BALANCER_DELETION_PROTECTION, Type="String", Default="false", AllowedValues=["true", "false"],
        Description="Refuse to delete the load balancer (turn off before deleting the stack)",
    ))
    group = security_group(
        template, "LoadBalancerSecurityGroup",
        f"Load balancer of {name}: " + ("listener ports from the allowed networks" if public
                                        else "only from the services that talk to it"),
        Ref(VPC_ID),
    )
    if public:
        ports = [HTTPS, HTTP] if service.https else [HTTP]
        for index, cidr in enumerate(service.resolved_allowed_cidrs, start=1):
            for port in ports:
                why = "redirect to HTTPS" if service.https and port == HTTP else "clients"
                rule = allow_in(template, f"LoadBalancerPort{port}FromNetwork{index}", group, port,
                                f"Port {port} ({why}) from {cidr}", cidr=cidr)
                record_source(rule, f"services.{name}.allowed_cidrs")
                if port == HTTP:
                    skip_scanner_checks(rule, "CKV_AWS_260")

    if tasks_group is not None:
        allow_out(template, "LoadBalancerToTasks", group, service.port,
                  f"To {name} tasks on the container port", destination=tasks_group)
        allow_in(template, "TaskSecurityGroupFromLoadBalancer", tasks_group, service.port,
                 f"From the {name} load balancer only", source=group)
    else:
        allow_out(template, "LoadBalancerToHosts", group, DYNAMIC_HOST_PORTS,
                  f"To {name} containers on the hosts' dynamic ports", destination=Ref(HOST_SECURITY_GROUP))
        allow_in(template, "HostSecurityGroupFrom" + logical_id(name, "LoadBalancer"), Ref(HOST_SECURITY_GROUP),
                 DYNAMIC_HOST_PORTS, f"From the {name} load balancer to its containers", source=group)

    load_balancer = template.add_resource(elb.LoadBalancer(
        "LoadBalancer",
        Type="application",
        Scheme="internet-facing" if public else "internal",
        Subnets=Ref(PUBLIC_SUBNETS) if public else Ref(PRIVATE_SUBNETS),
        SecurityGroups=[GetAtt(group, "GroupId")],
        LoadBalancerAttributes=[
            elb.LoadBalancerAttributes(Key="routing.http.drop_invalid_header_fields.enabled", Value="true"),
            elb.LoadBalancerAttributes(Key="routing.http.desync_mitigation_mode", Value="defensive"),
            elb.LoadBalancerAttributes(Key="idle_timeout.timeout_seconds", Value="60"),
            elb.LoadBalancerAttributes(Key="deletion_protection.enabled",
                                       Value=Ref(LOAD_BALANCER_DELETION_PROTECTION)),
            elb.LoadBalancerAttributes(Key="access_logs.s3.enabled", Value="true"),
            elb.LoadBalancerAttributes(Key="access_logs.s3.bucket", Value=Ref(ACCESS_LOG_BUCKET)),
            elb.LoadBalancerAttributes(Key="access_logs.s3.prefix", Value=name),
        ],
    ))
    health = service.resolved_health_check
    target_group = template.add_resource(elb.TargetGroup(
        "TargetGroup",
        VpcId=Ref(VPC_ID),
        Port=service.port,
        Protocol="HTTP",
        TargetType="ip" if tasks_group is not None else "instance",
        HealthCheckProtocol="HTTP",
        HealthCheckPort="traffic-port",
        HealthCheckPath=health.path,
        HealthCheckIntervalSeconds=15,
        HealthCheckTimeoutSeconds=5,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=3,
        Matcher=elb.Matcher(HttpCode="200-399"),
        TargetGroupAttributes=[
            elb.TargetGroupAttribute(Key="deregistration_delay.timeout_seconds", Value="30"),
        ],
    ))
    forward = [elb.Action(Type="forward", TargetGroupArn=Ref(target_group))]
    if service.https:
        listener = template.add_resource(record_source(elb.Listener(
            "HttpsListener", LoadBalancerArn=Ref(load_balancer), Port=HTTPS, Protocol="HTTPS",
            SslPolicy=service.https.ssl_policy,
            Certificates=[elb.Certificate(CertificateArn=service.https.certificate_arn)],
            DefaultActions=forward,
        ), f"services.{name}.https"))
        if public:
            # The same logical ID as the forwarding listener a service without a certificate has, so
            # adding HTTPS updates the port-80 listener in place (a new one would clash on the port).
            template.add_resource(elb.Listener(
                "HttpListener", LoadBalancerArn=Ref(load_balancer), Port=HTTP, Protocol="HTTP",
                DefaultActions=[elb.Action(Type="redirect", RedirectConfig=elb.RedirectConfig(
                    Protocol="HTTPS", Port=str(HTTPS), StatusCode="HTTP_301"))],
            ))
    else:
        listener = template.add_resource(skip_scanner_checks(elb.Listener(
            "HttpListener", LoadBalancerArn=Ref(load_balancer), Port=HTTP, Protocol="HTTP", DefaultActions=forward,
        ), "CKV_AWS_2", "CKV_AWS_103"))

    scheme = "https" if service.https else "http"
    template.add_output([
        Output("LoadBalancerDnsName", Description=f"DNS name of the {name} load balancer",
               Value=GetAtt(load_balancer, "DNSName")),
        Output(SERVICE_URL, Description=f"URL of {name}" + ("" if public else
                                                          f" (its callers' {callee_variable(name)})"),
               Value=Join("", [f"{scheme}://", GetAtt(load_balancer, "DNSName"), f":{listener_port(service)}"])),
        Output(LOAD_BALANCER_SECURITY_GROUP, Description=f"Security group of the {name} load balancer",
               Value=GetAtt(group, "GroupId")),
    ])
    return load_balancer, target_group, listener, group


def _admit_host_callers(template: Template, name: str, service: Service, callers: list[str],
                        group: ec2.SecurityGroup) -> None:
    """Callers on EC2 hosts all leave from the host group; open that one path once, here."""
    port = listener_port(service)
    who = ", ".join(callers)
    allow_in(template, "LoadBalancerFromHosts", group, port,
             f"From services on the cluster hosts that call {name}: {who}", source=Ref(HOST_SECURITY_GROUP))
    allow_out(template, "HostSecurityGroupTo" + logical_id(name, "LoadBalancer"), Ref(HOST_SECURITY_GROUP), port,
              f"Services on the cluster hosts ({who}) call the {name} load balancer",
              destination=group)


def _admit_networks(template: Template, name: str, service: Service, group: ec2.SecurityGroup) -> None:
    """`reachable_from`: the Client VPN's clients (its group, let out to this load balancer here, as a caller
    lets itself out) and CIDR blocks, each on the listener port."""
    port = listener_port(service)
    networks = 0
    for source in service.reachable_from:
        if source == VPN:
            template.add_parameter(Parameter(
                VPN_SECURITY_GROUP, Type="AWS::EC2::SecurityGroup::Id",
                Description="Security group of the Client VPN endpoint",
            ))
            allow_in(template, "LoadBalancerFromVpn", group, port, f"Client VPN users reach {name}",
                     source=Ref(VPN_SECURITY_GROUP))
            allow_out(template, "VpnSecurityGroupTo" + logical_id(name, "LoadBalancer"), Ref(VPN_SECURITY_GROUP),
                      port, f"Client VPN users reach the {name} load balancer", destination=group)
        else:
            networks += 1
            allow_in(template, f"LoadBalancerFromNetwork{networks}", group, port, f"{source} reaches {name}",
                     cidr=source)


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


def _add_task_definition(template: Template, name: str, service: Service, on_fargate: bool,
                         awsvpc: bool, retention_days: int) -> ecs.TaskDefinition:
    logs_group = log_group(template, "LogGroup", retention_days)
    trust = Condition([
        StringEquals("aws:SourceAccount", AccountId),
        ArnLike("aws:SourceArn", Sub("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:*")),
    ])
    execution_role = service_role(
        template, "ExecutionRole", TASK_PRINCIPAL,
        f"Starts {name} tasks: pulls the image, writes logs, reads exactly the service's secrets",
        managed=["service-role/AmazonECSTaskExecutionRolePolicy"], statements=execution_role_statements(service),
        trust_condition=trust,
    )
    task_statements = task_role_statements(service)
    if service.exec:
        task_statements.append(statement(
            [ssmmessages.CreateControlChannel, ssmmessages.CreateDataChannel, ssmmessages.OpenControlChannel,
             ssmmessages.OpenDataChannel],
            ["*"], sid="EcsExec",
        ))
    task_role = service_role(template, "TaskRole", TASK_PRINCIPAL,
                             f"The {name} application's own AWS permissions", statements=task_statements,
                             trust_condition=trust)

    assert service.port is not None or not service.has_load_balancer
    container = ecs.ContainerDefinition(
        Name=name,
        Image=service.image,
        Essential=True,
        Privileged=False,
        Environment=_environment(template, service),
        LogConfiguration=ecs.LogConfiguration(LogDriver="awslogs", Options={
            "awslogs-group": Ref(logs_group), "awslogs-region": Region, "awslogs-stream-prefix": name,
        }),
    )
    if service.port is not None:
        container.PortMappings = [ecs.PortMapping(
            # awsvpc: the task's own interface, the same port; bridge: a dynamic port on the host.
            ContainerPort=service.port, HostPort=service.port if awsvpc else 0, Protocol="tcp",
        )]
    if service.secrets:
        container.Secrets = [ecs.Secret(Name=key, ValueFrom=service.secrets[key]) for key in sorted(service.secrets)]
    if service.command:
        container.Command = list(service.command)
    if service.exec:
        container.LinuxParameters = ecs.LinuxParameters(InitProcessEnabled=True)
    if service.readonly_root_filesystem:
        container.ReadonlyRootFilesystem = True

    definition = ecs.TaskDefinition(
        "TaskDefinition",
        NetworkMode="awsvpc" if awsvpc else "bridge",
        RequiresCompatibilities=["FARGATE" if on_fargate else "EC2"],
        Cpu=str(service.cpu),
        Memory=str(service.memory),
        ExecutionRoleArn=GetAtt(execution_role, "Arn"),
        TaskRoleArn=GetAtt(task_role, "Arn"),
        ContainerDefinitions=[container],
    )
    if on_fargate:
        definition.RuntimePlatform = ecs.RuntimePlatform(OperatingSystemFamily="LINUX",
                                                         CpuArchitecture="X86_64")
    return template.add_resource(definition)


def _environment(template: Template, service: Service) -> list[ecs.Environment]:
    """The blueprint's variables and each callee's URL (a parameter root.yaml fills from the callee's stack)."""
    values: dict[str, object] = dict(service.environment)
    for callee, variable in service.callee_variables.items():
        parameter = callee_url(callee)
        template.add_parameter(Parameter(parameter, Type="String", Description=f"URL of the {callee} load balancer"))
        values[variable] = Ref(parameter)
    return [ecs.Environment(Name=key, Value=values[key]) for key in sorted(values)]


def _add_ecs_service(template: Template, name: str, service: Service, on_fargate: bool,
                     task_definition: ecs.TaskDefinition, target_group: elb.TargetGroup | None,
                     listener: elb.Listener | None, tasks_group: ec2.SecurityGroup | None) -> ecs.Service:
    ecs_service = ecs.Service(
        "Service",
        Cluster=Ref(CLUSTER_NAME),
        TaskDefinition=Ref(task_definition),
        DesiredCount=service.resolved_count,
        DeploymentConfiguration=ecs.DeploymentConfiguration(
            DeploymentCircuitBreaker=ecs.DeploymentCircuitBreaker(Enable=True, Rollback=True),
            MaximumPercent=200, MinimumHealthyPercent=100,
        ),
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
        )]
        ecs_service.HealthCheckGracePeriodSeconds = service.resolved_health_check.grace_seconds
        ecs_service.DependsOn = [listener.title]
    return template.add_resource(ecs_service)


def _add_scaling(template: Template, service: Service, ecs_service: ecs.Service,
                 load_balancer: elb.LoadBalancer | None, target_group: elb.TargetGroup | None, key: str) -> None:
    scaling = service.scaling
    assert scaling is not None
    target = template.add_resource(applicationautoscaling.ScalableTarget(
        "ScalableTarget",
        ServiceNamespace="ecs",
        ScalableDimension="ecs:service:DesiredCount",
        ResourceId=Join("/", ["service", Ref(CLUSTER_NAME), GetAtt(ecs_service, "Name")]),
        MinCapacity=scaling.min,
        MaxCapacity=scaling.max,
    ))
    policies: list[tuple[str, str, int | None, str]] = [
        ("Cpu", "cpu_percent", scaling.cpu_percent, "ECSServiceAverageCPUUtilization"),
        ("Memory", "memory_percent", scaling.memory_percent, "ECSServiceAverageMemoryUtilization"),
        ("Request", "requests_per_target", scaling.requests_per_target, "ALBRequestCountPerTarget"),
    ]
    for kind, field, value, metric in policies:
        if value is None:
            continue
        specification = applicationautoscaling.PredefinedMetricSpecification(PredefinedMetricType=metric)
        if metric == "ALBRequestCountPerTarget" and load_balancer is not None and target_group is not None:
            specification.ResourceLabel = Join("/", [
                GetAtt(load_balancer, "LoadBalancerFullName"), GetAtt(target_group, "TargetGroupFullName"),
            ])
        template.add_resource(record_source(applicationautoscaling.ScalingPolicy(
            f"{kind}ScalingPolicy",
            # A required name; the stack name keeps it unique per deployment.
            PolicyName=Sub(f"${{AWS::StackName}}-{kind.lower()}"),
            PolicyType="TargetTrackingScaling",
            ScalingTargetId=Ref(target),
            TargetTrackingScalingPolicyConfiguration=applicationautoscaling.TargetTrackingScalingPolicyConfiguration(
                TargetValue=float(value), PredefinedMetricSpecification=specification,
                ScaleInCooldown=60, ScaleOutCooldown=60,
            ),
        ), f"{key}.{field}"))
