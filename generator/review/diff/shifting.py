"""Services that shift traffic (ECS blue/green, linear, canary): a new task definition revision is not rolled
onto the running tasks but started beside them, and traffic moves to it. The diff says so, with the strategy,
on the task definition and on the service (behaviour.py asks `shifted_service` for the service's changes)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from generator.cfn.rollouts import strategy_in_words
from generator.review.diff.model import IN_PLACE, NEW_REVISION, REVISION, TASK_DEFINITION, StackDiff
from generator.review.diff.values import resource_type

SERVICE = "AWS::ECS::Service"


def shifted_service(resource: dict[str, Any]) -> tuple[str, str] | None:
    """How a change that starts a new deployment of this service is carried out, when it shifts traffic."""
    words = strategy_in_words(resource.get("Properties") or {})
    return (IN_PLACE, f"new deployment, {words}") if words else None


def note_shifted_revisions(stack: StackDiff, resources: dict[str, Any]) -> None:
    """A task definition's new revision in a template whose service shifts traffic: shifted, not rolled."""
    words = next((found for entry in resources.values() if isinstance(entry, dict) and resource_type(entry) == SERVICE
                  for found in [strategy_in_words(entry.get("Properties") or {})] if found), None)
    if words is None:
        return
    for resource in stack.resources:
        if resource.type == TASK_DEFINITION:
            resource.changes = [replace(change, effect=IN_PLACE, reason=f"{REVISION}: {words}")
                                if change.reason.startswith(NEW_REVISION) else change for change in resource.changes]
