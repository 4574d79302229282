"""Template data as the diff reads it: sections, resource types, blueprint sources, paths into a property,
values compared as CloudFormation compares them, and values shown in one short line or as JSON."""

from __future__ import annotations

import base64
import datetime
import json
import math
from typing import Any

import yaml

from generator.cfn.metadata import SOURCE_KEY
from generator.cfn.templates import split_get_att
from generator.review.diff.model import MISSING, TEMPLATE_SUFFIXES

Segment = str | int | tuple[str, str]  # a mapping key, a list index, or (identity key, its value)


def stack_name(file: str) -> str:
    """The stack a template file is for: its name without the suffix, so network.json and network.yaml
    are one stack written two ways."""
    return next((file[:-len(suffix)] for suffix in TEMPLATE_SUFFIXES if file.endswith(suffix)), file)


def value_at(value: Any, path: tuple[Segment, ...]) -> Any:
    """The value at `path` (as the diff walks it), or MISSING."""
    for segment in path:
        if isinstance(segment, tuple):
            value = next((item for item in value if isinstance(item, dict)
                          and str(item.get(segment[0])) == segment[1]), MISSING) if isinstance(value, list) \
                else MISSING
        elif isinstance(segment, int):
            value = value[segment] if isinstance(value, list) and segment < len(value) else MISSING
        else:
            value = value.get(segment, MISSING) if isinstance(value, dict) else MISSING
    return value


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


# YAML's own rule for an unquoted timestamp: a quoted string that would read as one is the same date.
_TIMESTAMP = next(pattern for tag, pattern in yaml.resolver.Resolver.yaml_implicit_resolvers["2"]
                  if tag == "tag:yaml.org,2002:timestamp")


def scalar_text(value: Any) -> str | None:
    """A scalar's string form, as CloudFormation reads it (`80` and `"80"`, `true` and `"true"`, a date and
    the same date quoted are one value); None for what is no scalar (and for null, which is none)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return None


def _as_timestamp(text: str) -> datetime.date | None:
    if not _TIMESTAMP.match(text):
        return None
    node = yaml.ScalarNode("tag:yaml.org,2002:timestamp", text)
    try:
        found = yaml.constructor.SafeConstructor().construct_yaml_timestamp(node)
    except (ValueError, yaml.YAMLError):
        return None
    return found if isinstance(found, datetime.date) else None


def same(old: Any, new: Any, memo: dict[tuple[int, int], bool] | None = None) -> bool:
    """Whether CloudFormation sees one value: scalars by their string form, mappings whatever the order of
    their keys. Pairs of containers already compared are remembered, so data that shares parts (a value
    read from a Mapping in many places) is compared in linear time."""
    if old is new:
        return True
    if isinstance(old, dict | list | tuple) or isinstance(new, dict | list | tuple):
        memo = {} if memo is None else memo
        key = (id(old), id(new))
        if key not in memo:
            memo[key] = _same_containers(old, new, memo)
        return memo[key]
    if old is None or new is None or old is MISSING or new is MISSING:
        return False
    before, after = scalar_text(old), scalar_text(new)
    if before is None or after is None:
        return bool(old == new)
    if before == after:
        return True
    for date, text in ((old, new), (new, old)):  # `2024-01-01` and "2024-01-01T00:00:00" are no change either
        if isinstance(date, datetime.date) and isinstance(text, str):
            return _as_timestamp(text) == date
    return False


def _same_containers(old: Any, new: Any, memo: dict[tuple[int, int], bool]) -> bool:
    if isinstance(old, dict) and isinstance(new, dict):
        if len(old) != len(new):
            return False
        after = {_key(key): value for key, value in new.items()}
        return all(_key(key) in after and same(value, after[_key(key)], memo) for key, value in old.items())
    if isinstance(old, list | tuple) and isinstance(new, list | tuple):
        return len(old) == len(new) and all(same(a, b, memo) for a, b in zip(old, new, strict=True))
    return False


def _key(key: Any) -> str:
    text = scalar_text(key)
    return text if text is not None else repr(key)


def plain(value: Any) -> Any:
    """The value as JSON can hold it: any scalar YAML produces (dates, binary, sets, NaN) in its string form."""
    if value is MISSING or value is None:
        return None
    if isinstance(value, dict):
        return {_key(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(item) for item in value), key=str)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    text = scalar_text(value)
    return text if text is not None else str(value)


def show_value(value: Any, limit: int = 80) -> str:
    """A property value in one short line: `Ref Vpc`, `GetAtt Vpc.CidrBlock`, compact JSON otherwise."""
    if value is MISSING:
        return "(none)"
    if scalar_text(value) is not None:
        text = str(scalar_text(value))
    elif isinstance(value, dict) and len(value) == 1 and "Ref" in value:
        text = f"Ref {value['Ref']}"
    elif isinstance(value, dict) and len(value) == 1 and "Fn::GetAtt" in value:
        target, attribute = split_get_att(value["Fn::GetAtt"])
        text = f"GetAtt {target}.{attribute}"
    else:
        text = json.dumps(plain(value), sort_keys=True, separators=(",", ":"))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
