"""The worker + publisher + job blueprint (blueprints/shop.yaml, issue 20's acceptance) deploys in moto to
CREATE_COMPLETE, and what moto's APIs show is what the blueprint asks for: the API's topic, the worker's queue
and dead-letter queue, the job's task definition with its timer, arm64 tasks. Only types moto does not model are
left uncreated (the schedule, subscriptions, queue policies, egress rules, alarms, capacity-provider links)."""

from __future__ import annotations

import json

import pytest
from shared import REPO

from generator.emulator.patches import moto_models
from generator.pipeline import build

from .harness import Deployment, MotoCloud, declared_vs_created, deploy

SHOP = REPO / "blueprints" / "shop.yaml"


@pytest.fixture(scope="module")
def deployed(moto: MotoCloud, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    return deploy(moto, build(SHOP, tmp_path_factory.mktemp("shop") / "out").directory)


def test_every_stack_is_created_and_only_what_moto_does_not_model_is_skipped(moto: MotoCloud,
                                                                            deployed: Deployment) -> None:
    assert {node.status for node in deployed.stacks.values()} == {"CREATE_COMPLETE"}
    assert {"OrdersService", "FulfilService", "NightlyReportJob"} <= set(deployed.stacks)
    skipped = declared_vs_created(moto.client("cloudformation"), deployed.stack_name).skipped
    assert not [kind for kind in skipped if moto_models(kind)]
    assert skipped["AWS::Scheduler::Schedule"] == ["NightlyReportJob.Schedule"]
    assert skipped["AWS::SNS::Subscription"] == ["FulfilService.OrdersOrderEventsSubscription"]


def test_the_topic_reaches_the_worker_and_its_queue_has_a_dead_letter_queue(moto: MotoCloud,
                                                                           deployed: Deployment) -> None:
    topic = deployed.stacks["OrdersService"].resources["OrderEventsTopic"]
    assert moto.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"] == "alias/aws/sns"
    sqs = moto.client("sqs")
    queue = sqs.get_queue_attributes(QueueUrl=deployed.stacks["FulfilService"].resources["Queue"],
                                     AttributeNames=["All"])["Attributes"]
    assert json.loads(queue["RedrivePolicy"])["maxReceiveCount"] == 5
    assert queue["VisibilityTimeout"] == "60"
    (described,) = moto.client("cloudformation").describe_stacks(
        StackName=deployed.stacks["FulfilService"].name)["Stacks"]
    given = {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}
    assert given["OrdersOrderEventsTopicArn"] == topic


def test_the_job_and_the_services_register_their_containers(moto: MotoCloud, deployed: Deployment) -> None:
    ecs = moto.client("ecs")
    containers = {}
    for stack in ("OrdersService", "FulfilService", "NightlyReportJob"):
        arn = deployed.stacks[stack].resources["TaskDefinition"]
        found = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        containers[stack] = sorted(container["name"] for container in found["containerDefinitions"])
    assert containers == {"OrdersService": ["orders"], "FulfilService": ["fulfil"],
                          "NightlyReportJob": ["nightly-report", "nightly-report-timeout"]}
