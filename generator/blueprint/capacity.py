"""What tasks and hosts run on (issue 20): CPU architecture (x86_64 or arm64, Graviton) and Spot capacity.

EC2 hosts take `cluster.instances.architecture` and an optional `spot` share over several instance types;
Fargate services and jobs take `architecture`, and Fargate services a `spot` percentage. Which instance
types are Graviton is a documented rule on the type's family (cfn-lint and botocore ship no table of
instance types with their architectures): the family's name after its generation digits holds a `g`
(m7g, c6gn, t4g, r8g, im4gn, x2gd, hpc7g), and `a1` is the first Graviton.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from generator.blueprint.strict import Strict
from generator.blueprint.types import InstanceType

Architecture = Literal["x86_64", "arm64"]
ARCHITECTURES = {"x86_64": "X86_64", "arm64": "ARM64"}  # the blueprint's word -> ECS's RuntimePlatform word

# The ECS-optimized Amazon Linux 2023 AMI of each architecture, resolved at deploy time from SSM.
ECS_AMIS = {
    "x86_64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    "arm64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
}
FAMILY = re.compile(r"(?P<series>[a-z]+)(?P<generation>[0-9]+)(?P<options>[a-z-]*)")

ARCHITECTURE_DESCRIPTION = (
    "CPU architecture: x86_64 (Intel and AMD) or arm64 (AWS Graviton). Default x86_64, what most images are "
    "built for; an arm64 task needs an image with an arm64 variant."
)
HOST_ARCHITECTURE_DESCRIPTION = (
    "CPU architecture of the hosts: x86_64 or arm64 (AWS Graviton). Default x86_64. With arm64 the default "
    f"`ami` is the ECS-optimized arm64 AMI ({ECS_AMIS['arm64']}) and `type` (and each Spot type) must be a "
    "Graviton type; with x86_64 Graviton types are refused. Graviton types are told by their family: a `g` "
    "after the generation digits (m7g, c6gn, t4g, r8g, im4gn) or a1. The services' tasks on the hosts run on "
    "this architecture (an EC2 service takes no `architecture` of its own)."
)
SERVICE_SPOT_DESCRIPTION = (
    "Fargate only: the percent of the service's tasks ECS places on FARGATE_SPOT, the rest on FARGATE, through "
    "a capacity-provider strategy with the two weights (reduced: 50 gives 1:1, 75 gives 1:3) and no on-demand "
    "base. Spot tasks cost up to 70% less and AWS may stop them with two minutes' warning (ECS starts "
    "replacements where there is capacity). Default 0: every task on FARGATE. On EC2 the hosts decide "
    "(`cluster.instances.spot`)."
)


def is_graviton(instance_type: str) -> bool:
    """Whether an instance type is AWS Graviton (arm64), by the rule in the module's docstring."""
    family = instance_type.split(".", 1)[0]
    if family == "a1":
        return True
    found = FAMILY.fullmatch(family)
    return found is not None and "g" in found["options"]


def architecture_of(instance_type: str) -> str:
    return "arm64" if is_graviton(instance_type) else "x86_64"


class Spot(Strict):
    percent: Annotated[int, Field(ge=1, le=100)] = Field(
        description="Percent of the hosts above the on-demand base (`min` hosts, always on-demand) that are "
        "Spot instances: the auto scaling group's OnDemandPercentageAboveBaseCapacity is 100 minus this.",
    )
    types: Annotated[list[InstanceType], Field(min_length=1, max_length=20)] = Field(
        description="Instance types the hosts may be, at least two (Spot capacity of one type runs out), each "
        "of the hosts' architecture; the hosts' `type` is always one of them. The auto scaling group picks "
        "Spot capacity price-capacity-optimized across them and replaces instances AWS is about to reclaim "
        "(capacity rebalancing); the capacity provider drains their tasks first (managed draining).",
    )


def task_architecture(own: str | None, launch_type: str, hosts: str | None) -> str:
    """A service's or job's tasks: on EC2 the hosts' architecture, on Fargate their own (default x86_64)."""
    if launch_type == "ec2" and hosts is not None:
        return hosts
    return own or "x86_64"
