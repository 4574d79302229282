"""job-<name>.yaml (issue 20): the task definition, the schedule that runs it in the private subnets with its own
egress-only group, and the role Scheduler assumes, which may run exactly that task definition and pass exactly
its two roles; and the Spot and Graviton keys as the cluster and service stacks write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.blueprint.jobs import TIMER_IMAGE

from .helpers import build, egress_from, ingress_into, lint_blueprint, only, resolve, resources

FARGATE_JOB = """
    name: reports
    services:
      web: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080, expose: public}
    jobs:
      nightly-report:
        image: public.ecr.aws/docker/library/python:3.12
        schedule: cron(0 3 * * ? *)
        timezone: Europe/Berlin
        command: [python, report.py]
        environment: {MODE: full}
        secrets: {TOKEN: 'arn:aws:ssm:us-east-1:123456789012:parameter/token'}
        permissions: [{resource: "arn:aws:s3:::reports", access: write}]
        timeout_minutes: 30
        retries: 2
        architecture: arm64
"""
EC2_JOB = """
    name: depot
    cluster:
      instances: {type: m7g.large, architecture: arm64, min: 1, max: 4,
                  spot: {percent: 60, types: [m7g.large, m6g.large, c7g.large]}}
      fargate: true
    services:
      api: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080, expose: public}
      orders: {image: public.ecr.aws/nginx/nginx:1.27, launch_type: fargate, spot: 75, architecture: arm64}
    jobs:
      sweep: {image: public.ecr.aws/docker/library/python:3.12, schedule: rate(15 minutes)}
