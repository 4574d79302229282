"""The deploy preview's word on services that shift traffic (ECS blue/green, linear, canary): a change set
shows their task definition as REPLACED, which for them means a new revision started beside the old tasks
and traffic moved to it, not tasks replaced in place. The strategy is read from the built templates."""

from __future__ import annotations

from collections.abc import Mapping

from generator.cfn.artifacts import ROOT, STACK_TYPE
from generator.cfn.reader import TemplateReadError, read_template
from generator.cfn.rollouts import strategy_in_words
from generator.deploy.changeset import ChangeSet

SHIFTED_TYPES = ("AWS::ECS::TaskDefinition", "AWS::ECS::Service")


def shifted_stacks(files: Mapping[str, bytes]) -> dict[str, str]:
    """The root's nested stacks whose service shifts traffic, by logical ID, with the strategy in words."""
    try:
        root = read_template(files[ROOT], ROOT)
    except (KeyError, TemplateReadError):
        return {}
    found: dict[str, str] = {}
    for stack_id, resource in (root.get("Resources") or {}).items():
        url = (resource.get("Properties") or {}).get("TemplateURL") if isinstance(resource, dict) else None
        if not isinstance(resource, dict) or resource.get("Type") != STACK_TYPE or url not in files:
            continue
        try:
            child = read_template(files[url], str(url))
        except TemplateReadError:
            continue
        for entry in (child.get("Resources") or {}).values():
            words = strategy_in_words(entry.get("Properties") or {}) \
                if isinstance(entry, dict) and entry.get("Type") == "AWS::ECS::Service" else None
            if words:
                found[stack_id] = words
    return found


def shifted_notes(changes: ChangeSet, shifted: Mapping[str, str]) -> str:
    """One line per nested stack of `shifted` whose task definition or service the change set changes."""
    stacks = dict.fromkeys(change.path for change in changes.changes
                           if change.resource_type in SHIFTED_TYPES and change.action == "Modify"
                           and change.path in shifted)
    return "".join(f"note: {stack}: the new task definition is {shifted[stack]}\n" for stack in stacks)
