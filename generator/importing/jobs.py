"""Copilot Scheduled Job manifests as the blueprint's `jobs:` entries."""

from __future__ import annotations

from generator.importing import values
from generator.importing.context import Context, Converted
from generator.importing.manifest import View
from generator.importing.task import task_fields

SCHEDULED_JOB = "Scheduled Job"
MAX_RETRIES = 185  # EventBridge Scheduler's most retry attempts


def convert_job(view: View, name: str, context: Context) -> Converted:
    """The blueprint keys of one job manifest, or of one environment's override of it."""
    converted = task_fields(view, name, context)
    fields = converted.fields
    if "architecture" in fields:
        del fields["architecture"]
        view.leave("platform", reason="a job's tasks run on x86_64 here (jobs take no architecture)")
    if view.has("on", "schedule"):
        text = view.text("on", "schedule")
        if text is not None:
            try:
                fields["schedule"] = values.schedule(text)
            except ValueError as exc:
                view.leave("on", "schedule", reason=str(exc))
    elif view.environment is None:
        view.leave("on", reason="a job needs on.schedule; none is given")
    if view.has("timeout"):
        text = view.text("timeout")
        if text is not None:
            try:
                minutes, whole = values.whole_minutes(text)
                fields["timeout_minutes"] = minutes
                if not whole:
                    view.leave("timeout", reason=f"{text} is not whole minutes; written as {minutes} "
                               "(timeout_minutes)")
            except ValueError as exc:
                view.leave("timeout", reason=str(exc))
    if view.has("retries"):
        retries = view.integer("retries", low=0, high=MAX_RETRIES)
        if retries is not None:
            fields["retries"] = retries
    placement = view.text("network", "vpc", "placement")
    if placement is not None and placement != "private":
        view.leave("network", "vpc", "placement",
                   reason="jobs always run in private subnets here, without public IPs (SPEC 5.1)")
    return converted
