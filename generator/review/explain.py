"""`blueprint explain`: every value a blueprint leaves to a default, what the default is, and why.

What was left out is what pydantic did not see (`model_fields_set`); the why is the field's own
description in the model, the same text `blueprint schema` gives editors. Defaults that depend on
other keys are shown resolved, as the stacks use them: each block of the model says which those are
(`resolved_defaults`), so this module never names a field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from generator.blueprint.existing_network import explanation as network_explanation
from generator.blueprint.model import Blueprint, Strict
from generator.cfn.density import SOURCE, TABLE_DATE, density
from generator.words import counted


@dataclass(frozen=True)
class Default:
    path: str  # blueprint key path: services.api.launch_type
    value: Any  # what the generator uses
    why: str  # the field's description
    resolved: bool = False  # worked out from other keys, not a fixed default


def defaults(blueprint: Blueprint) -> list[Default]:
    """Every key the blueprint leaves out, in the blueprint's own order."""
    return list(_walk(blueprint, blueprint, ()))


def _walk(blueprint: Blueprint, model: Strict, path: tuple[str, ...]) -> Iterator[Default]:
    dependent = model.resolved_defaults(blueprint)  # the model knows which defaults follow other keys
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = (*path, name)
        if name in model.model_fields_set:
            if isinstance(value, Strict):
                yield from _walk(blueprint, value, key)
            elif isinstance(value, (dict, list)):  # blocks by name, or in a list (`egress`) by index
                for item, member in value.items() if isinstance(value, dict) else enumerate(value):
                    if isinstance(member, Strict):
                        yield from _walk(blueprint, member, (*key, str(item)))
            continue
        if isinstance(value, Strict):  # a whole block left out: each of its keys is a default
            yield from _walk(blueprint, value, key)
            continue
        resolved = name in dependent
        shown = dependent[name] if resolved else value
        yield Default(".".join(key), _plain(shown), info.description or "", resolved)


def hosts(blueprint: Blueprint) -> list[str]:
    """What the EC2 hosts hold, in sentences: their network mode and, for awsvpc, tasks per host with and
    without ENI trunking against the EC2 services' desired tasks. Empty for a cluster without hosts."""
    instances = blueprint.cluster.instances
    if instances is None:
        return []
    wanted = sum(service.resolved_count for name, service in blueprint.services.items()
                 if blueprint.launch_type(name) == "ec2")
    if instances.network_mode == "bridge":
        return [f"cluster.instances.network_mode = bridge: the EC2 services' containers share the hosts' interface "
                "and security group, which admits every EC2 load balancer on ports 32768-60999; any container on "
                "the hosts can reach every internal load balancer an EC2 service calls, all EC2 services share one "
                "egress policy, and the host group's 60-rule quota caps the cluster at about 60 load-balanced EC2 "
                f"services. Placement is bound by CPU and memory only; the EC2 services want {wanted} tasks."]
    found = density(instances.type)
    if found is None:
        return [f"cluster.instances.network_mode = awsvpc: each task takes a network interface; the interface "
                f"limit of {instances.type} is not in the table of {TABLE_DATE} ({SOURCE}): check that "
                f"{instances.max} hosts place the EC2 services' {wanted} tasks"]
    trunked = (f"{found.trunk_tasks} with ENI trunking (the awsvpcTrunking account setting; `blueprint deploy` "
               f"checks it), {found.trunk_tasks * instances.max} on {instances.max} hosts" if found.trunk_tasks
               else "and the type does not support ENI trunking")
    return [f"cluster.instances.network_mode = awsvpc: each task takes a network interface. A {instances.type} host "
            f"runs {found.tasks} awsvpc tasks without trunking ({found.tasks * instances.max} on {instances.max} "
            f"hosts), {trunked}. The EC2 services want {wanted} tasks. (Figures of {TABLE_DATE}: {SOURCE}.)"]


def _plain(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else value


def show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, separators=(", ", ": "))


def as_text(blueprint: Blueprint, source: str) -> str:
    found = defaults(blueprint)
    lines = [f"{source}: {counted(len(found), 'value')} left to their defaults "
             "(`resolved`: worked out from other keys)", ""]
    for default in found:
        mark = "  (resolved)" if default.resolved else ""
        lines.append(f"{default.path} = {show(default.value)}{mark}")
        lines.append(f"    {default.why}")
    network_lines = network_explanation(blueprint)  # an existing VPC: what is trusted, what deploy checks
    if network_lines:
        lines += ["", "Existing network:", *(f"    {line}" for line in network_lines)]
    density_lines = hosts(blueprint)
    if density_lines:
        lines += ["", "EC2 hosts:", *(f"    {line}" for line in density_lines)]
    return "\n".join(lines) + "\n"


def as_json(blueprint: Blueprint, source: str) -> str:
    found = [{"path": d.path, "value": d.value, "resolved": d.resolved, "why": d.why} for d in defaults(blueprint)]
    return json.dumps({"blueprint": source, "name": blueprint.name, "defaults": found, "hosts": hosts(blueprint),
                       "existing_network": network_explanation(blueprint)}, indent=2) + "\n"
