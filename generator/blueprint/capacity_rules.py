"""Rules on architecture and Spot capacity (issue 20), each giving a located error; rules.py lists them with
the others. Hosts, their Spot types and their AMI agree on one architecture; a Spot share spans several
instance types; services choose Spot and architecture only on Fargate (on EC2 the hosts decide both)."""

from __future__ import annotations

from collections.abc import Iterator

from generator.blueprint.capacity import ECS_AMIS, architecture_of
from generator.blueprint.errors import KeyPath
from generator.blueprint.model import Blueprint

Problem = tuple[KeyPath, str]
HOSTS: KeyPath = ("cluster", "instances")


def _wrong_architecture(instance_type: str, wanted: str) -> str | None:
    if architecture_of(instance_type) == wanted:
        return None
    if wanted == "arm64":
        return (f"{instance_type} is not a Graviton (arm64) type; arm64 hosts take a Graviton family such as m7g, "
                "c7g, r7g, t4g")
    return (f"{instance_type} is a Graviton (arm64) type; set `cluster.instances.architecture: arm64` or pick an "
            "x86_64 type such as m7i or t3")


def host_architecture(blueprint: Blueprint) -> Iterator[Problem]:
    instances = blueprint.cluster.instances
    if instances is None:
        return
    wanted = instances.architecture
    problem = _wrong_architecture(instances.type, wanted)
    if problem:
        yield (*HOSTS, "type"), problem
    for index, instance_type in enumerate(instances.spot.types if instances.spot else ()):
        problem = _wrong_architecture(instance_type, wanted)
        if problem:
            yield (*HOSTS, "spot", "types", index), problem
    for other, ami in ECS_AMIS.items():
        if other != wanted and instances.ami == ami:
            yield (*HOSTS, "ami"), (f"this is the ECS-optimized AMI for {other}, and the hosts are {wanted}; leave "
                                    "`ami` out to get the right one")


def spot_types(blueprint: Blueprint) -> Iterator[Problem]:
    instances = blueprint.cluster.instances
    spot = instances.spot if instances else None
    if spot is None:
        return
    seen: set[str] = set()
    for index, instance_type in enumerate(spot.types):
        if instance_type in seen:
            yield (*HOSTS, "spot", "types", index), f"{instance_type} is listed twice"
        seen.add(instance_type)
    if len(seen) < 2:
        yield (*HOSTS, "spot", "types"), ("a Spot share needs at least two instance types: Spot capacity of one "
                                          "type runs out, and the group then has no host to start")


def service_capacity_keys(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        if blueprint.launch_type(name) != "ec2":
            continue
        if service.spot:
            yield ("services", name, "spot"), ("a service on EC2 runs where the hosts are; give the hosts a Spot share "
                                               "(`cluster.instances.spot`), or use `launch_type: fargate`")
        if service.architecture is not None:
            yield ("services", name, "architecture"), (
                "a service on EC2 runs on the hosts' architecture; set `cluster.instances.architecture`, or use "
                "`launch_type: fargate`")


RULES = (host_architecture, spot_types, service_capacity_keys)
