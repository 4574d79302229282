"""The error catalogue's examples for scheduled jobs, architectures and Spot capacity (issue 20): one small input
per error, rendered by catalogue.py with the others into docs/errors.md."""

from __future__ import annotations

from generator.blueprint.catalogue_examples import Example

NGINX = "public.ecr.aws/nginx/nginx:1.27"


def job(body: str, head: str = "") -> str:
    """A blueprint with one service and one job, `report`, with these keys (one flow mapping)."""
    return f"name: photos\n{head}services:\n  api: {{image: nginx}}\njobs:\n  report: {{{body}}}\n"


def schedule(expression: str) -> str:
    return job(f"image: python, schedule: '{expression}'")


def hosts(body: str, services: str = "  api: {image: nginx}\n") -> str:
    return f"name: photos\ncluster:\n  instances: {{{body}}}\nservices:\n{services}"


MODEL = [
    Example("A schedule that is neither rate nor cron", schedule("every day at 3"), "model:value_error"),
    Example("A rate with two spaces", schedule("rate(5  minutes)"), "model:value_error"),
    Example("A rate of zero", schedule("rate(0 hours)"), "model:value_error"),
    Example("A rate in weeks", schedule("rate(1 week)"), "model:value_error"),
    Example("A rate too large to be one", schedule("rate(10000000000 minutes)"), "model:value_error"),
    Example("A rate of one in the plural", schedule("rate(1 hours)"), "model:value_error"),
    Example("A Unix cron of five fields", schedule("cron(0 3 * * *)"), "model:value_error"),
    Example("A cron without its closing parenthesis", schedule("cron(0 3 * * ? *"), "model:value_error"),
    Example("A cron with both days given", schedule("cron(0 3 * * MON *)"), "model:value_error"),
    Example("A cron with neither day given", schedule("cron(0 3 ? * ? *)"), "model:value_error"),
    Example("A cron field out of range", schedule("cron(0 24 * * ? *)"), "model:value_error"),
    Example("A cron field that is no value", schedule("cron(0 3 * SOMETIMES ? *)"), "model:value_error"),
    Example("A ? outside the day fields", schedule("cron(? 3 * * ? *)"), "model:value_error"),
    Example("A cron step of zero", schedule("cron(0/0 * * * ? *)"), "model:value_error"),
    Example("A nearest weekday without a day", schedule("cron(0 3 40W * ? *)"), "model:value_error"),
    Example("An nth weekday out of range", schedule("cron(0 3 ? * MON#6 *)"), "model:value_error"),
    Example("A last weekday without a day", schedule("cron(0 3 ? * 9L *)"), "model:value_error"),
    Example("A time zone that is not an IANA name", job("image: python, schedule: rate(1 day), timezone: CET+1"),
            "model:value_error"),
    Example("A time zone in the wrong case", job("image: python, schedule: rate(1 day), timezone: europe/berlin"),
            "model:value_error"),
]

RULES = [
    Example("A job named like a service", "name: photos\nservices:\n  report: {image: nginx}\njobs:\n"
            "  report: {image: python, schedule: rate(1 day)}\n", "rule:job_names_free"),
    Example("A job whose CloudFormation name is a service's", "name: photos\nservices:\n  daily-report: "
            "{image: nginx}\njobs:\n  daily--report: {image: python, schedule: rate(1 day)}\n", "rule:job_names_free"),
    Example("A job on EC2 without hosts", job("image: python, schedule: rate(1 day), launch_type: ec2"),
            "rule:job_capacity"),
    Example("A Fargate job without Fargate capacity", job("image: python, schedule: rate(1 day), launch_type: fargate",
            head="cluster: {instances: {}}\n"), "rule:job_capacity"),
    Example("A Fargate job of a size Fargate does not run", job("image: python, schedule: rate(1 day), cpu: 256, "
            "memory: 4096"), "rule:job_capacity"),
    Example("An architecture on an EC2 job", job("image: python, schedule: rate(1 day), architecture: arm64",
            head="cluster: {instances: {}}\n"), "rule:job_capacity"),
    Example("A job's permission with a wildcard", job("image: python, schedule: rate(1 day), permissions: "
            "[{resource: 'arn:aws:s3:::reports-*', access: write}]"), "rule:job_grants"),
    Example("A job's resource listed twice", job("image: python, schedule: rate(1 day), permissions: "
            "[{resource: 'arn:aws:s3:::reports', access: read}, {resource: 'arn:aws:s3:::reports', access: write}]"),
            "rule:job_grants"),
    Example("A job's variable both in environment and secrets", job("image: python, schedule: rate(1 day), "
            "environment: {TOKEN: x}, secrets: {TOKEN: 'arn:aws:ssm:us-east-1:123456789012:parameter/token'}"),
            "rule:job_grants"),
    Example("A job's variable named true", job("image: python, schedule: rate(1 day), environment: {'true': x}"),
            "rule:job_grants"),
    Example("A job's secrets key without secrets", job("image: python, schedule: rate(1 day), secrets_kms_key: "
            "'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'"), "rule:job_grants"),
    Example("A job without NAT: a public image, a timeout, a secret without its endpoint", """\
        name: photos
        network: {nat_gateways: none, endpoints: [s3, ecr, ecs, logs]}
        services:
          api: {image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1}
        jobs:
          report:
            image: python
            schedule: rate(1 day)
            timeout_minutes: 30
            secrets: {TOKEN: 'arn:aws:ssm:us-east-1:123456789012:parameter/token'}
        """, "rule:job_without_nat"),
    Example("An arm64 host of an x86 type", hosts("type: m7i.large, architecture: arm64"), "rule:host_architecture"),
    Example("An x86 host of a Graviton type", hosts("type: m7g.large"), "rule:host_architecture"),
    Example("A Spot type of another architecture", hosts("type: m7g.large, architecture: arm64, spot: "
            "{percent: 50, types: [m7g.large, m7i.large]}"), "rule:host_architecture"),
    Example("The x86 AMI on arm64 hosts", hosts("type: m7g.large, architecture: arm64, ami: "
            "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"), "rule:host_architecture"),
    Example("A Spot share of one type", hosts("spot: {percent: 50, types: [t3.medium]}"), "rule:spot_types"),
    Example("A Spot type listed twice", hosts("spot: {percent: 50, types: [t3.medium, t3.large, t3.medium]}"),
            "rule:spot_types"),
    Example("Spot on an EC2 service", hosts("", "  api: {image: nginx, spot: 50}\n"), "rule:service_capacity_keys"),
    Example("An architecture on an EC2 service", hosts("", "  api: {image: nginx, architecture: arm64}\n"),
            "rule:service_capacity_keys"),
]
