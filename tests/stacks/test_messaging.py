"""Issue 20 in the service stacks: a publisher's encrypted topics, a worker's queue with its dead-letter queue,
subscriptions fed the publisher's topic ARN through root.yaml, a queue policy that admits exactly the subscribed
topics, each address in the container's environment, task roles granted exactly their own topics and queue, and
scaling on backlog per task down to zero and back. The fixture builds lint-, audit- and scanner-clean."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.pipeline import build as build_output

from .helpers import REPO, build, resolve, resources, stack_files, types_in

FIXTURE = REPO / "tests" / "fixtures" / "workers.yaml"
CHECKOV = REPO / ".venv-scan" / "bin" / "checkov"
SHOP = FIXTURE.read_text(encoding="utf-8")
CONSUME = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
           "sqs:GetQueueUrl"]


def environment(template: dict[str, Any]) -> dict[str, Any]:
    (container,) = template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    return {entry["Name"]: entry["Value"] for entry in container["Environment"]}


def task_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    properties = template["Resources"]["TaskRole"]["Properties"]
    return [s for p in properties.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]


@pytest.fixture(scope="module")
def shop() -> dict[str, Any]:
    return build(SHOP)


def test_a_publisher_owns_its_encrypted_topic_and_hands_out_its_arn(shop: dict[str, Any]) -> None:
    orders = shop["service-orders.yaml"]
    assert resources(orders, "AWS::SNS::Topic") == {"OrderEventsTopic": {"KmsMasterKeyId": "alias/aws/sns"}}
    assert orders["Outputs"]["OrderEventsTopicArn"]["Value"] == {"Ref": "OrderEventsTopic"}
    assert environment(orders) == {"ORDER_EVENTS_TOPIC_ARN": {"Ref": "OrderEventsTopic"}}


def test_task_roles_are_granted_exactly_their_own_topics_and_queue(shop: dict[str, Any]) -> None:
    assert task_statements(shop["service-orders.yaml"]) == [{
        "Sid": "PublishOwnTopics", "Effect": "Allow", "Action": ["sns:Publish"],
        "Resource": [{"Ref": "OrderEventsTopic"}]}]
    queue = {"Fn::GetAtt": ["Queue", "Arn"]}
    assert task_statements(shop["service-fulfil.yaml"]) == [
        {"Sid": "PublishOwnTopics", "Effect": "Allow", "Action": ["sns:Publish"],
         "Resource": [{"Ref": "ShipmentsTopic"}]},
        {"Sid": "ConsumeOwnQueue", "Effect": "Allow", "Action": CONSUME, "Resource": [queue]}]
    for template in shop.values():  # nobody may send to a queue, or consume another service's
        for statement in task_statements(template) if "TaskRole" in template.get("Resources", {}) else []:
            assert "sqs:SendMessage" not in statement["Action"]


def test_a_worker_owns_its_queue_and_dead_letter_queue_under_sqs_managed_keys(shop: dict[str, Any]) -> None:
    fulfil = shop["service-fulfil.yaml"]
    queues = resources(fulfil, "AWS::SQS::Queue")
    assert queues["Queue"] == {
        "SqsManagedSseEnabled": True, "VisibilityTimeout": 60, "MessageRetentionPeriod": 4 * 24 * 3600,
        "ReceiveMessageWaitTimeSeconds": 20,
        "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}, "maxReceiveCount": 5}}
    assert queues["DeadLetterQueue"] == {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 24 * 3600}
    assert not any("KmsMasterKeyId" in props for props in queues.values())  # SNS cannot use alias/aws/sqs
    assert environment(fulfil) == {"QUEUE_URL": {"Ref": "Queue"}, "SHIPMENTS_TOPIC_ARN": {"Ref": "ShipmentsTopic"}}


def test_the_defaults_of_a_queue(shop: dict[str, Any]) -> None:
    queue = resources(shop["service-notify.yaml"], "AWS::SQS::Queue")["Queue"]
    assert (queue["VisibilityTimeout"], queue["RedrivePolicy"]["maxReceiveCount"]) == (30, 5)


def test_each_subscription_takes_its_publishers_topic_through_root(shop: dict[str, Any]) -> None:
    notify = shop["service-notify.yaml"]
    subscriptions = resources(notify, "AWS::SNS::Subscription")
    where = {name: resolve(shop, "service-notify.yaml", props["TopicArn"]) for name, props in subscriptions.items()}
    assert where == {"OrdersOrderEventsSubscription": "service-orders.yaml/OrderEventsTopic",
                     "FulfilShipmentsSubscription": "service-fulfil.yaml/ShipmentsTopic",
                     "NotifyRetriesSubscription": "service-notify.yaml/RetriesTopic"}  # its own: no parameter
    assert set(notify["Parameters"]) >= {"OrdersOrderEventsTopicArn", "FulfilShipmentsTopicArn"}
    assert "NotifyRetriesTopicArn" not in notify["Parameters"]
    for name, props in subscriptions.items():
        assert (props["Protocol"], props["Endpoint"]) == ("sqs", {"Fn::GetAtt": ["Queue", "Arn"]})
        assert notify["Resources"][name]["DependsOn"] == ["QueuePolicy"]
        assert notify["Resources"][name]["Metadata"]["Source"] == "services.notify.queue.subscribe"


def test_a_subscription_filters_and_drops_the_envelope_only_when_asked(shop: dict[str, Any]) -> None:
    subscriptions = resources(shop["service-notify.yaml"], "AWS::SNS::Subscription")
    assert subscriptions["OrdersOrderEventsSubscription"]["FilterPolicy"] == {"type": ["order-cancelled"]}
    assert subscriptions["OrdersOrderEventsSubscription"]["FilterPolicyScope"] == "MessageAttributes"
    assert subscriptions["OrdersOrderEventsSubscription"]["RawMessageDelivery"] is True
    plain = subscriptions["FulfilShipmentsSubscription"]
    assert plain["RawMessageDelivery"] is False and "FilterPolicy" not in plain


def test_the_queue_policy_lets_exactly_the_subscribed_topics_send(shop: dict[str, Any]) -> None:
    (policy,) = resources(shop["service-notify.yaml"], "AWS::SQS::QueuePolicy").values()
    assert policy["Queues"] == [{"Ref": "Queue"}]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"], statement["Resource"]) == (
        "Allow", {"Service": "sns.amazonaws.com"}, ["sqs:SendMessage"], [{"Fn::GetAtt": ["Queue", "Arn"]}])
    topics = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
    sources = [resolve(shop, "service-notify.yaml", arn) for arn in topics]
    assert sources == ["service-orders.yaml/OrderEventsTopic", "service-fulfil.yaml/ShipmentsTopic",
                       "service-notify.yaml/RetriesTopic"]


def test_publishers_are_nested_before_their_subscribers() -> None:
    """The subscriber comes first in the blueprint; its stack still comes after the publisher's."""
    templates = build("""\
        name: shop
        services:
          audit: {image: nginx, queue: {subscribe: [billing.invoices]}}
          billing: {image: nginx, publishes: [invoices], queue: {subscribe: [orders.order-events]}}
          orders: {image: nginx, port: 80, publishes: [order-events]}
        """)
    assert [name for name in stack_files(templates) if name.endswith("Service")] == [
        "OrdersService", "BillingService", "AuditService"]


