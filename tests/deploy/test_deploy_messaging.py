"""A publisher and two workers (tests/fixtures/workers.yaml) deploy in moto to CREATE_COMPLETE, and what moto's
SNS and SQS APIs show is what the blueprint asks for: each topic exists, encrypted, each queue has its dead-letter
queue and max-receive count, and each subscriber's stack is given the ARNs of the topics it subscribes to (moto
models neither subscriptions nor queue policies: tests/stacks/test_messaging.py reads those in the templates)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.pipeline import build

from .harness import Deployment, MotoCloud, declared_vs_created, deploy

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "workers.yaml"


@pytest.fixture(scope="module")
def deployed(moto: MotoCloud, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    return deploy(moto, build(FIXTURE, tmp_path_factory.mktemp("workers") / "out").directory)


def physical(deployment: Deployment, stack: str, logical: str) -> str:
    return deployment.stacks[stack].resources[logical]


def queue_attributes(moto: MotoCloud, url: str) -> dict[str, Any]:
    return moto.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_every_stack_is_created(deployed: Deployment) -> None:
    assert {node.status for node in deployed.stacks.values()} == {"CREATE_COMPLETE"}


def test_each_topic_exists_encrypted(moto: MotoCloud, deployed: Deployment) -> None:
    sns = moto.client("sns")
    for stack, topic in (("OrdersService", "OrderEventsTopic"), ("FulfilService", "ShipmentsTopic"),
                         ("NotifyService", "RetriesTopic")):
        arn = physical(deployed, stack, topic)
        assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["KmsMasterKeyId"] == "alias/aws/sns"
        assert deployed.stacks[stack].outputs[f"{topic}Arn"] == arn  # what subscribers' stacks take


def test_each_queue_sends_repeated_failures_to_its_dead_letter_queue(moto: MotoCloud, deployed: Deployment) -> None:
    for stack, visibility in (("FulfilService", "60"), ("NotifyService", "30")):
        queue = queue_attributes(moto, physical(deployed, stack, "Queue"))
        dead_letters = queue_attributes(moto, physical(deployed, stack, "DeadLetterQueue"))
        assert json.loads(queue["RedrivePolicy"]) == {"deadLetterTargetArn": dead_letters["QueueArn"],
                                                      "maxReceiveCount": 5}
        assert queue["VisibilityTimeout"] == visibility
        assert dead_letters["MessageRetentionPeriod"] == str(14 * 24 * 3600)


def test_each_subscriber_stack_is_given_its_publishers_topic_arns(moto: MotoCloud, deployed: Deployment) -> None:
    """moto creates no AWS::SNS::Subscription and no AWS::SQS::QueuePolicy (it has no model of either), so what
    it can show is what they are built from: the topic ARNs root.yaml passes into each subscriber's stack."""
    cfn = moto.client("cloudformation")
    given = {}
    for stack in ("FulfilService", "NotifyService"):
        (described,) = cfn.describe_stacks(StackName=deployed.stacks[stack].name)["Stacks"]
        given[stack] = {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]
                        if p["ParameterKey"].endswith("TopicArn")}
    assert given == {
        "FulfilService": {"OrdersOrderEventsTopicArn": physical(deployed, "OrdersService", "OrderEventsTopic")},
        "NotifyService": {"OrdersOrderEventsTopicArn": physical(deployed, "OrdersService", "OrderEventsTopic"),
                          "FulfilShipmentsTopicArn": physical(deployed, "FulfilService", "ShipmentsTopic")},
    }


def test_only_the_subscriptions_and_queue_policies_are_left_to_what_moto_does_not_model(
        moto: MotoCloud, deployed: Deployment) -> None:
    skipped = declared_vs_created(moto.client("cloudformation"), deployed.stack_name).skipped
    assert skipped.get("AWS::SNS::Subscription") == [
        "FulfilService.OrdersOrderEventsSubscription", "NotifyService.FulfilShipmentsSubscription",
        "NotifyService.NotifyRetriesSubscription", "NotifyService.OrdersOrderEventsSubscription"]
    assert skipped.get("AWS::SQS::QueuePolicy") == ["FulfilService.QueuePolicy", "NotifyService.QueuePolicy"]
    assert not [kind for kind in skipped if kind.startswith(("AWS::SNS::Topic", "AWS::SQS::Queue"))
                and kind != "AWS::SQS::QueuePolicy"]
