"""Change sets: create one for the root (nested stacks included), wait for it, and summarise it.

The summary walks nested change sets through the `ChangeSetId` CloudFormation gives each nested
stack's change, so resources inside nested stacks are listed under their stack: `ApiService/Service`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.deploy.aws import StackFailed

NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
PENDING = ("CREATE_PENDING", "CREATE_IN_PROGRESS")
SYMBOLS = {"Add": "+", "Modify": "~", "Remove": "-", "Import": ">", "Dynamic": "?"}


@dataclass(frozen=True)
class ResourceChange:
    path: str  # the nested stack holding the resource, from the root: "" (the root), "ApiService", "A/B"
    action: str  # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # for Modify: "True", "False" or "Conditional"
    nested_change_set: str = ""  # the nested stack's own change set, when CloudFormation made one

    @property
    def label(self) -> str:
        return f"{self.path}/{self.logical_id}" if self.path else self.logical_id

    @property
    def replaces(self) -> bool:
        return self.action == "Modify" and self.replacement in ("True", "Conditional")


@dataclass
class ChangeSet:
    id: str
    name: str
    stack_name: str
    stack_id: str
    change_set_type: str  # CREATE | UPDATE
    status: str
    reason: str
    changes: list[ResourceChange] = field(default_factory=list)

    @property
    def has_no_changes(self) -> bool:
        """CloudFormation's "didn't contain changes", or (moto) a complete change set listing nothing."""
        if self.status == "FAILED":
            return any(marker in self.reason for marker in NO_CHANGES)
        return self.status == "CREATE_COMPLETE" and not self.changes

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    def render(self) -> str:
        width = max((len(change.label) for change in self.changes), default=0)
        type_width = max((len(change.resource_type) for change in self.changes), default=0)
        lines = [f"change set {self.name} ({self.change_set_type} of stack {self.stack_name}):"]
        for change in self.changes:
            line = (f"  {SYMBOLS.get(change.action, '?')} {change.action:<7} {change.label:<{width}}  "
                    f"{change.resource_type:<{type_width}}")
            if change.replacement == "True":
                line += "  REPLACED"
            elif change.replacement == "Conditional":
                line += "  may be replaced"
            lines.append(line.rstrip())
        lines.append(self.totals())
        return "\n".join(lines) + "\n"

    def totals(self) -> str:
        modify = f"{self.count('Modify')} to modify"
        replaced = [change for change in self.changes if change.replaces]
        if replaced:
            modify += f" ({len(replaced)} replaced or possibly replaced: {', '.join(c.label for c in replaced)})"
        parts = [f"{self.count('Add')} to add", modify, f"{self.count('Remove')} to remove"]
        others = len(self.changes) - sum(self.count(action) for action in ("Add", "Modify", "Remove"))
        if others:
            parts.append(f"{others} other")
        return ", ".join(parts)


def create(cfn: Any, *, stack_name: str, name: str, change_set_type: str, template_url: str,
           parameters: list[dict[str, Any]], tags: list[dict[str, str]], capabilities: tuple[str, ...],
           description: str) -> str:
    response = cfn.create_change_set(
        StackName=stack_name, ChangeSetName=name, ChangeSetType=change_set_type, TemplateURL=template_url,
        Parameters=parameters, Tags=tags, Capabilities=list(capabilities), IncludeNestedStacks=True,
        Description=description[:1024],
    )
    return str(response["Id"])


def wait(cfn: Any, change_set_id: str, *, poll_seconds: float, timeout: float = 1800.0) -> None:
    """Until CloudFormation has finished computing the change set (nested ones included)."""
    deadline = time.monotonic() + timeout
    while cfn.describe_change_set(ChangeSetName=change_set_id)["Status"] in PENDING:
        if time.monotonic() > deadline:
            raise StackFailed(f"change set {change_set_id} still not ready after {timeout:.0f}s")
        time.sleep(poll_seconds)


def describe(cfn: Any, change_set_id: str, change_set_type: str) -> ChangeSet:
    """The change set with every change, nested change sets' changes listed after their stack's.
    (DescribeChangeSet does not say whether it creates or updates the stack: the caller knows.)"""
    first, changes = _pages(cfn, change_set_id)
    result = ChangeSet(
        id=first.get("ChangeSetId", change_set_id), name=first.get("ChangeSetName", ""),
        stack_name=first.get("StackName", ""), stack_id=first.get("StackId", ""), change_set_type=change_set_type,
        status=first.get("Status", ""), reason=" ".join(str(first.get("StatusReason") or "").split()),
    )
    result.changes = _walk(cfn, changes, "", {result.id})
    return result


def _walk(cfn: Any, changes: list[Mapping[str, Any]], path: str, seen: set[str]) -> list[ResourceChange]:
    found: list[ResourceChange] = []
    for entry in changes:
        raw = entry.get("ResourceChange") or {}
        change = ResourceChange(
            path=path, action=raw.get("Action", ""), logical_id=raw.get("LogicalResourceId", ""),
            resource_type=raw.get("ResourceType", ""), replacement=raw.get("Replacement", "") or "",
            nested_change_set=raw.get("ChangeSetId", "") or "",
        )
        found.append(change)
        if change.nested_change_set and change.nested_change_set not in seen:
            seen.add(change.nested_change_set)
            _, nested = _pages(cfn, change.nested_change_set)
            found.extend(_walk(cfn, nested, change.label, seen))
    return found


def _pages(cfn: Any, change_set_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    first: dict[str, Any] = {}
    changes: list[dict[str, Any]] = []
    for page in cfn.get_paginator("describe_change_set").paginate(ChangeSetName=change_set_id):
        first = first or page
        changes.extend(page.get("Changes") or [])
    return first, changes

