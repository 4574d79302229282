"""The blueprint's scheduled jobs, architectures and Spot keys (issue 20): what loads, what is refused and where,
and the defaults `explain` resolves."""

from __future__ import annotations

import pytest
from shared import load

from generator.blueprint.capacity import is_graviton
from generator.blueprint.errors import BlueprintErrors
from generator.blueprint.schedules import check_schedule, check_timezone
from generator.review.explain import defaults


def errors(text: str) -> list[str]:
    with pytest.raises(BlueprintErrors) as refused:
        load(text)
    return refused.value.render().splitlines()


def job(body: str, head: str = "") -> str:
    return f"name: photos\n{head}services:\n  api: {{image: nginx}}\njobs:\n  report: {{{body}}}\n"


@pytest.mark.parametrize("expression", [
    "rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(30 days)",
    "cron(0 3 * * ? *)", "cron(0 8 ? * MON-FRI *)", "cron(0/15 * * * ? *)", "cron(0 0 L * ? *)",
    "cron(0 0 LW * ? *)", "cron(0 0 15W * ? *)", "cron(0 0 ? * 6#3 *)", "cron(0 0 ? * FRIL *)",
    "cron(30 22 ? JUN-AUG SAT,SUN 2030-2040)", "cron(0 12 1 jan,jul ? *)", "cron(5,35 */2 * * ? *)",
])
def test_schedules_scheduler_accepts_load(expression: str) -> None:
    assert check_schedule(expression) == expression
    assert load(job(f"image: python, schedule: '{expression}'")).jobs["report"].schedule == expression


@pytest.mark.parametrize("expression, why", [
    ("every day", "is not a schedule"),
    ("at(2030-01-01T00:00:00)", "is not a schedule"),
    ("rate(1 hours)", "Scheduler wants `hour` with the value 1"),
    ("rate(2 day)", "Scheduler wants `days` with the value 2"),
    ("rate(0 minutes)", "whole number of at least 1"),
    ("rate(-1 minutes)", "whole number of at least 1"),
    ("rate(1.5 hours)", "whole number of at least 1"),
    ("rate(1 week)", "unit is minute(s), hour(s) or day(s)"),
    ("rate(5minutes)", "is not a rate"),
    ("cron(0 3 * * *)", "found 5; a Unix cron has five"),
    ("cron(0 3 * * ? * *)", "found 7"),
    ("cron(0 3 * * ? *", "does not end in `)`"),
    ("cron(0 3 * * * *)", "exactly one of day-of-month (*) and day-of-week (*)"),
    ("cron(0 3 1 * MON *)", "exactly one of day-of-month (1) and day-of-week (MON)"),
    ("cron(0 3 ? * ? *)", "exactly one of day-of-month (?) and day-of-week (?)"),
    ("cron(60 3 * * ? *)", "minutes '60': 60 is outside 0-59"),
    ("cron(0 24 * * ? *)", "hours '24': 24 is outside 0-23"),
    ("cron(0 3 32 * ? *)", "day-of-month '32'"),
    ("cron(0 3 0 * ? *)", "day-of-month '0'"),
    ("cron(0 3 * 13 ? *)", "month '13'"),
    ("cron(0 3 * FOO ? *)", "month 'FOO'"),
    ("cron(0 3 ? * 8 *)", "day-of-week '8'"),
    ("cron(0 3 * * ? 1969)", "year '1969'"),
    ("cron(? 3 * * ? *)", "`?` is only for day-of-month or day-of-week"),
    ("cron(0/0 * * * ? *)", "the step after / is a whole number"),
    ("cron(0 3 ? * MON#6 *)", "is DAY#N"),
    ("cron(0 3 40W * ? *)", "needs a day 1-31 before W"),
    ("cron(0 3 ? * 9L *)", "needs a day 1-7 or SUN-SAT before L"),
])
def test_schedules_scheduler_refuses_are_refused_at_the_key(expression: str, why: str) -> None:
    with pytest.raises(ValueError, match=None) as refused:
        check_schedule(expression)
    assert why in str(refused.value)
    [line] = errors(job(f"image: python, schedule: '{expression}'"))
    assert ":5:" in line and "jobs.report.schedule: " in line and why in line


def test_time_zones_are_iana_names() -> None:
    assert check_timezone("Europe/Berlin") == "Europe/Berlin"
    assert load(job("image: python, schedule: rate(1 day)")).jobs["report"].timezone == "UTC"
    [line] = errors(job("image: python, schedule: rate(1 day), timezone: Mars/Olympus"))
    assert "jobs.report.timezone: 'Mars/Olympus' is not an IANA time zone name" in line
    [line] = errors(job("image: python, schedule: rate(1 day), timezone: america/new_york"))
    assert "did you mean America/New_York?" in line


