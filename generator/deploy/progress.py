"""Stack events as they arrive: the root's and every nested stack's, oldest first, each printed once.

Nested stacks are found through the events themselves (a stack resource's physical ID is the nested
stack), so stacks being replaced or rolled back are followed too. "New" means after the root's last
event before the change set was executed, on CloudFormation's clock, so no local clock is trusted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from generator.cfn.artifacts import STACK_TYPE

DONE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "IMPORT_COMPLETE", "DELETE_SKIPPED"})


@dataclass(frozen=True)
class StackEvent:
    id: str
    timestamp: datetime
    path: str  # the stack the event belongs to, from the root: "" (the root), "ApiService", "A/B"
    stack_id: str
    logical_id: str
    physical_id: str
    resource_type: str
    status: str
    reason: str

    @property
    def about_the_stack_itself(self) -> bool:
        return self.physical_id == self.stack_id

    @property
    def label(self) -> str:
        if self.about_the_stack_itself:
            return self.path or self.logical_id  # a nested stack's own events: its path; the root's: its name
        return f"{self.path}/{self.logical_id}" if self.path else self.logical_id

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")

    def render(self, done: int, total: int) -> str:
        when = self.timestamp.astimezone().strftime("%H:%M:%S")
        width = len(str(total))
        line = f"{when}  [{done:>{width}}/{total}]  {self.label}  {self.resource_type}  {self.status}"
        return f"{line}  {self.reason}" if self.reason else line


class EventStream:
    """New events of a stack tree. Call start() before executing, then poll() until the stack settles."""

    def __init__(self, cfn: Any, stack_name: str, expected: int = 0) -> None:
        self.cfn = cfn
        self.stack_name = stack_name
        self.expected = expected
        self.since: datetime | None = None
        self.seen: set[str] = set()
        self.stacks: dict[str, str] = {}  # stack name or ID -> path
        self.done: set[tuple[str, str]] = set()
        self.resources: set[tuple[str, str]] = set()
        self.failures: list[StackEvent] = []

    def start(self) -> None:
        """Remember what happened so far: only later events are reported."""
        self.stacks = {self.stack_name: ""}
        for event in self._events(self.stack_name, ""):
            self.seen.add(event.id)
            if self.since is None or event.timestamp > self.since:
                self.since = event.timestamp

    @property
    def total(self) -> int:
        return max(self.expected, len(self.resources))

    def poll(self) -> list[str]:
        """Events since the last poll, across the tree, oldest first, as lines with the counter as it
        stood at each; nested stacks found on the way."""
        new: list[StackEvent] = []
        queue = list(self.stacks.items())
        while queue:
            stack, path = queue.pop(0)
            for event in self._events(stack, path):
                if event.id in self.seen or (self.since is not None and event.timestamp < self.since):
                    continue
                self.seen.add(event.id)
                new.append(event)
                nested = event.resource_type == STACK_TYPE and event.physical_id and not event.about_the_stack_itself
                if nested and event.physical_id not in self.stacks:
                    self.stacks[event.physical_id] = event.label
                    queue.append((event.physical_id, event.label))
        new.sort(key=lambda event: event.timestamp)
        lines = []
        for event in new:
            self._count(event)
            if event.about_the_stack_itself and event.path:
                continue  # a nested stack's own status: its parent's event for it already says so
            lines.append(event.render(len(self.done), self.total))
        return lines

    def _count(self, event: StackEvent) -> None:
        if event.failed:
            self.failures.append(event)
        if event.about_the_stack_itself:
            return
        resource = (event.path, event.logical_id)
        self.resources.add(resource)
        if event.status in DONE:
            self.done.add(resource)

    def _events(self, stack: str, path: str) -> Iterator[StackEvent]:
        """The stack's events, newest first as CloudFormation lists them; stops paging at old ones."""
        from botocore.exceptions import ClientError

        try:
            for page in self.cfn.get_paginator("describe_stack_events").paginate(StackName=stack):
                events = [_event(raw, path) for raw in page.get("StackEvents") or []]
                yield from events
                if self.since is not None and events and all(e.timestamp < self.since for e in events):
                    return
        except ClientError:
            if path:  # a nested stack already deleted (moto forgets them; AWS keeps them by ID)
                return
            raise


def _event(raw: dict[str, Any], path: str) -> StackEvent:
    return StackEvent(
        id=str(raw.get("EventId", "")), timestamp=raw["Timestamp"], path=path, stack_id=str(raw.get("StackId", "")),
        logical_id=str(raw.get("LogicalResourceId", "")), physical_id=str(raw.get("PhysicalResourceId") or ""),
        resource_type=str(raw.get("ResourceType", "")), status=str(raw.get("ResourceStatus", "")),
        reason=" ".join(str(raw.get("ResourceStatusReason") or "").split()),
    )


def failure_lines(failures: list[StackEvent]) -> list[str]:
    """One line per failed resource, oldest (usually the cause) first; the stack's own FAILED events
    (which only repeat "the following resource(s) failed") left out when a resource says more."""
    resources = [event for event in failures if not event.about_the_stack_itself]
    chosen = resources or failures
    return [f"{event.label} ({event.resource_type}) {event.status}: {event.reason or 'no reason given'}"
            for event in chosen]
