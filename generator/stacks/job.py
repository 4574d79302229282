"""job-<name>.yaml: one scheduled job: its task definition, an EventBridge Scheduler schedule that runs it on the
cluster, its own security group and the role the scheduler assumes.

The task runs as a service's does (SPEC 5.1, 5.4, 5.11): awsvpc in the private subnets, no public IP, a group
of its own that admits nothing and sends HTTPS only. The scheduler's role trusts Scheduler of this account only,
and may run only this task definition's family (any revision: an update registers a new one while a run may be
starting) on this cluster, tag the tasks it starts, and pass exactly the job's execution and task roles to ECS.
"""

from __future__ import annotations

from awacs import ecs as ecs_actions
from awacs import iam as iam_actions
from awacs.aws import ArnEquals, ArnLike, Condition, StringEquals
from troposphere import AccountId, GetAtt, Output, Parameter, Ref, Select, Split, Sub, Template, ecs, scheduler

from generator.blueprint.jobs import TIMER_IMAGE, Job
from generator.blueprint.model import Blueprint
from generator.stacks.common import ANYWHERE, apply_tags, log_group, new_template
from generator.stacks.console import make_console_friendly
from generator.stacks.iam import service_role, statement
from generator.stacks.parameters import CAPACITY_PROVIDER, CLUSTER_NAME, PRIVATE_SUBNETS, VPC_ID
from generator.stacks.security import allow_out, security_group
from generator.stacks.sources import from_blueprint
from generator.stacks.task_definition import TASK_PRINCIPAL, add_roles, log_configuration, runtime_platform

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"
CLUSTER_ARN = "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/${ClusterName}"


def build_job(blueprint: Blueprint, name: str) -> Template:
    job = blueprint.jobs[name]
    on_fargate = job.resolved_launch_type(blueprint.cluster) == "fargate"
    key = f"jobs.{name}"
    template = new_template(blueprint, f"job {name} ({job.schedule}, {'Fargate' if on_fargate else 'EC2'})")
    template.add_parameter([
        Parameter(VPC_ID, Type="AWS::EC2::VPC::Id", Description="The VPC"),
        Parameter(CLUSTER_NAME, Type="String", Description="ECS cluster the job runs in"),
        Parameter(PRIVATE_SUBNETS, Type="List<AWS::EC2::Subnet::Id>", Description="Private subnets for the job's task"),
    ])
    if not on_fargate:
        template.add_parameter(Parameter(CAPACITY_PROVIDER, Type="String",
                                         Description="Capacity provider of the EC2 hosts"))

    with from_blueprint(template, key):
        group = security_group(template, "TaskSecurityGroup", f"Tasks of job {name}: nothing may reach them",
                               Ref(VPC_ID))
        allow_out(template, "TaskSecurityGroupHttpsOut", group, 443,
                  "HTTPS out: ECR image pulls, CloudWatch Logs, secrets", cidr=ANYWHERE)
        definition = _add_task_definition(template, name, job, on_fargate, blueprint)
    with from_blueprint(template, f"{key}.schedule"):
        role = _add_scheduler_role(template, name, definition)
        _add_schedule(template, name, job, on_fargate, definition, role, group)

    template.add_output([
        Output("TaskDefinitionArn", Description=f"Task definition of job {name}", Value=Ref(definition)),
        Output("TaskSecurityGroup", Description="Security group of the job's tasks", Value=GetAtt(group, "GroupId")),
    ])
    return apply_tags(make_console_friendly(template), blueprint)


