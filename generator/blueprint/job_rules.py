"""Rules across the keys of scheduled jobs (`jobs.<name>`, issue 20), each giving a located error; rules.py
lists them with the others. A job is checked as a service's task is: its name against every stack name, its
capacity and Fargate size, its permissions, variables and what it reaches without NAT gateways."""

from __future__ import annotations

from collections.abc import Iterator

from generator.blueprint.errors import KeyPath
from generator.blueprint.jobs import TIMER_IMAGE
from generator.blueprint.model import FARGATE_MEMORY, Blueprint
from generator.blueprint.permissions import check_permission
from generator.cfn.ids import logical_id

Problem = tuple[KeyPath, str]


def fargate_size_message(cpu: int, memory: int) -> str:
    allowed = FARGATE_MEMORY.get(cpu)
    if allowed is None:
        return f"Fargate has no task size with cpu {cpu}; use one of {', '.join(map(str, FARGATE_MEMORY))}"
    return (
        f"Fargate does not run cpu {cpu} with memory {memory}; with cpu {cpu} memory is one of "
        f"{', '.join(map(str, allowed))}"
    )


def job_names_free(blueprint: Blueprint) -> Iterator[Problem]:
    """Services and jobs are one namespace: each names a stack, its logical IDs and its log streams."""
    owners = {logical_id(name): f"service `{name}`" for name in blueprint.services}
    for name in blueprint.jobs:
        key = logical_id(name)
        if name in blueprint.services:
            yield ("jobs", name), f"`{name}` is also a service; services and jobs need names of their own"
        elif key in owners:
            yield ("jobs", name), (f"`{name}` and {owners[key]} both become the CloudFormation name {key}; "
                                   "rename one")
        else:
            owners[key] = f"job `{name}`"


def job_capacity(blueprint: Blueprint) -> Iterator[Problem]:
    cluster = blueprint.cluster
    for name, job in blueprint.jobs.items():
        here: KeyPath = ("jobs", name)
        launch_type = job.resolved_launch_type(cluster)
        if launch_type == "ec2" and cluster.instances is None:
            yield (*here, "launch_type"), "`ec2` needs EC2 hosts: add `cluster.instances` or use `launch_type: fargate`"
        if launch_type == "fargate" and not cluster.offers_fargate:
            yield (*here, "launch_type"), "`fargate` needs Fargate capacity: set `cluster.fargate: true`"
        if launch_type == "fargate" and job.memory not in FARGATE_MEMORY.get(job.cpu, ()):
            yield (*here, "memory" if job.cpu in FARGATE_MEMORY else "cpu"), fargate_size_message(job.cpu, job.memory)
        if launch_type == "ec2" and job.architecture is not None:
            yield (*here, "architecture"), ("a job on EC2 runs on the hosts' architecture; set "
                                            "`cluster.instances.architecture`, or use `launch_type: fargate`")


def job_grants(blueprint: Blueprint) -> Iterator[Problem]:
    """A job's permissions, variables and secrets key, held to a service's rules."""
    for name, job in blueprint.jobs.items():
        here: KeyPath = ("jobs", name)
        seen: set[str] = set()
        for index, permission in enumerate(job.permissions):
            problem = check_permission(permission)
            if problem is not None:
                yield (*here, "permissions", index, problem[0]), problem[1]
            elif permission.resource in seen:
                yield (*here, "permissions", index, "resource"), f"{permission.resource} is listed twice; give it once"
            seen.add(permission.resource)
        for key in sorted(set(job.environment) & set(job.secrets)):
            yield (*here, "secrets", key), f"{key} is also in environment; give it once"
        for block in ("environment", "secrets"):
            for key in getattr(job, block):
                if key.lower() in ("true", "false"):
                    yield (*here, block, key), (f"`{key}` as a name: cfn-lint 1.58 takes `true`/`false` for equal "
                                                "to every other name in the same list; choose another name")
        if job.secrets_kms_key is not None and not job.secrets:
            yield (*here, "secrets_kms_key"), "the job has no `secrets` for this key to decrypt"


def job_without_nat(blueprint: Blueprint) -> Iterator[Problem]:
    """Without NAT gateways a job's task reaches only private ECR and the AWS APIs behind the VPC endpoints."""
    if blueprint.network.nat_gateways != "none":
        return
    endpoints = set(blueprint.network.endpoints)
    for name, job in blueprint.jobs.items():
        here: KeyPath = ("jobs", name)
        if ".dkr.ecr." not in job.image:
            yield (*here, "image"), ("with `network.nat_gateways: none` tasks can pull only from a private ECR "
                                     "registry (ACCOUNT.dkr.ecr.REGION.amazonaws.com/...)")
        if job.timeout_minutes is not None:
            yield (*here, "timeout_minutes"), (f"the timeout's timer image ({TIMER_IMAGE}) comes from ECR Public, "
                                               "which tasks cannot reach with `network.nat_gateways: none`; use "
                                               "`nat_gateways: single`, or end the job from its own code")
        needed = {arn.split(":")[2] for arn in job.secrets.values()}
        needed |= {"kms"} if job.secrets_kms_key else set()
        for endpoint in sorted(needed - endpoints):
            yield (*here, "secrets"), (f"with `network.nat_gateways: none` the job's task reaches {endpoint} only "
                                       f"through its VPC endpoint: add {endpoint} to network.endpoints")


RULES = (job_names_free, job_capacity, job_grants, job_without_nat)
