"""Where ECS tasks run with awsvpc networking: services and task sets, and the tasks that schedules
start (an EventBridge rule's ECS target, an EventBridge Scheduler schedule, a pipe), each with its
subnets, security groups, public IP and the container ports its load balancers send to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.cfn.templates import Res, Value

if TYPE_CHECKING:
    from generator.cfn.facts import Facts


@dataclass(frozen=True)
class TaskPlacement:
    """An awsvpc placement of tasks (Fargate, or EC2 in awsvpc mode). No groups: the VPC's default group."""

    ref: Res
    subnets: tuple[Value, ...]
    groups: tuple[Value, ...]
    public_ip: bool
    fargate: bool
    container_ports: frozenset[int] = frozenset()  # the ports its load balancers' target groups send to


def task_placements(facts: Facts) -> list[TaskPlacement]:
    found = []
    templates = facts.set
    for kind in ("AWS::ECS::Service", "AWS::ECS::TaskSet"):
        for ref, properties in templates.each(kind):
            ports = frozenset(port for balancers in templates.branches(ref.file, properties.get("LoadBalancers") or [])
                              for balancer in balancers if isinstance(balancers, list) and isinstance(balancer, dict)
                              for port in _ports(facts, ref, balancer.get("ContainerPort")))
            found += _placements(facts, ref, properties, "NetworkConfiguration", "AwsvpcConfiguration", ports)
    for ref, properties in templates.each("AWS::Events::Rule"):
        for targets in templates.branches(ref.file, properties.get("Targets") or []):
            for target in targets if isinstance(targets, list) else []:
                parameters = target.get("EcsParameters") if isinstance(target, dict) else None
                if isinstance(parameters, dict):
                    found += _placements(facts, ref, parameters, "NetworkConfiguration", "AwsVpcConfiguration")
    for ref, properties in templates.each("AWS::Scheduler::Schedule"):
        target = properties.get("Target")
        parameters = target.get("EcsParameters") if isinstance(target, dict) else None
        if isinstance(parameters, dict):
            found += _placements(facts, ref, parameters, "NetworkConfiguration", "AwsvpcConfiguration")
    for ref, properties in templates.each("AWS::Pipes::Pipe"):
        target = properties.get("TargetParameters")
        parameters = target.get("EcsTaskParameters") if isinstance(target, dict) else None
        if isinstance(parameters, dict):
            found += _placements(facts, ref, parameters, "NetworkConfiguration", "AwsvpcConfiguration")
    return found


def _ports(facts: Facts, ref: Res, value: Any) -> list[int]:
    return [int(text) for text in facts.texts(ref, value, "a load balancer's container port") if text.isdigit()]


def _placements(facts: Facts, ref: Res, properties: dict[str, Any], network_key: str, vpc_key: str,
                ports: frozenset[int] = frozenset()) -> list[TaskPlacement]:
    """One placement per shape the network configuration may take; none when tasks do not use awsvpc."""
    templates = facts.set
    launch_types = facts.texts(ref, properties.get("LaunchType"), "LaunchType", "")
    strategy = properties.get("CapacityProviderStrategy") or []
    fargate = "FARGATE" in launch_types or any(
        isinstance(item, dict) and str(item.get("CapacityProvider", "")).startswith("FARGATE")
        for item in strategy if isinstance(strategy, list))
    found = []
    configurations = templates.branches(ref.file, properties.get(network_key) or {})
    for configuration in configurations:
        network = configuration.get(vpc_key) if isinstance(configuration, dict) else None
        for vpc in templates.branches(ref.file, network or {}):
            if not isinstance(vpc, dict) or (not vpc and not fargate):
                continue
            found.append(TaskPlacement(
                ref=ref,
                subnets=facts.placed(ref, vpc.get("Subnets"), "subnets"),
                groups=facts.many(ref.file, vpc.get("SecurityGroups")),
                public_ip="ENABLED" in {text.upper() for text in facts.texts(
                    ref, vpc.get("AssignPublicIp"), "AssignPublicIp", "DISABLED")},
                fargate=fargate,
                container_ports=ports,
            ))
    return found
