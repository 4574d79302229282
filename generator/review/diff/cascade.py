"""What a change sets off elsewhere: replacement cascades through references (across nested stacks),
nested stacks that update because a child changed, and reachability between security groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.cfn.artifacts import STACK_TYPE
from generator.cfn.templates import TemplateSet
from generator.review.diff.behaviour import classify
from generator.review.diff.model import (
    ADDED,
    IN_A_VPC,
    IN_PLACE,
    LAUNCH_TEMPLATE,
    MODIFIED,
    MOVES_VPC,
    REMOVED,
    REPLACEMENT,
    VPC_BOUND,
    VPC_TYPE,
    AppDiff,
    PropertyChange,
    ReachChange,
    ResourceChange,
    renews,
)
from generator.review.diff.values import (
    Segment,
    resource_type,
    resources_of,
    show_path,
    source_of,
    value_at,
)


def cascade(head: TemplateSet, base: Mapping[str, dict[str, Any]], by_key: dict[tuple[str, str], ResourceChange],
             app: AppDiff) -> None:
    """Whatever takes the ID of a resource that gets a new one changes with it; replacements spread."""
    renewed: set[tuple[str, str]] = {key for key, change in by_key.items() if change.new_identity}
    versions: set[tuple[str, str]] = {  # a launch template's LatestVersionNumber moves on
        key for key, change in by_key.items()
        if change.type == LAUNCH_TEMPLATE and any(c.path.startswith("/LaunchTemplateData")
                                                             for c in change.changes)
    }
    existing = [(file, rid, entry) for file, template in head.templates.items()
                for rid, entry in template.resources.items()
                if isinstance(entry, dict)
                and resource_type(resources_of(base.get(file)).get(rid) or {}) == resource_type(entry)]

    def causes(file: str, rid: str, entry: dict[str, Any]) -> dict[tuple[Segment, ...], list[tuple[str, str]]]:
        found: dict[tuple[Segment, ...], list[tuple[str, str]]] = {}
        for reference in head.references(file, entry.get("Properties") or {}):  # across nested stacks
            target = (reference.target.file, reference.target.id)
            if target == (file, rid):
                continue
            if target in renewed:
                cause = ("vpc" if _in_replaced_vpc(head, target, renewed) else "id", _name(*target))
            elif target in versions and reference.attribute == "LatestVersionNumber":
                cause = ("version", _name(*target))
            else:
                continue
            if cause not in found.setdefault(reference.where, []):
                found[reference.where].append(cause)
        return found

    growing = True
    while growing:  # first the fixpoint: which resources end up with a new ID (or launch template version)
        growing = False
        for file, rid, entry in existing:
            for path, found in causes(file, rid, entry).items():
                effect, reason = _classify_caused(entry, path, found)
                if (file, rid) not in renewed and renews(resource_type(entry), effect, reason):
                    renewed.add((file, rid))
                    growing = True
                if resource_type(entry) == LAUNCH_TEMPLATE and path[:1] == ("LaunchTemplateData",) \
                        and (file, rid) not in versions:
                    versions.add((file, rid))
                    growing = True
    stacks = {stack.file: stack for stack in app.stacks}
    for file, rid, entry in existing:  # then one pass that records every consequence with all its causes
        for path, found in causes(file, rid, entry).items():
            change = by_key.get((file, rid))
            shown = show_path(path)
            if change is not None and any(c.path == shown for c in change.changes):
                continue
            if change is None:
                change = by_key[(file, rid)] = ResourceChange(file, rid, resource_type(entry), MODIFIED,
                                                              source_of(entry))
                stacks[file].resources.append(change)
            effect, reason = _classify_caused(entry, path, found)
            value = value_at(entry.get("Properties") or {}, path)
            change.changes.append(PropertyChange(shown, value, value, effect, f"{reason}; {_consequence(found)}",
                                                 via=", ".join(name for _, name in found)))


def _in_replaced_vpc(head: TemplateSet, target: tuple[str, str], renewed: set[tuple[str, str]]) -> bool:
    """Whether a subnet or security group is new because its VPC is: what names it moves to another VPC."""
    entry = head.templates[target[0]].resources.get(target[1])
    if not isinstance(entry, dict) or resource_type(entry) not in IN_A_VPC:
        return False
    vpc = (entry.get("Properties") or {}).get("VpcId") if isinstance(entry.get("Properties"), dict) else None
    return any((ref.target.file, ref.target.id) in renewed and resource_type(head.resource(ref.target)) == VPC_TYPE
               for ref in head.references(target[0], vpc))


def _classify_caused(entry: dict[str, Any], path: tuple[Segment, ...], found: list[tuple[str, str]]
                     ) -> tuple[str, str]:
    """How a resource updates when what it names gets a new ID; a VPC-bound one cannot follow it to
    another VPC."""
    kind = resource_type(entry)
    if path and path[0] in VPC_BOUND.get(kind, ()) and any(cause == "vpc" for cause, _ in found):
        return REPLACEMENT, MOVES_VPC
    return classify(kind, path, {}, {}, entry)


def _consequence(causes: list[tuple[str, str]]) -> str:
    ids = [name for kind, name in causes if kind in ("id", "vpc")]
    versions = [name for kind, name in causes if kind == "version"]
    parts = []
    if ids:
        parts.append(f"{', '.join(ids)} {'gets a new ID' if len(ids) == 1 else 'get new IDs'}")
    if versions:
        parts.append(f"takes a new version of {', '.join(versions)}")
    return " and ".join(parts)


def _name(file: str, logical_id: str) -> str:
    return f"{logical_id} ({file})"


def note_nested_updates(head: TemplateSet, app: AppDiff) -> None:
    """A nested stack whose template changed is updated, in place, even when its own properties did not."""
    changed = {stack.file for stack in app.stacks if stack.status == MODIFIED and stack.changed}
    stacks = {stack.file: stack for stack in app.stacks}
    for (parent, stack_id), child in sorted(head.children.items()):
        if child not in changed or parent not in stacks or stacks[parent].status != MODIFIED:
            continue
        existing = next((r for r in stacks[parent].resources if r.logical_id == stack_id), None)
        if existing is not None and existing.action != MODIFIED:
            continue
        entry = head.templates[parent].resources.get(stack_id) or {}
        if existing is None:
            existing = ResourceChange(parent, stack_id, STACK_TYPE, MODIFIED, source_of(entry))
            stacks[parent].resources.append(existing)
        url = (entry.get("Properties") or {}).get("TemplateURL")
        existing.changes.append(PropertyChange("/TemplateURL", url, url, IN_PLACE,
                                               f"nested stack update: {child} changed", via=None))


def reachability_changes(base: TemplateSet, head: TemplateSet) -> list[ReachChange]:
    """Paths opened or closed; actors are matched by identity, so a relabelled one (the hosts gain a
    service) is not a change."""
    from generator.review.diagram import reachability

    def rows(templates: TemplateSet) -> dict[tuple[str, str, str], tuple[str, str]]:
        found = reachability(templates) if templates.templates else []
        return {(r.source.key, r.target.key, r.ports): (r.source.label, r.target.label) for r in found}

    before, after = rows(base), rows(head)
    changes = [ReachChange(ADDED, *after[key], key[2]) for key in after if key not in before]
    changes += [ReachChange(REMOVED, *before[key], key[2]) for key in before if key not in after]
    return sorted(changes, key=lambda c: (c.source, c.target, c.action))