@pytest.mark.parametrize("retries, timeout", [(-1, None), (186, None), (0, 0), (0, 7 * 24 * 60 + 1)])
def test_retries_and_timeout_stay_in_their_ranges(retries: int, timeout: int | None) -> None:
    extra = f", timeout_minutes: {timeout}" if timeout is not None else ""
    [line] = errors(job(f"image: python, schedule: rate(1 day), retries: {retries}{extra}"))
    assert "jobs.report." + ("timeout_minutes" if timeout is not None else "retries") in line


@pytest.mark.parametrize("text, where, why", [
    ("name: p\nservices:\n  report: {image: nginx}\njobs:\n  report: {image: python, schedule: rate(1 day)}\n",
     "5:11: error: jobs.report:", "is also a service"),
    ("name: p\nservices:\n  a-b: {image: nginx}\njobs:\n  a--b: {image: python, schedule: rate(1 day)}\n",
     "5:9: error: jobs.a--b:", "both become the CloudFormation name AB"),
    (job("image: python, schedule: rate(1 day), launch_type: ec2"), "jobs.report.launch_type", "needs EC2 hosts"),
    (job("image: python, schedule: rate(1 day)", "cluster: {instances: {}, fargate: false}\n") .replace(
        "schedule: rate(1 day)", "schedule: rate(1 day), launch_type: fargate"),
     "jobs.report.launch_type", "needs Fargate capacity"),
    (job("image: python, schedule: rate(1 day), cpu: 300"), "jobs.report.cpu", "Fargate has no task size"),
    (job("image: python, schedule: rate(1 day), memory: 4096"), "jobs.report.memory", "Fargate does not run"),
    (job("image: python, schedule: rate(1 day), architecture: arm64", "cluster: {instances: {}}\n"),
     "jobs.report.architecture", "runs on the hosts' architecture"),
    (job("image: python, schedule: rate(1 day), permissions: [{resource: 'arn:aws:s3:::r', access: read}]"),
     "jobs.report.permissions[0].resource", "is not a valid S3 bucket ARN"),
    (job("image: python, schedule: rate(1 day), permissions: [{resource: 'arn:aws:sns:us-east-1:123456789012:t', "
         "access: read}]"), "jobs.report.permissions[0].access", "SNS topic access is publish"),
    (job("image: python, schedule: rate(1 day), environment: {A: x}, secrets: "
         "{A: 'arn:aws:ssm:us-east-1:123456789012:parameter/a'}"), "jobs.report.secrets.A", "also in environment"),
    (job("image: python, schedule: rate(1 day), secrets: {'False': 'arn:aws:ssm:us-east-1:123456789012:parameter/a'}"),
     "jobs.report.secrets.False", "`False` as a name"),
    (job("image: python, schedule: '${NIGHTLY}'"), "jobs.report.schedule", "is not a schedule"),
    (job("image: python, schedule: rate(1 day), command: ['${HOME}']"), "jobs.report.command[0]", "contains `${`"),
])
def test_job_refusals_point_at_the_job_key(text: str, where: str, why: str) -> None:
    lines = errors(text)
    assert any(where in line and why in line for line in lines), lines


def test_a_job_without_nat_needs_private_images_and_its_endpoints() -> None:
    text = """\
        name: photos
        network: {nat_gateways: none, endpoints: [s3, ecr, ecs, logs]}
        services:
          api: {image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1}
        jobs:
          report:
            image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/report:1
            schedule: rate(1 day)
            timeout_minutes: 10
            secrets: {A: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf'}
        """
    lines = errors(text)
    assert [line.split(": error: ")[1].split(":")[0] for line in lines] == [
        "jobs.report.timeout_minutes", "jobs.report.secrets"]
    assert "reaches secretsmanager only through its VPC endpoint" in lines[1]
    fixed = text.replace("timeout_minutes: 10", "retries: 1").replace("[s3, ecr, ecs, logs]",
                                                                       "[s3, ecr, ecs, logs, secretsmanager]")
    assert load(fixed).jobs["report"].retries == 1


def test_explain_resolves_a_job_s_launch_type_and_architecture() -> None:
    blueprint = load(job("image: python, schedule: rate(1 day)", "cluster:\n  instances: {type: t4g.medium, "
                         "architecture: arm64}\n"))
    found = {default.path: default for default in defaults(blueprint)}
    assert found["jobs.report.launch_type"].value == "ec2" and found["jobs.report.launch_type"].resolved
    assert found["jobs.report.architecture"].value == "arm64" and found["jobs.report.architecture"].resolved
    assert found["jobs.report.timezone"].value == "UTC" and found["jobs.report.retries"].value == 0
    assert found["cluster.instances.ami"].value.endswith("/arm64/recommended/image_id")
    assert found["services.api.architecture"].value == "arm64"