"""
JOB = "job-nightly-report.yaml"


def schedule_of(templates: dict, filename: str) -> dict:
    return only(resources(templates[filename], "AWS::Scheduler::Schedule"))


def test_each_job_is_its_own_stack_nested_after_the_services() -> None:
    templates = build(FARGATE_JOB)
    assert list(templates) == ["root.yaml", "network.yaml", "cluster.yaml", "service-web.yaml", JOB]
    stack = templates["root.yaml"]["Resources"]["NightlyReportJob"]
    assert stack["Properties"]["TemplateURL"] == JOB and stack["Metadata"]["Source"] == "jobs.nightly-report"
    assert set(stack["Properties"]["Parameters"]) == {"VpcId", "ClusterName", "PrivateSubnets"}


def test_the_schedule_runs_the_task_in_private_subnets_without_a_public_ip() -> None:
    templates = build(FARGATE_JOB)
    schedule = schedule_of(templates, JOB)
    assert schedule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = schedule["Target"]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2}
    assert target["RoleArn"] == {"Fn::GetAtt": ["SchedulerRole", "Arn"]}
    parameters = target["EcsParameters"]
    assert parameters["TaskDefinitionArn"] == {"Ref": "TaskDefinition"}
    assert parameters["LaunchType"] == "FARGATE" and "CapacityProviderStrategy" not in parameters
    vpc = parameters["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert vpc["AssignPublicIp"] == "DISABLED"
    assert resolve(templates, JOB, vpc["Subnets"]) == {"Fn::Join": [",", [{"Ref": "PrivateSubnet1"},
                                                                        {"Ref": "PrivateSubnet2"}]]}
    assert vpc["SecurityGroups"] == [{"Fn::GetAtt": ["TaskSecurityGroup", "GroupId"]}]


def test_the_job_s_group_admits_nothing_and_sends_only_https() -> None:
    templates = build(FARGATE_JOB)
    group = f"{JOB}/TaskSecurityGroup"
    assert ingress_into(templates, group) == set()
    assert egress_from(templates, group) == {("0.0.0.0/0", (443, 443))}


def test_the_task_definition_carries_the_job_and_its_timer() -> None:
    definition = only(resources(build(FARGATE_JOB)[JOB], "AWS::ECS::TaskDefinition"))
    assert definition["RuntimePlatform"]["CpuArchitecture"] == "ARM64"
    job, timer = definition["ContainerDefinitions"]
    assert (job["Name"], job["Command"], job["Essential"]) == ("nightly-report", ["python", "report.py"], True)
    assert job["Environment"] == [{"Name": "MODE", "Value": "full"}]
    assert job["Secrets"] == [{"Name": "TOKEN", "ValueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/token"}]
    # ECS stops the whole task when an essential container exits: the timer's sleep is the timeout.
    assert (timer["Image"], timer["Command"], timer["Essential"]) == (TIMER_IMAGE, ["sleep", "1800"], True)


def test_without_a_timeout_the_task_holds_the_job_alone() -> None:
    templates = build(FARGATE_JOB.replace("        timeout_minutes: 30\n", ""))
    definition = only(resources(templates[JOB], "AWS::ECS::TaskDefinition"))
    assert [container["Name"] for container in definition["ContainerDefinitions"]] == ["nightly-report"]


def test_the_scheduler_role_runs_exactly_this_task_definition_and_passes_exactly_its_roles() -> None:
    role = resources(build(FARGATE_JOB)[JOB], "AWS::IAM::Role")["SchedulerRole"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert set(statements) == {"RunTheJob", "TagItsTasks", "PassItsRoles"}
    run = statements["RunTheJob"]
    assert run["Action"] == ["ecs:RunTask"]
    [family] = run["Resource"]
    text, variables = family["Fn::Sub"]
    assert text.endswith(":${Family}:*")  # every revision of this family, and no other task definition
    assert variables["Family"] == {"Fn::Select": [5, {"Fn::Split": [":", {"Ref": "TaskDefinition"}]}]}
    assert list(run["Condition"]["ArnEquals"]) == ["ecs:cluster"]
    passing = statements["PassItsRoles"]
    assert passing["Action"] == ["iam:PassRole"]
    assert passing["Resource"] == [{"Fn::GetAtt": ["ExecutionRole", "Arn"]}, {"Fn::GetAtt": ["TaskRole", "Arn"]}]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    assert statements["TagItsTasks"]["Condition"] == {"StringEquals": {"ecs:CreateAction": "RunTask"}}


def test_the_task_role_grants_the_job_s_permissions_and_the_execution_role_its_secrets() -> None:
    roles = resources(build(FARGATE_JOB)[JOB], "AWS::IAM::Role")
    [grant] = roles["TaskRole"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert grant["Resource"] == ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"] and "s3:PutObject" in grant["Action"]
    [secret] = roles["ExecutionRole"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert secret["Resource"] == ["arn:aws:ssm:us-east-1:123456789012:parameter/token"]


def test_an_ec2_job_runs_through_the_hosts_capacity_provider() -> None:
    templates = build(EC2_JOB)
    parameters = schedule_of(templates, "job-sweep.yaml")["Target"]["EcsParameters"]
    assert "LaunchType" not in parameters
    [strategy] = parameters["CapacityProviderStrategy"]
    assert resolve(templates, "job-sweep.yaml", strategy["CapacityProvider"]) == \
        "cluster.yaml/HostCapacityProvider"
    assert "AssignPublicIp" not in parameters["NetworkConfiguration"]["AwsvpcConfiguration"]  # Fargate only
    definition = only(resources(templates["job-sweep.yaml"], "AWS::ECS::TaskDefinition"))
    assert definition["RequiresCompatibilities"] == ["EC2"] and "RuntimePlatform" not in definition


def test_spot_hosts_mix_instance_types_and_rebalance() -> None:
    cluster = build(EC2_JOB)["cluster.yaml"]
    group = only(resources(cluster, "AWS::AutoScaling::AutoScalingGroup"))
    assert "LaunchTemplate" not in group and group["CapacityRebalance"] is True
    policy = group["MixedInstancesPolicy"]
    assert policy["InstancesDistribution"] == {"OnDemandBaseCapacity": 1, "OnDemandPercentageAboveBaseCapacity": 40,
                                               "SpotAllocationStrategy": "price-capacity-optimized"}
    assert [o["InstanceType"] for o in policy["LaunchTemplate"]["Overrides"]] == ["m7g.large", "m6g.large",
                                                                                  "c7g.large"]
    assert policy["LaunchTemplate"]["LaunchTemplateSpecification"]["LaunchTemplateId"] == {"Ref": "HostLaunchTemplate"}
    provider = only(resources(cluster, "AWS::ECS::CapacityProvider"))["AutoScalingGroupProvider"]
    assert provider["ManagedDraining"] == "ENABLED"  # Spot instances leave drained, as every host does
    user_data = only(resources(cluster, "AWS::EC2::LaunchTemplate"))["LaunchTemplateData"]["UserData"]
    assert "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true" in str(user_data)
    assert cluster["Parameters"]["HostImageId"]["Default"].endswith("/arm64/recommended/image_id")


def test_the_hosts_type_is_always_one_of_the_spot_types() -> None:
    text = EC2_JOB.replace("types: [m7g.large, m6g.large, c7g.large]", "types: [c7g.large, m6g.large]")
    group = only(resources(build(text)["cluster.yaml"], "AWS::AutoScaling::AutoScalingGroup"))
    assert [o["InstanceType"] for o in group["MixedInstancesPolicy"]["LaunchTemplate"]["Overrides"]] == [
        "m7g.large", "c7g.large", "m6g.large"]


def test_on_demand_hosts_keep_their_launch_template() -> None:
    text = EC2_JOB.replace(",\n                  spot: {percent: 60, types: [m7g.large, m6g.large, c7g.large]}", "")
    cluster = build(text)["cluster.yaml"]
    group = only(resources(cluster, "AWS::AutoScaling::AutoScalingGroup"))
    assert "MixedInstancesPolicy" not in group and "CapacityRebalance" not in group and "LaunchTemplate" in group
    assert "SPOT" not in str(only(resources(cluster, "AWS::EC2::LaunchTemplate")))


@pytest.mark.parametrize("spot, weights", [(75, [("FARGATE", 1), ("FARGATE_SPOT", 3)]),
                                           (50, [("FARGATE", 1), ("FARGATE_SPOT", 1)]),
                                           (30, [("FARGATE", 7), ("FARGATE_SPOT", 3)]),
                                           (100, [("FARGATE_SPOT", 1)])])
def test_a_fargate_service_s_spot_share_is_a_capacity_provider_strategy(spot: int, weights: list) -> None:
    templates = build(EC2_JOB.replace("spot: 75", f"spot: {spot}"))
    service = only(resources(templates["service-orders.yaml"], "AWS::ECS::Service"))
    assert "LaunchType" not in service  # ECS refuses a launch type beside a strategy
    assert [(item["CapacityProvider"], item["Weight"]) for item in service["CapacityProviderStrategy"]] == weights
    definition = only(resources(templates["service-orders.yaml"], "AWS::ECS::TaskDefinition"))
    assert definition["RuntimePlatform"]["CpuArchitecture"] == "ARM64"
    association = only(resources(templates["cluster.yaml"], "AWS::ECS::ClusterCapacityProviderAssociations"))
    assert {"FARGATE", "FARGATE_SPOT"} <= set(map(str, association["CapacityProviders"]))


def test_a_fargate_service_without_spot_keeps_its_launch_type() -> None:
    service = only(resources(build(FARGATE_JOB)["service-web.yaml"], "AWS::ECS::Service"))
    assert service["LaunchType"] == "FARGATE" and "CapacityProviderStrategy" not in service
    definition = only(resources(build(FARGATE_JOB)["service-web.yaml"], "AWS::ECS::TaskDefinition"))
    assert definition["RuntimePlatform"]["CpuArchitecture"] == "X86_64"


@pytest.mark.parametrize("text", [FARGATE_JOB, EC2_JOB], ids=["fargate-job", "ec2-spot-graviton"])
def test_job_and_spot_sets_are_cfn_lint_clean(text: str, tmp_path: Path) -> None:
    assert lint_blueprint(text, tmp_path) == []
