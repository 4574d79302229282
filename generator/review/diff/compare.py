"""`blueprint diff`: what deploying a change to the generated templates does, resource by resource.

Two template sets (output directories, or a git revision's blueprints built in a scratch worktree) are
compared stack by stack. Every modified resource is classified by CloudFormation's update behaviour,
read from the resource provider schemas cfn-lint ships: a change to a `createOnlyProperties` entry
replaces the resource, one to a `conditionalCreateOnlyProperties` entry may. A few behaviours the
schemas cannot express are known here (`_known_behaviour`): a task definition change registers a new
revision and rolls the service's tasks, a launch template change rolls the auto scaling group's hosts.
Replacement cascades: whatever takes a replaced resource's ID in a create-only property (a subnet's
`VpcId`, across nested stacks through parameters and outputs) is replaced too. A renamed logical ID is
a replacement: CloudFormation deletes the old resource and creates the new one. `Metadata` is ignored:
CloudFormation does not update it on its own. Values are compared as CloudFormation reads them (scalars by
their string form: `80` and `"80"` are one value), and what a resource reads from the template's Mappings
and Conditions is part of it (lookups.py). Stacks are paired by name, not file name: network.json and
network.yaml are one stack written two ways.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from generator.cfn.artifacts import STACK_TYPE
from generator.cfn.templates import TemplateSet, is_function
from generator.review.diff.behaviour import classify
from generator.review.diff.cascade import cascade, note_nested_updates, reachability_changes
from generator.review.diff.lookups import Lookups, names_read
from generator.review.diff.model import (
    ADDED,
    ATTRIBUTES,
    BUCKETS,
    IDENTITY_KEYS,
    IN_PLACE,
    MAY_REPLACE,
    MISSING,
    MODIFIED,
    NAMED_SECTIONS,
    REMOVED,
    RENAMED,
    REPLACEMENT,
    AppDiff,
    Apps,
    Diff,
    DiffInputError,
    NamedChange,
    PropertyChange,
    ResourceChange,
    StackDiff,
)
from generator.review.diff.reading import read_side
from generator.review.diff.shifting import note_shifted_revisions
from generator.review.diff.values import (
    Segment,
    resource_type,
    resources_of,
    same,
    show_path,
    source_of,
    stack_name,
    template_section,
    value_at,
)
from generator.stacks.registry import nesting_order


def diff_directories(base: Path, head: Path, passed_over: list[str] | None = None) -> Diff:
    """Two output directories; two applications' own directories are compared whatever their names.
    Files passed over as no templates are named in `passed_over`."""
    (base_apps, base_single), (head_apps, head_single) = read_side(base, passed_over), read_side(head, passed_over)
    return diff_apps(base_apps, head_apps, pair_single=base_single and head_single)


def diff_apps(base: Apps, head: Apps, *, pair_single: bool = False) -> Diff:
    """Compare applications by name; with `pair_single`, one application on each side is compared
    whatever its directory is called."""
    if pair_single and len(base) == 1 and len(head) == 1:
        base = {next(iter(head)): next(iter(base.values()))}
    apps = []
    for name in sorted(set(base) | set(head)):
        status = ADDED if name not in base else REMOVED if name not in head else MODIFIED
        apps.append(diff_templates(name, base.get(name, {}), head.get(name, {}), status))
    return Diff(apps)


def diff_templates(name: str, base: Mapping[str, dict[str, Any]], head: Mapping[str, dict[str, Any]],
                   status: str = MODIFIED) -> AppDiff:
    app = AppDiff(name, status)
    base = named_as(base, head)
    base_set = TemplateSet.of_documents(base)
    head_set = TemplateSet.of_documents(head)
    for file in sorted(set(base) | set(head), key=_stack_order):
        stack = _diff_stack(file, base.get(file), head.get(file))
        app.stacks.append(stack)
    by_key = {(r.stack, r.logical_id): r for stack in app.stacks for r in stack.resources}
    cascade(head_set, base, by_key, app)
    note_nested_updates(head_set, app)
    for stack in app.stacks:
        stack.resources.sort(key=_resource_order)
    app.stacks = [stack for stack in app.stacks if stack.changed]
    app.reachability = reachability_changes(base_set, head_set)
    return app


def named_as(base: Mapping[str, dict[str, Any]], head: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`base` with each template under the file name HEAD gives its stack (network.json -> network.yaml),
    and the TemplateURLs that name a renamed file following it: the same set written as JSON or YAML is
    no change."""
    for side in (base, head):
        stacks: dict[str, str] = {}
        for file in side:
            if stack_name(file) in stacks:
                raise DiffInputError(f"{stacks[stack_name(file)]} and {file} are both templates of stack "
                                     f"{stack_name(file)!r}; keep one")
            stacks[stack_name(file)] = file
    head_files = {stack_name(file): file for file in head}
    renamed = {file: head_files[stack_name(file)] for file in base
               if stack_name(file) in head_files and head_files[stack_name(file)] != file}
    if not renamed:
        return dict(base)
    return {renamed.get(file, file): _retarget(template, renamed) for file, template in base.items()}


