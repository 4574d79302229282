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

from generator.blueprint.model import Blueprint, Strict


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
            elif isinstance(value, dict):
                for item, member in value.items():
                    if isinstance(member, Strict):
                        yield from _walk(blueprint, member, (*key, str(item)))
            continue
        if isinstance(value, Strict):  # a whole block left out: each of its keys is a default
            yield from _walk(blueprint, value, key)
            continue
        resolved = name in dependent
        shown = dependent[name] if resolved else value
        yield Default(".".join(key), _plain(shown), info.description or "", resolved)


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
    lines = [f"{source}: {len(found)} values left to their defaults (`resolved`: worked out from other keys)", ""]
    for default in found:
        mark = "  (resolved)" if default.resolved else ""
        lines.append(f"{default.path} = {show(default.value)}{mark}")
        lines.append(f"    {default.why}")
    return "\n".join(lines) + "\n"


def as_json(blueprint: Blueprint, source: str) -> str:
    found = [{"path": d.path, "value": d.value, "resolved": d.resolved, "why": d.why} for d in defaults(blueprint)]
    return json.dumps({"blueprint": source, "name": blueprint.name, "defaults": found}, indent=2) + "\n"