# --- Spot and Graviton ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("instance_type", ["m7g.large", "c6gn.xlarge", "t4g.micro", "r8g.2xlarge", "im4gn.large",
                                           "is4gen.medium", "x2gd.metal", "hpc7g.4xlarge", "a1.large", "g5g.xlarge",
                                           "c7gd.medium", "m6g.metal"])
def test_graviton_families(instance_type: str) -> None:
    assert is_graviton(instance_type)


@pytest.mark.parametrize("instance_type", ["t3.medium", "m5.large", "g5.xlarge", "g4dn.xlarge", "m7i-flex.large",
                                           "c5n.large", "r6in.large", "m5zn.large", "inf2.xlarge", "u-6tb1.metal",
                                           "x2iedn.xlarge", "p4d.24xlarge", "m7a.large"])
def test_x86_families(instance_type: str) -> None:
    assert not is_graviton(instance_type)


def hosts(body: str, services: str = "  api: {image: nginx}\n") -> str:
    return f"name: photos\ncluster:\n  instances: {{{body}}}\nservices:\n{services}"


@pytest.mark.parametrize("text, where, why", [
    (hosts("type: t3.medium, architecture: arm64"), "cluster.instances.type", "is not a Graviton (arm64) type"),
    (hosts("type: t4g.medium"), "cluster.instances.type", "is a Graviton (arm64) type"),
    (hosts("type: t4g.medium, architecture: arm64, spot: {percent: 50, types: [t4g.medium, t3.medium]}"),
     "cluster.instances.spot.types[1]", "is not a Graviton"),
    (hosts("spot: {percent: 50, types: [t3.medium, m6g.large]}"), "cluster.instances.spot.types[1]",
     "is a Graviton"),
    (hosts("type: t4g.medium, architecture: arm64, ami: /aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/"
           "image_id"), "cluster.instances.ami", "the ECS-optimized AMI for x86_64"),
    (hosts("ami: /aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"),
     "cluster.instances.ami", "the ECS-optimized AMI for arm64"),
    (hosts("spot: {percent: 50, types: [t3.medium]}"), "cluster.instances.spot.types", "at least two instance types"),
    (hosts("spot: {percent: 50, types: [t3.large, t3.large]}"), "cluster.instances.spot.types",
     "at least two instance types"),
    (hosts("spot: {percent: 50, types: [t3.large, m5.large, t3.large]}"), "cluster.instances.spot.types[2]",
     "is listed twice"),
    (hosts("spot: {percent: 0, types: [t3.large, m5.large]}"), "cluster.instances.spot.percent", "at least 1"),
    (hosts("spot: {percent: 101, types: [t3.large, m5.large]}"), "cluster.instances.spot.percent", "at most 100"),
    (hosts("spot: {types: [t3.large, m5.large]}"), "cluster.instances.spot.percent", "required"),
    (hosts("architecture: aarch64"), "cluster.instances.architecture", "x86_64"),
    (hosts("", "  api: {image: nginx, spot: 50}\n"), "services.api.spot", "a service on EC2 runs where the hosts are"),
    (hosts("", "  api: {image: nginx, architecture: arm64}\n"), "services.api.architecture",
     "runs on the hosts' architecture"),
    ("name: p\nservices:\n  api: {image: nginx, spot: 101}\n", "services.api.spot", "at most 100"),
])
def test_capacity_refusals_point_at_their_key(text: str, where: str, why: str) -> None:
    lines = errors(text)
    assert any(f"error: {where}:" in line and why in line for line in lines), lines


def test_graviton_hosts_with_a_spot_share_load() -> None:
    blueprint = load(hosts("type: m7g.large, architecture: arm64, spot: {percent: 50, types: [m7g.large, m6g.large, "
                           "c7g.large]}", "  api: {image: nginx}\n  orders: {image: nginx, launch_type: fargate, "
                           "spot: 50, architecture: arm64}\n").replace("services:", "  fargate: true\nservices:"))
    instances = blueprint.cluster.instances
    assert instances is not None and instances.resolved_ami.endswith("/arm64/recommended/image_id")
    assert blueprint.services["orders"].resolved_architecture(blueprint.cluster) == "arm64"
    assert blueprint.services["api"].resolved_architecture(blueprint.cluster) == "arm64"
