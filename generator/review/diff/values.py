"""Template data as the diff reads it: sections, resource types, blueprint sources, paths into a property
and values shown in one short line."""

from __future__ import annotations

import json
from typing import Any

from generator.cfn.metadata import SOURCE_KEY
from generator.cfn.templates import split_get_att
from generator.review.diff.model import MISSING

Segment = str | int | tuple[str, str]  # a mapping key, a list index, or (identity key, its value)


def resources_of(template: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    resources = (template or {}).get("Resources") or {}
    return {str(rid): entry for rid, entry in resources.items() if isinstance(entry, dict)}


def template_section(template: dict[str, Any] | None, section: str) -> dict[str, Any]:
    value = (template or {}).get(section) or {}
    return value if isinstance(value, dict) else {}


def resource_type(entry: dict[str, Any]) -> str:
    return str(entry.get("Type", "?"))


def source_of(entry: dict[str, Any]) -> str | None:
    source = (entry.get("Metadata") or {}).get(SOURCE_KEY) if isinstance(entry.get("Metadata"), dict) else None
    if isinstance(source, list):
        return ", ".join(str(item) for item in source)
    return str(source) if source is not None else None


def show_path(path: tuple[Segment, ...]) -> str:
    text = ""
    for segment in path:
        if isinstance(segment, tuple):
            text += f"[{segment[1]}]"
        else:
            text += f"/{segment}"
    return text or "/"


def show_value(value: Any, limit: int = 80) -> str:
    """A property value in one short line: `Ref Vpc`, `GetAtt Vpc.CidrBlock`, compact JSON otherwise."""
    if value is MISSING:
        return "(none)"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str | int | float):
        text = str(value)
    elif isinstance(value, dict) and len(value) == 1 and "Ref" in value:
        text = f"Ref {value['Ref']}"
    elif isinstance(value, dict) and len(value) == 1 and "Fn::GetAtt" in value:
        target, attribute = split_get_att(value["Fn::GetAtt"])
        text = f"GetAtt {target}.{attribute}"
    else:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