def test_backlog_scaling_tracks_messages_per_running_task(shop: dict[str, Any]) -> None:
    fulfil = shop["service-fulfil.yaml"]
    assert resources(fulfil, "AWS::ApplicationAutoScaling::ScalableTarget")["ScalableTarget"]["MinCapacity"] == 0
    assert fulfil["Resources"]["Service"]["Properties"]["DesiredCount"] == 0  # idle until messages arrive
    tracking = resources(fulfil, "AWS::ApplicationAutoScaling::ScalingPolicy")["BacklogScalingPolicy"]
    configuration = tracking["TargetTrackingScalingPolicyConfiguration"]
    assert configuration["TargetValue"] == 100.0
    metrics = {query["Id"]: query for query in configuration["CustomizedMetricSpecification"]["Metrics"]}
    assert metrics["backlog"] == {"Id": "backlog", "Expression": "visible / running", "ReturnData": True,
                                  "Label": "Messages waiting per running task"}
    visible = metrics["visible"]["MetricStat"]["Metric"]
    assert (visible["Namespace"], visible["MetricName"], visible["Dimensions"]) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", [{"Name": "QueueName",
                                                           "Value": {"Fn::GetAtt": ["Queue", "QueueName"]}}])
    running = metrics["running"]["MetricStat"]["Metric"]
    assert (running["Namespace"], running["MetricName"]) == ("ECS/ContainerInsights", "RunningTaskCount")
    assert [d["Name"] for d in running["Dimensions"]] == ["ClusterName", "ServiceName"]


def test_an_alarm_wakes_a_service_scaled_to_zero(shop: dict[str, Any]) -> None:
    fulfil = shop["service-fulfil.yaml"]
    wake = resources(fulfil, "AWS::ApplicationAutoScaling::ScalingPolicy")["WakeScalingPolicy"]
    step = wake["StepScalingPolicyConfiguration"]
    assert (wake["PolicyType"], step["AdjustmentType"], step["StepAdjustments"]) == (
        "StepScaling", "ChangeInCapacity", [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}])
    (alarm,) = resources(fulfil, "AWS::CloudWatch::Alarm").values()
    assert alarm["AlarmActions"] == [{"Ref": "WakeScalingPolicy"}]
    (returned,) = [query for query in alarm["Metrics"] if query["ReturnData"]]
    assert returned["Expression"] == "IF(visible > 0 AND FILL(desired, 0) == 0, 1, 0)"
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


def test_a_service_without_topics_or_queue_has_none_of_their_resources(shop: dict[str, Any]) -> None:
    # Rollback alarms off: the only alarms left would be a queue's wake-from-zero alarm.
    templates = build("name: plain\nservices:\n  api: {image: nginx, port: 80, scaling: {min: 1, max: 2, "
                      "cpu_percent: 50}, deployment: {alarms: false}}\n")
    api = templates["service-api.yaml"]
    assert not {kind for kind in types_in(api) if kind.startswith(("AWS::SNS", "AWS::SQS", "AWS::CloudWatch"))}
    assert set(resources(api, "AWS::ApplicationAutoScaling::ScalingPolicy")) == {"CpuScalingPolicy"}
    assert "Policies" not in api["Resources"]["TaskRole"]["Properties"]


def test_the_fixture_builds_lint_and_audit_clean(tmp_path: Path) -> None:
    result = build_output(FIXTURE, tmp_path)  # raises ValidationFailed on any lint or audit finding
    assert {path.name for path in result.directory.glob("*.yaml")} >= {
        "service-orders.yaml", "service-fulfil.yaml", "service-notify.yaml"}


@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov lives in .venv-scan (make scan installs it)")
def test_the_fixture_passes_the_outside_scanner(tmp_path: Path) -> None:
    build_output(FIXTURE, tmp_path)
    scan = subprocess.run([str(CHECKOV), "--framework", "cloudformation", "--skip-download", "--compact", "--quiet",
                           "-d", str(tmp_path)], capture_output=True, text=True, check=False)
    assert scan.returncode == 0, scan.stdout[-3000:]
    assert "Failed checks: 0," in scan.stdout  # the summary line of a scan that found nothing