def _add_task_definition(template: Template, name: str, job: Job, on_fargate: bool,
                         blueprint: Blueprint) -> ecs.TaskDefinition:
    logs_group = log_group(template, "LogGroup", blueprint.logs.retention_days)
    execution_role, task_role = add_roles(template, name, job, "job")
    container = ecs.ContainerDefinition(
        Name=name, Image=job.image, Essential=True, Privileged=False,
        Environment=[ecs.Environment(Name=key, Value=job.environment[key]) for key in sorted(job.environment)],
        LogConfiguration=log_configuration(logs_group, name),
    )
    if job.secrets:
        container.Secrets = [ecs.Secret(Name=key, ValueFrom=job.secrets[key]) for key in sorted(job.secrets)]
    if job.command:
        container.Command = list(job.command)
    containers = [container]
    if job.timeout_minutes is not None:
        # ECS has no run-time limit: a second essential container ends the task when its sleep does.
        containers.append(ecs.ContainerDefinition(
            Name=f"{name}-timeout", Image=TIMER_IMAGE, Essential=True, Privileged=False, ReadonlyRootFilesystem=True,
            Command=["sleep", str(job.timeout_minutes * 60)],
            LogConfiguration=log_configuration(logs_group, f"{name}-timeout"),
        ))
    definition = ecs.TaskDefinition(
        "TaskDefinition",
        NetworkMode="awsvpc",
        RequiresCompatibilities=["FARGATE" if on_fargate else "EC2"],
        Cpu=str(job.cpu),
        Memory=str(job.memory),
        ExecutionRoleArn=GetAtt(execution_role, "Arn"),
        TaskRoleArn=GetAtt(task_role, "Arn"),
        ContainerDefinitions=containers,
    )
    if on_fargate:
        definition.RuntimePlatform = runtime_platform(job.resolved_architecture(blueprint.cluster))
    return template.add_resource(definition)


def _add_scheduler_role(template: Template, name: str, definition: ecs.TaskDefinition) -> object:
    # `task-definition/FAMILY` out of the task definition's ARN (...:task-definition/FAMILY:REVISION).
    family = Select(5, Split(":", Ref(definition)))
    cluster = Condition(ArnEquals("ecs:cluster", Sub(CLUSTER_ARN)))
    run = statement([ecs_actions.RunTask], [Sub("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:"
                                                "${Family}:*", Family=family)], sid="RunTheJob")
    run.Condition = cluster
    tag = statement([ecs_actions.TagResource], [Sub(
        "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/${ClusterName}/*")], sid="TagItsTasks")
    tag.Condition = Condition(StringEquals("ecs:CreateAction", "RunTask"))
    passing = statement([iam_actions.PassRole], [GetAtt("ExecutionRole", "Arn"), GetAtt("TaskRole", "Arn")],
                        sid="PassItsRoles")
    passing.Condition = Condition(StringEquals("iam:PassedToService", TASK_PRINCIPAL))
    trust = Condition([
        StringEquals("aws:SourceAccount", AccountId),
        ArnLike("aws:SourceArn", Sub("arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/*")),
    ])
    return service_role(template, "SchedulerRole", SCHEDULER_PRINCIPAL,
                        f"EventBridge Scheduler runs job {name}: this task definition on this cluster, nothing else",
                        statements=[run, tag, passing], trust_condition=trust)


def _add_schedule(template: Template, name: str, job: Job, on_fargate: bool, definition: ecs.TaskDefinition,
                  role: object, group: object) -> scheduler.Schedule:
    network = scheduler.AwsVpcConfiguration(Subnets=Ref(PRIVATE_SUBNETS), SecurityGroups=[GetAtt(group, "GroupId")])
    parameters = scheduler.EcsParameters(
        TaskDefinitionArn=Ref(definition), TaskCount=1,
        NetworkConfiguration=scheduler.NetworkConfiguration(AwsvpcConfiguration=network),
        EnableECSManagedTags=True, PropagateTags="TASK_DEFINITION",
    )
    if on_fargate:
        network.AssignPublicIp = "DISABLED"  # ECS takes AssignPublicIp for Fargate tasks only
        parameters.LaunchType = "FARGATE"
        parameters.PlatformVersion = "LATEST"
    else:  # through the hosts' capacity provider, so managed scaling adds a host when none has room
        parameters.CapacityProviderStrategy = [
            scheduler.CapacityProviderStrategyItem(CapacityProvider=Ref(CAPACITY_PROVIDER), Weight=1),
        ]
    return template.add_resource(scheduler.Schedule(
        "Schedule",
        Description=f"Runs job {name}",
        ScheduleExpression=job.schedule,
        ScheduleExpressionTimezone=job.timezone,
        FlexibleTimeWindow=scheduler.FlexibleTimeWindow(Mode="OFF"),
        State="ENABLED",
        Target=scheduler.Target(
            Arn=Sub(CLUSTER_ARN), RoleArn=GetAtt(role, "Arn"), EcsParameters=parameters,  # type: ignore[arg-type]
            RetryPolicy=scheduler.RetryPolicy(MaximumRetryAttempts=job.retries),
        ),
    ))