def _retarget(template: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    resources = dict(resources_of(template))
    for rid, entry in resources.items():
        properties = entry.get("Properties")
        url = properties.get("TemplateURL") if isinstance(properties, dict) else None
        if resource_type(entry) != STACK_TYPE or not isinstance(url, str):
            continue
        folder, _, file = url.rpartition("/")
        if file in renamed:
            new_url = f"{folder}/{renamed[file]}" if folder else renamed[file]
            resources[rid] = {**entry, "Properties": {**properties, "TemplateURL": new_url}}
    return {**template, "Resources": resources}


def _stack_order(file: str) -> tuple[int, str]:
    return nesting_order(file), file


def _resource_order(resource: ResourceChange) -> int:
    return BUCKETS.index(resource.bucket)


def _diff_stack(file: str, base: dict[str, Any] | None, head: dict[str, Any] | None) -> StackDiff:
    status = ADDED if base is None else REMOVED if head is None else MODIFIED
    stack = StackDiff(file, status)
    old = resources_of(base)
    new = resources_of(head)
    lookups = Lookups(base), Lookups(head)
    removed = [rid for rid in old if rid not in new]
    added = [rid for rid in new if rid not in old]
    renames = _renames(old, new, removed, added, lookups)
    for rid, entry in new.items():
        if rid in renames.values():
            previous = next(before for before, after in renames.items() if after == rid)
            stack.resources.append(ResourceChange(
                file, rid, resource_type(entry), RENAMED, source_of(entry), renamed_from=previous,
                notes=[f"renamed from {previous}: CloudFormation deletes {previous} and creates {rid}"],
            ))
        elif rid in added:
            stack.resources.append(ResourceChange(file, rid, resource_type(entry), ADDED, source_of(entry)))
        else:
            changes = _resource_changes(old[rid], entry, lookups)
            if changes:
                stack.resources.append(ResourceChange(file, rid, resource_type(entry), MODIFIED, source_of(entry),
                                                      changes))
    for rid in removed:
        if rid not in renames:
            stack.resources.append(ResourceChange(file, rid, resource_type(old[rid]), REMOVED, source_of(old[rid])))
    note_shifted_revisions(stack, new)
    stack.warnings = _collisions(old, new, [r.logical_id for r in stack.resources if r.action in (ADDED, RENAMED)],
                                 [r.renamed_from or r.logical_id for r in stack.resources
                                  if r.action in (REMOVED, RENAMED)])
    if status != MODIFIED:
        return stack  # every parameter and output comes or goes with the stack
    for section in NAMED_SECTIONS:
        before, after = template_section(base, section), template_section(head, section)
        for name in after:
            if name not in before:
                stack.named.append(NamedChange(section, name, ADDED))
            elif not _same_named(section, name, before[name], after[name], lookups):
                stack.named.append(NamedChange(section, name, MODIFIED))
        stack.named.extend(NamedChange(section, name, REMOVED) for name in before if name not in after)
    return stack


def _same_named(section: str, name: str, before: Any, after: Any, lookups: tuple[Lookups, Lookups]) -> bool:
    if section == "Conditions":
        return lookups[0].condition(name) == lookups[1].condition(name)
    if section == "Outputs" and isinstance(before, dict) and isinstance(after, dict):
        return same(lookups[0].resource(before), lookups[1].resource(after))
    return same(before, after)


# What must be unique while both exist: CloudFormation creates a new resource before it deletes the old.
UNIQUE_WHILE_UPDATING: Mapping[str, tuple[str, ...]] = {
    "AWS::ElasticLoadBalancingV2::Listener": ("LoadBalancerArn", "Port"),
    "AWS::EC2::SecurityGroupIngress": ("GroupId", "IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6",
                                       "SourceSecurityGroupId", "SourcePrefixListId"),
    "AWS::EC2::SecurityGroupEgress": ("GroupId", "IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6",
                                      "DestinationSecurityGroupId", "DestinationPrefixListId"),
}


def _collisions(old: dict[str, Any], new: dict[str, Any], added: list[str], removed: list[str]) -> list[str]:
    """A new resource that clashes with one being removed: the update fails before the old one goes."""
    found = []
    for created in added:
        kind = resource_type(new[created])
        keys = UNIQUE_WHILE_UPDATING.get(kind)
        if keys is None:
            continue
        identity = [(new[created].get("Properties") or {}).get(key) for key in keys]
        shared = ", ".join(key for key, value in zip(keys, identity, strict=True) if value is not None)
        for deleted in removed:
            if resource_type(old[deleted]) == kind and same([(old[deleted].get("Properties") or {}).get(key)
                                                             for key in keys], identity):
                found.append(f"{created} is created before {deleted} is deleted, and both have the same {shared}: "
                             "the update fails. Keep the logical ID, or remove the old one in an earlier deployment.")
    return found


def _deployed(entry: dict[str, Any]) -> dict[str, Any]:
    """What CloudFormation acts on: everything but Metadata."""
    return {key: value for key, value in entry.items() if key != "Metadata"}


def _renames(old: dict[str, Any], new: dict[str, Any], removed: list[str], added: list[str],
             lookups: tuple[Lookups, Lookups]) -> dict[str, str]:
    """Removed -> added logical IDs of resources that are the same but for their ID."""
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for before in removed:
        match = [after for after in added if after not in taken
                 and same(lookups[0].resource(_deployed(old[before])), lookups[1].resource(_deployed(new[after])))]
        if len(match) == 1:
            renames[before] = match[0]
            taken.add(match[0])
    return renames


def _resource_changes(old: dict[str, Any], new: dict[str, Any], lookups: tuple[Lookups, Lookups]
                      ) -> list[PropertyChange]:
    kind = resource_type(new)
    if resource_type(old) != kind:
        return [PropertyChange("Type", resource_type(old), kind, REPLACEMENT, "a new resource type")]
    changes = []
    read_old, read_new = lookups[0].resource(old), lookups[1].resource(new)
    raw_old, raw_new = old.get("Properties") or {}, new.get("Properties") or {}
    properties_old, properties_new = read_old.get("Properties") or {}, read_new.get("Properties") or {}
    memo: dict[tuple[int, int], bool] = {}
    for path, _, _ in _walk_diff(properties_old, properties_new, (), memo):
        effect, reason = classify(kind, path, properties_old, properties_new, read_new)
        before, after = value_at(raw_old, path), value_at(raw_new, path)
        if same(before, after):  # as written, the same: what it reads from a Mapping or Condition changed
            reason = f"{reason}; {_lookups_changed(before, lookups)}"
        changes.append(PropertyChange(show_path(path), before, after, effect, reason))
    for attribute in ATTRIBUTES:
        if same(read_old.get(attribute, MISSING), read_new.get(attribute, MISSING)):
            continue
        before, after = old.get(attribute, MISSING), new.get(attribute, MISSING)
        if attribute == "Condition":
            why = "its Condition decides whether it exists: it may be created or deleted"
            changes.append(PropertyChange(attribute, before, after, MAY_REPLACE, why if not same(before, after)
                                          else f"{why}; {_lookups_changed({'Condition': before}, lookups)}"))
        else:
            changes.append(PropertyChange(attribute, before, after, IN_PLACE, "a resource attribute"))
    return changes


def _lookups_changed(value: Any, lookups: tuple[Lookups, Lookups]) -> str:
    """Which of the Mappings and Conditions `value` reads changed."""
    changed = []
    for kind, name in dict.fromkeys(names_read(value)):
        if kind == "Mapping":
            moved = not same(lookups[0].mappings.get(name, MISSING), lookups[1].mappings.get(name, MISSING))
        else:
            moved = lookups[0].condition(name) != lookups[1].condition(name)
        if moved:
            changed.append(f"{kind} {name}")
    return f"reads {', '.join(changed) or 'a Mapping or Condition'}, which changed"


def _walk_diff(old: Any, new: Any, path: tuple[Segment, ...], memo: dict[tuple[int, int], bool]
               ) -> Iterator[tuple[tuple[Segment, ...], Any, Any]]:
    if same(old, new, memo):
        return
    if isinstance(old, dict) and isinstance(new, dict) and not is_function(old) and not is_function(new):
        for key in [*new, *(k for k in old if k not in new)]:
            yield from _walk_diff(old.get(key, MISSING), new.get(key, MISSING), (*path, key), memo)
        return
    if isinstance(old, list) and isinstance(new, list):
        identity = _identity_key(old, new)
        if identity is not None:
            before = {item[identity]: item for item in old}
            after = {item[identity]: item for item in new}
            for name in [*after, *(n for n in before if n not in after)]:
                yield from _walk_diff(before.get(name, MISSING), after.get(name, MISSING),
                                      (*path, (identity, str(name))), memo)
            return
        if len(old) == len(new):
            for index, (before, after) in enumerate(zip(old, new, strict=True)):
                yield from _walk_diff(before, after, (*path, index), memo)
            return
    yield path, old, new


def _identity_key(old: list[Any], new: list[Any]) -> str | None:
    """The key that names each item of both lists uniquely (`Name` of a container, `Key` of a tag)."""
    for key in IDENTITY_KEYS:
        named = all(isinstance(item, dict) and isinstance(item.get(key), str) for item in old + new)
        if named and old + new and all(len({item[key] for item in side}) == len(side) for side in (old, new)):
            return key
    return None


