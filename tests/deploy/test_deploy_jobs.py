"""A blueprint with scheduled jobs, Fargate Spot and Graviton deploys in moto to CREATE_COMPLETE, and what moto
models holds: each job's task definition is registered with its containers, its group
admits nothing, and its scheduler role exists. moto 5.2.5 has no CloudFormation model for AWS::Scheduler::Schedule
(nor for capacity providers): those are the only job resources it skips."""

from __future__ import annotations

from typing import Any

import pytest

from generator.blueprint.jobs import TIMER_IMAGE
from generator.emulator.patches import moto_models
from generator.pipeline import build

from .harness import Deployment, MotoCloud, declared_vs_created, deploy

JOBS = """\
name: reports
network: {nat_gateways: single}
cluster: {fargate: true}
services:
  web: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080, expose: public, spot: 50, architecture: arm64}
jobs:
  nightly-report:
    image: public.ecr.aws/docker/library/python:3.12
    schedule: cron(0 3 * * ? *)
    timezone: Europe/Berlin
    command: [python, report.py]
    permissions: [{resource: "arn:aws:s3:::reports", access: write}]
    timeout_minutes: 30
    retries: 2
  hourly: {image: public.ecr.aws/docker/library/python:3.12, schedule: rate(1 hour), architecture: arm64}
"""
UNMODELLED = {"AWS::Scheduler::Schedule", "AWS::EC2::SecurityGroupEgress", "AWS::CloudWatch::Alarm",
              "AWS::ECS::ClusterCapacityProviderAssociations", "AWS::S3::BucketPolicy"}


@pytest.fixture(scope="module")
def deployed(moto: MotoCloud, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    scratch = tmp_path_factory.mktemp("jobs")
    path = scratch / "reports.yaml"
    path.write_text(JOBS)
    return deploy(moto, build(path, scratch / "out").directory)


def task_definition(moto: MotoCloud, deployment: Deployment, stack: str) -> dict[str, Any]:
    arn = deployment.stacks[stack].resources["TaskDefinition"]
    return moto.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]


def test_every_stack_is_created_and_only_unmodelled_types_are_skipped(moto: MotoCloud, deployed: Deployment) -> None:
    assert {node.status for node in deployed.stacks.values()} == {"CREATE_COMPLETE"}
    assert {"NightlyReportJob", "HourlyJob"} <= set(deployed.stacks)
    skipped = declared_vs_created(moto.client("cloudformation"), deployed.stack_name).skipped
    assert set(skipped) <= UNMODELLED and not any(moto_models(kind) for kind in skipped)
    assert skipped["AWS::Scheduler::Schedule"] == ["HourlyJob.Schedule", "NightlyReportJob.Schedule"]


def test_the_job_s_task_definition_is_registered_with_its_timer(moto: MotoCloud, deployed: Deployment) -> None:
    found = task_definition(moto, deployed, "NightlyReportJob")
    # moto's CloudFormation model of a task definition keeps its containers (not its roles, network mode,
    # compatibilities or runtime platform: the stack tests hold those).
    job, timer = found["containerDefinitions"]
    assert job["command"] == ["python", "report.py"] and job["essential"] is True
    assert (timer["image"], timer["command"], timer["essential"]) == (TIMER_IMAGE, ["sleep", "1800"], True)


def test_a_job_without_a_timeout_registers_its_container_alone(moto: MotoCloud, deployed: Deployment) -> None:
    [container] = task_definition(moto, deployed, "HourlyJob")["containerDefinitions"]
    assert container["name"] == "hourly"


def test_the_job_s_group_admits_nothing_and_its_scheduler_role_trusts_scheduler(moto: MotoCloud,
                                                                              deployed: Deployment) -> None:
    resources = deployed.stacks["NightlyReportJob"].resources
    [group] = moto.client("ec2").describe_security_groups(GroupIds=[resources["TaskSecurityGroup"]])["SecurityGroups"]
    assert group["IpPermissions"] == []
    role = moto.client("iam").get_role(RoleName=resources["SchedulerRole"])["Role"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
