"""CloudFormation's resource schemas as cfn-lint ships them (the data it validates templates against), read
from where cfn-lint is installed without importing cfn-lint, which takes most of a second (the same way
iam_data.py reads IAM's catalogue): under a millisecond per type. For values the blueprint must offer
exactly as CloudFormation takes them, so that no list is copied by hand."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

REGION = "us-east-1"  # the region whose schema cfn-lint treats as the reference


def _schemas() -> Path:
    spec = importlib.util.find_spec("cfnlint")
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise RuntimeError("cfn-lint is not installed; it is a dependency of this package")
    return Path(locations[0]) / "data" / "schemas"


@cache
def resource_schema(resource_type: str) -> dict[str, Any]:
    """The resource type's schema: cfn-lint keeps one file per distinct schema, named in a per-region index."""
    schemas = _schemas()
    index = json.loads((schemas / "providers" / f"{REGION}.json").read_bytes())
    return dict(json.loads((schemas / "resources" / f"{index[resource_type]}.json").read_bytes()))


def allowed_values(resource_type: str, property_name: str) -> tuple[Any, ...]:
    """The `enum` of a top-level property: every value CloudFormation accepts for it, in the schema's order."""
    return tuple(resource_schema(resource_type)["properties"][property_name]["enum"])
