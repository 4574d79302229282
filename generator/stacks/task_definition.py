"""The service's task definition: its container, its log group, and its two roles.

The execution role starts tasks (image pulls, logs, exactly the service's secrets); the task role is the
application's own permissions. Both trust ECS tasks of this account only.
"""

from __future__ import annotations

from awacs import ssmmessages
from awacs.aws import ArnLike, Condition, StringEquals
from troposphere import AccountId, GetAtt, Parameter, Ref, Region, Sub, Template, ecs

from generator.blueprint.model import Service
from generator.stacks.common import log_group
from generator.stacks.iam import service_role, statement
from generator.stacks.messaging import messaging_environment, messaging_statements
from generator.stacks.parameters import callee_url
from generator.stacks.permissions import execution_role_statements, task_role_statements

TASK_PRINCIPAL = "ecs-tasks.amazonaws.com"


def add_task_definition(template: Template, name: str, service: Service, on_fargate: bool,
                         awsvpc: bool) -> ecs.TaskDefinition:
    logs_group = log_group(template, "LogGroup")
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
    task_statements = task_role_statements(service) + messaging_statements(service)
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
        Environment=environment(template, service),
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


def environment(template: Template, service: Service) -> list[ecs.Environment]:
    """The blueprint's variables, each callee's URL (a parameter root.yaml fills from the callee's stack), its
    topics' ARNs and its queue's URL."""
    values: dict[str, object] = {**service.environment, **messaging_environment(service)}
    for callee, variable in service.callee_variables.items():
        parameter = callee_url(callee)
        template.add_parameter(Parameter(parameter, Type="String", Description=f"URL of the {callee} load balancer"))
        values[variable] = Ref(parameter)
    return [ecs.Environment(Name=key, Value=values[key]) for key in sorted(values)]
