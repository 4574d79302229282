"""Where a set's ECS tasks on EC2 hosts are networked and placed: which task definitions use bridge (or
host) networking, and for each group of cluster hosts, how many awsvpc tasks its services want against
what its most hosts can hold (generator/cfn/density.py).

Read from the templates, as the audit reads everything: a service's task definition and capacity provider
are followed through the nested stacks' parameters. Placement is not a security fact: a value this cannot
read is left out of the count, not reported as unverifiable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from generator.cfn.density import HostDensity, density
from generator.cfn.facts import Facts
from generator.cfn.templates import Lit, Res, Value

FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
SHARED_HOST_MODES = ("bridge", "host")  # containers share the host's interface and security group


@dataclass(frozen=True)
class HostPlacement:
    """A cluster auto scaling group and the awsvpc tasks its services want on it."""

    hosts: Res
    instance_types: tuple[str, ...]
    max_hosts: int | None
    tasks: int
    services: tuple[Res, ...]

    @property
    def densities(self) -> tuple[HostDensity | None, ...]:
        return tuple(density(kind) for kind in self.instance_types)

    @property
    def known(self) -> bool:
        return bool(self.instance_types) and self.max_hosts is not None and None not in self.densities

    def capacity(self, trunking: bool) -> int:
        """The tasks `max_hosts` hosts hold, with the least dense of the group's types (0 when unknown)."""
        if not self.known or self.max_hosts is None:
            return 0
        per_host = min((d.best() if trunking else d.tasks) for d in self.densities if d is not None)
        return per_host * self.max_hosts


def _literals(facts: Facts, file: str, value: Any) -> list[Any]:
    return [item.value for item in facts.set.resolve(file, value) if isinstance(item, Lit)] if value is not None \
        else []


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class Placement:
    """The set's task networking on EC2 hosts, worked out once per set (as `Facts` is)."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts

    @classmethod
    def of(cls, facts: Facts) -> Placement:
        found = facts.set.derived.get(cls)
        if found is None:
            found = facts.set.derived[cls] = cls(facts)
        return found

    def network_modes(self, task_definition: Value) -> set[str]:
        """The task definition's network modes (ECS's default on EC2 is bridge)."""
        if not isinstance(task_definition, Res):
            return set()
        properties = self.facts.set.properties(task_definition)
        modes = {str(mode).lower() for mode in _literals(self.facts, task_definition.file,
                                                          properties.get("NetworkMode"))}
        return modes or ({"bridge"} if "NetworkMode" not in properties else set())

    @cached_property
    def ec2_task_definitions(self) -> dict[Res, set[str]]:
        """Task definitions that may run on EC2 hosts, with their network modes."""
        found = {}
        for ref, properties in self.facts.set.each("AWS::ECS::TaskDefinition"):
            compatibilities = {str(c).upper() for c in _literals(self.facts, ref.file,
                                                                 properties.get("RequiresCompatibilities"))}
            if compatibilities != {"FARGATE"}:
                found[ref] = self.network_modes(ref)
        return found

    @cached_property
    def shares_host_network(self) -> bool:
        """Whether any task on EC2 hosts uses bridge or host networking: then load balancers reach the
        containers through the hosts' group, and that group may admit them."""
        return any(modes & set(SHARED_HOST_MODES) for modes in self.ec2_task_definitions.values())

    @cached_property
    def _providers(self) -> dict[Value, Res]:
        """Capacity provider -> the auto scaling group of its hosts."""
        found = {}
        for ref, properties in self.facts.set.each("AWS::ECS::CapacityProvider"):
            provider = properties.get("AutoScalingGroupProvider") or {}
            groups = self.facts.many(ref.file, provider.get("AutoScalingGroupArn")) if isinstance(provider, dict) \
                else ()
            for group in groups:
                if isinstance(group, Res):
                    found[ref] = group
        return found

    def _hosts_of(self, ref: Res, properties: dict[str, Any]) -> list[Res] | None:
        """The auto scaling groups an ECS service places on; None: it runs on Fargate."""
        if "FARGATE" in {str(t).upper() for t in _literals(self.facts, ref.file, properties.get("LaunchType"))}:
            return None
        strategy = properties.get("CapacityProviderStrategy")
        providers = [p for item in (strategy if isinstance(strategy, list) else []) if isinstance(item, dict)
                     for p in self.facts.many(ref.file, item.get("CapacityProvider"))]
        if any(isinstance(p, Lit) and str(p.value) in FARGATE_PROVIDERS for p in providers):
            return None
        hosts = [self._providers[p] for p in providers if p in self._providers]
        every = sorted(set(self._providers.values()), key=lambda r: (r.file, r.id))
        return hosts or (every if len(every) == 1 else [])

    @cached_property
    def hosts(self) -> list[HostPlacement]:
        """Every cluster auto scaling group with the awsvpc tasks its services want on it."""
        wanted: dict[Res, list[tuple[Res, int]]] = {group: [] for group in self._providers.values()}
        for ref, properties in self.facts.set.each("AWS::ECS::Service"):
            hosts = self._hosts_of(ref, properties)
            definitions = self.facts.many(ref.file, properties.get("TaskDefinition"))
            if not hosts or not any("awsvpc" in self.network_modes(d) for d in definitions):
                continue
            counts = _literals(self.facts, ref.file, properties.get("DesiredCount"))
            count = _int(counts[0], 1) if counts else 1  # CloudFormation's default desired count is 1
            for group in hosts:
                wanted.setdefault(group, []).append((ref, count))
        found = []
        for group, services in sorted(wanted.items(), key=lambda item: (item[0].file, item[0].id)):
            properties = self.facts.set.properties(group)
            types = sorted({str(kind) for launch in self.facts.launches if launch.owner == group
                            for kind in _literals(self.facts, launch.ref.file, launch.data.get("InstanceType"))})
            maximum = _literals(self.facts, group.file, properties.get("MaxSize"))
            found.append(HostPlacement(group, tuple(types), _int(maximum[0]) if len(maximum) == 1 else None,
                                       sum(count for _, count in services), tuple(ref for ref, _ in services)))
        return found
