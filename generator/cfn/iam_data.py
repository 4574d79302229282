"""IAM's own catalogue of actions, as cfn-lint ships it (the data it checks policies with): which
actions exist, and which can be limited to a resource ARN at all."""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import cache
from typing import Any


@cache
def _services() -> dict[str, Any]:
    from cfnlint.data import AdditionalSpecs  # imported late: loading the data costs a tenth of a second
    from cfnlint.helpers import load_resource

    return dict(load_resource(AdditionalSpecs, "Policies.json"))


def resource_types(action: str) -> tuple[str, ...] | None:
    """The resource types an action can be limited to (empty: AWS offers no resource-level permission
    for it, only `*`), or None for an action IAM does not know (a wildcard, a typo)."""
    service, _, name = action.lower().partition(":")
    spec = (_services().get(service) or {}).get("Actions", {}).get(name)
    return None if spec is None else tuple(spec.get("Resources") or ())


def matches(pattern: str, action: str) -> bool:
    """Whether IAM's pattern (`iam:Put*`, `*`, `iam:?assRole`) names the action; case does not matter."""
    return fnmatchcase(action.lower(), pattern.lower())
