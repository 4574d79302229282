"""Target-tracking autoscaling of a service's task count: CPU, memory, requests per target (a queue's backlog
per task: backlog.py)."""

from __future__ import annotations

from troposphere import GetAtt, Join, Ref, Sub, Template, applicationautoscaling, ecs
from troposphere import elasticloadbalancingv2 as elb

from generator.blueprint.model import Service
from generator.stacks.backlog import add_backlog_scaling
from generator.stacks.parameters import CLUSTER_NAME
from generator.stacks.sources import from_blueprint, record_source


def add_scaling(template: Template, service: Service, ecs_service: ecs.Service,
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
    if scaling.backlog_per_task is not None:
        with from_blueprint(template, f"{key}.backlog_per_task"):
            add_backlog_scaling(template, service, ecs_service, target)
