"""IAM's own catalogue of actions, as cfn-lint ships it (the data it checks policies with): which
actions exist, and which can be limited to a resource ARN at all."""

from __future__ import annotations

import importlib.util
import json
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any


@cache
def services() -> dict[str, Any]:
    """IAM's services by prefix (their actions, lower-cased, with the resource types each can be limited to,
    and those types' ARN formats): cfn-lint's Policies.json, read from where cfn-lint is installed without
    importing cfn-lint (which takes most of a second; the build's audit must stay well under a tenth):
    about 40 ms, once. The audit (SEC1201) and the Service Catalog launch role both read it here."""
    spec = importlib.util.find_spec("cfnlint")
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise RuntimeError("cfn-lint is not installed; it is a dependency of this package")
    path = Path(locations[0]) / "data" / "AdditionalSpecs" / "Policies.json"
    return dict(json.loads(path.read_bytes()))


def resource_types(action: str) -> tuple[str, ...] | None:
    """The resource types an action can be limited to (empty: AWS offers no resource-level permission
    for it, only `*`), or None for an action IAM does not know (a wildcard, a typo)."""
    service, _, name = action.lower().partition(":")
    spec = (services().get(service) or {}).get("Actions", {}).get(name)
    return None if spec is None else tuple(spec.get("Resources") or ())


def matches(pattern: str, action: str) -> bool:
    """Whether IAM's pattern (`iam:Put*`, `*`, `iam:?assRole`) names the action; case does not matter."""
    if "*" not in pattern and "?" not in pattern:  # most are plain names: no pattern to compile
        return pattern.lower() == action.lower()
    return fnmatchcase(action.lower(), pattern.lower())
