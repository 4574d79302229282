"""Scaling a worker on its queue's backlog (`scaling.backlog_per_task`), down to zero tasks and back.

Target tracking holds messages visible / running tasks (CloudWatch metric math; the task count is Container
Insights' RunningTaskCount) at the target. At zero tasks that division has no value, and target tracking does
nothing without data, so it alone would never wake a service it scaled to zero. A step-scaling policy does:
its alarm fires while messages are visible and the service wants no task (DesiredTaskCount 0), and adds one
task; from one task on, target tracking has its metric again, and the alarm, its condition false, rests.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Sub, Template, applicationautoscaling, cloudwatch, ecs

from generator.blueprint.model import Service
from generator.stacks.messaging import QUEUE
from generator.stacks.parameters import CLUSTER_NAME

INSIGHTS = "ECS/ContainerInsights"
PERIOD = 60  # SQS and Container Insights report each minute
SCALE_OUT_SECONDS = 60
SCALE_IN_SECONDS = 300  # slower in than out: a backlog that dips for a minute should not stop tasks mid-batch
WAKE_COOLDOWN_SECONDS = 300  # long enough for the first task to start before the alarm is heard again


def add_backlog_scaling(template: Template, service: Service, ecs_service: ecs.Service,
                        target: applicationautoscaling.ScalableTarget) -> None:
    scaling = service.scaling
    assert scaling is not None and scaling.backlog_per_task is not None
    dimension = applicationautoscaling.TargetTrackingMetricDimension
    tasks = [dimension(Name="ClusterName", Value=Ref(CLUSTER_NAME)),
             dimension(Name="ServiceName", Value=GetAtt(ecs_service, "Name"))]
    queue = [dimension(Name="QueueName", Value=GetAtt(QUEUE, "QueueName"))]
    template.add_resource(applicationautoscaling.ScalingPolicy(
        "BacklogScalingPolicy",
        PolicyName=Sub("${AWS::StackName}-backlog"),  # a required name; the stack name keeps it unique
        PolicyType="TargetTrackingScaling",
        ScalingTargetId=Ref(target),
        TargetTrackingScalingPolicyConfiguration=applicationautoscaling.TargetTrackingScalingPolicyConfiguration(
            TargetValue=float(scaling.backlog_per_task),
            ScaleOutCooldown=SCALE_OUT_SECONDS, ScaleInCooldown=SCALE_IN_SECONDS,
            CustomizedMetricSpecification=applicationautoscaling.CustomizedMetricSpecification(Metrics=[
                _tracked("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", queue),
                _tracked("running", INSIGHTS, "RunningTaskCount", tasks),
                applicationautoscaling.TargetTrackingMetricDataQuery(
                    Id="backlog", Expression="visible / running", Label="Messages waiting per running task",
                    ReturnData=True),
            ]),
        ),
    ))
    wake = template.add_resource(applicationautoscaling.ScalingPolicy(
        "WakeScalingPolicy",
        PolicyName=Sub("${AWS::StackName}-wake"),
        PolicyType="StepScaling",
        ScalingTargetId=Ref(target),
        StepScalingPolicyConfiguration=applicationautoscaling.StepScalingPolicyConfiguration(
            AdjustmentType="ChangeInCapacity", Cooldown=WAKE_COOLDOWN_SECONDS, MetricAggregationType="Maximum",
            StepAdjustments=[applicationautoscaling.StepAdjustment(MetricIntervalLowerBound=0, ScalingAdjustment=1)],
        ),
    ))
    template.add_resource(cloudwatch.Alarm(
        "WakeAlarm",
        AlarmDescription="Messages wait in the queue while the service runs no task: start one",
        Metrics=[
            _watched("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible",
                     [cloudwatch.MetricDimension(Name="QueueName", Value=GetAtt(QUEUE, "QueueName"))]),
            _watched("desired", INSIGHTS, "DesiredTaskCount", [
                cloudwatch.MetricDimension(Name="ClusterName", Value=Ref(CLUSTER_NAME)),
                cloudwatch.MetricDimension(Name="ServiceName", Value=GetAtt(ecs_service, "Name"))]),
            # FILL: a service without tasks may report no task count at all, which counts as none wanted.
            cloudwatch.MetricDataQuery(Id="idle", Expression="IF(visible > 0 AND FILL(desired, 0) == 0, 1, 0)",
                                       Label="Messages waiting with no task wanted", ReturnData=True),
        ],
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Threshold=1,
        EvaluationPeriods=1,
        TreatMissingData="notBreaching",
        AlarmActions=[Ref(wake)],
    ))


def _tracked(query: str, namespace: str, metric: str,
             dimensions: list[applicationautoscaling.TargetTrackingMetricDimension],
             ) -> applicationautoscaling.TargetTrackingMetricDataQuery:
    return applicationautoscaling.TargetTrackingMetricDataQuery(
        Id=query, ReturnData=False, MetricStat=applicationautoscaling.TargetTrackingMetricStat(
            Stat="Average", Metric=applicationautoscaling.TargetTrackingMetric(
                Namespace=namespace, MetricName=metric, Dimensions=dimensions)))


def _watched(query: str, namespace: str, metric: str,
             dimensions: list[cloudwatch.MetricDimension]) -> cloudwatch.MetricDataQuery:
    return cloudwatch.MetricDataQuery(
        Id=query, ReturnData=False, MetricStat=cloudwatch.MetricStat(
            Period=PERIOD, Stat="Average", Metric=cloudwatch.Metric(
                Namespace=namespace, MetricName=metric, Dimensions=dimensions)))
