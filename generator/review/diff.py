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
CloudFormation does not update it on its own.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from generator.cfn.artifacts import STACK_TYPE
from generator.cfn.templates import Res, TemplateSet
from generator.review.sourcemap import SOURCE_KEY

REPLACEMENT, MAY_REPLACE, INTERRUPTION, IN_PLACE = "replacement", "may-replace", "interruption", "in-place"
EFFECTS = (REPLACEMENT, MAY_REPLACE, INTERRUPTION, IN_PLACE)  # worst first
ADDED, REMOVED, MODIFIED, RENAMED = "added", "removed", "modified", "renamed"
BUCKETS = (*EFFECTS, ADDED, REMOVED)  # the summary's columns, in the order a reviewer needs them
FAIL_ON = ("replacement", "may-replace", "removal", "any")
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
NEW_REVISION = "new task definition revision: the service rolls its tasks onto it"
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
ATTRIBUTES = ("Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "CreationPolicy", "UpdatePolicy")
IDENTITY_KEYS = ("Key", "Name", "DeviceName")  # list items matched by these read better than by position
# An ECS service starts a new deployment (rolls its tasks) when one of these changes.
ROLLING_SERVICE_PROPERTIES = frozenset({
    "TaskDefinition", "NetworkConfiguration", "LoadBalancers", "PlacementStrategies", "PlacementConstraints",
    "CapacityProviderStrategy", "PlatformVersion", "ServiceConnectConfiguration", "VolumeConfigurations",
})
ROLLING_GROUP_PROPERTIES = frozenset({"LaunchTemplate", "MixedInstancesPolicy", "VPCZoneIdentifier",
                                      "LaunchConfigurationName"})
INSTANCE_RESTART_PROPERTIES = frozenset({"InstanceType", "UserData", "EbsOptimized", "KernelId", "RamdiskId"})

Apps = dict[str, dict[str, dict[str, Any]]]  # application name -> template file name -> template data


class DiffInputError(Exception):
    """BASE or HEAD cannot be read, or a git revision cannot be built: bad input (exit 2)."""


class _Missing:
    def __repr__(self) -> str:
        return "(none)"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class PropertyChange:
    path: str  # "/CidrBlock", "/Environment[LOG_LEVEL]/Value", or an attribute name ("DependsOn")
    old: Any
    new: Any
    effect: str
    reason: str  # why this effect: "create-only property", "Vpc (network.yaml) is replaced", ...
    via: str | None = None  # the replaced resource this value takes, for changes by cascade


@dataclass
class ResourceChange:
    stack: str
    logical_id: str
    type: str
    action: str  # added | removed | modified | renamed
    source: str | None = None  # the blueprint key path (Metadata.Source)
    changes: list[PropertyChange] = field(default_factory=list)
    renamed_from: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def effect(self) -> str | None:
        """The worst update behaviour of the change; None for an added or removed resource."""
        if self.action == RENAMED:
            return REPLACEMENT
        if self.action != MODIFIED:
            return None
        return min((change.effect for change in self.changes), key=EFFECTS.index, default=IN_PLACE)

    @property
    def bucket(self) -> str:
        """The summary column: added, removed, or the effect."""
        return self.effect or self.action

    @property
    def cascaded(self) -> bool:
        """Replaced only because it takes a replaced resource's ID, not for a change of its own."""
        worst = [c for c in self.changes if c.effect == self.effect]
        return self.action == MODIFIED and bool(worst) and all(c.via for c in worst)

    @property
    def new_identity(self) -> bool:
        """Gets a new physical ID, so whatever references it changes too."""
        return self.action == MODIFIED and any(_renews(self.type, c.effect, c.reason) for c in self.changes)


@dataclass(frozen=True)
class NamedChange:
    """A parameter or output added, removed or changed."""

    section: str  # Parameters | Outputs
    name: str
    action: str


@dataclass
class StackDiff:
    file: str
    status: str  # added | removed | modified
    resources: list[ResourceChange] = field(default_factory=list)
    named: list[NamedChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # updates CloudFormation will refuse

    @property
    def changed(self) -> bool:
        return bool(self.resources or self.named) or self.status != MODIFIED


@dataclass(frozen=True)
class ReachChange:
    action: str  # added | removed
    source: str
    target: str
    ports: str


@dataclass
class AppDiff:
    name: str
    status: str  # added | removed | modified
    stacks: list[StackDiff] = field(default_factory=list)
    reachability: list[ReachChange] = field(default_factory=list)

    @property
    def resources(self) -> list[ResourceChange]:
        return [resource for stack in self.stacks for resource in stack.resources]


@dataclass
class Diff:
    apps: list[AppDiff]

    @property
    def resources(self) -> list[ResourceChange]:
        return [resource for app in self.apps for resource in app.resources]

    @property
    def changed(self) -> bool:
        return any(app.status != MODIFIED or app.stacks or app.reachability for app in self.apps)

    def fails(self, fail_on: Iterable[str]) -> bool:
        """Whether a gate trips. replacement: a resource is replaced; may-replace: that, or one may be;
        removal: a resource is replaced or removed; any: anything changed."""
        wanted = set(fail_on)
        tripping = {REPLACEMENT} if wanted else set()
        if "may-replace" in wanted:
            tripping.add(MAY_REPLACE)
        if "removal" in wanted:
            tripping.add(REMOVED)
        if "any" in wanted and self.changed:
            return True
        return any(resource.bucket in tripping for resource in self.resources)


# --- reading template sets ------------------------------------------------------------------------


def load_templates(directory: Path) -> dict[str, dict[str, Any]]:
    """Every CloudFormation template directly in `directory`, by file name."""
    found = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or not path.name.endswith(TEMPLATE_SUFFIXES):
            continue
        data = _parse(path)
        if isinstance(data, dict) and isinstance(data.get("Resources"), dict):
            found[path.name] = data
    return found


def _parse(path: Path) -> Any:
    text = path.read_bytes()
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        pass
    from cfnlint.decode import decode  # short-form tags (!Ref): slower, so only when needed

    try:
        data, _ = decode(str(path))
    except Exception as exc:  # cfn-lint's decoder raises many kinds on garbage
        raise DiffInputError(f"{path}: cannot read template: {exc}") from None
    return json.loads(json.dumps(data, default=str)) if data is not None else None


def load_apps(path: Path) -> Apps:
    """An output directory (one <name>/ per application) or one application's directory."""
    if not path.is_dir():
        raise DiffInputError(f"{path}: not a directory of templates")
    own = load_templates(path)
    if own:
        return {path.resolve().name: own}
    apps = {child.name: load_templates(child) for child in sorted(path.iterdir())
            if child.is_dir() and not child.name.startswith(".")}
    apps = {name: templates for name, templates in apps.items() if templates}
    if not apps:
        raise DiffInputError(f"{path}: no CloudFormation templates in it or in its <name>/ directories")
    return apps


def diff_directories(base: Path, head: Path) -> Diff:
    """Two output directories; two applications' own directories are compared whatever their names."""
    base_apps, head_apps = load_apps(base), load_apps(head)
    return diff_apps(base_apps, head_apps, pair_single=bool(load_templates(base)) and bool(load_templates(head)))


def build_revision(revision: str, blueprints: str = "blueprints/*.yaml", cwd: Path | None = None) -> Apps:
    """The blueprints of a git revision, generated (not linted) with the generator installed now.

    The revision is checked out into a temporary worktree, so the working tree is never touched;
    `blueprints` is relative to the current directory, as it is inside the repository.
    """
    from generator.blueprint import BlueprintErrors, load_blueprint
    from generator.pipeline import documents

    here = (cwd or Path.cwd()).resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], here))
    prefix = _git(["rev-parse", "--show-prefix"], here)
    with tempfile.TemporaryDirectory(prefix="blueprint-diff-") as scratch:
        worktree = Path(scratch) / "base"
        _git(["worktree", "add", "--detach", "--quiet", str(worktree), revision], top)
        try:
            apps: Apps = {}
            for path in sorted((worktree / prefix).glob(blueprints)):
                try:
                    blueprint = load_blueprint(path)
                except BlueprintErrors as exc:
                    shown = str(path.relative_to(worktree))
                    raise DiffInputError(f"{shown} at {revision} does not load:\n"
                                         + exc.render().replace(str(path), shown)) from None
                apps[blueprint.name] = documents(blueprint)
            return apps
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=top,
                           capture_output=True, check=False)


def _git(arguments: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise DiffInputError("--git needs the git command") from None
    if done.returncode != 0:
        raise DiffInputError(f"git {' '.join(arguments[:2])}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip()


# --- comparing ------------------------------------------------------------------------------------


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
    base_set = TemplateSet.of_documents(base)
    head_set = TemplateSet.of_documents(head)
    for file in sorted(set(base) | set(head), key=_stack_order):
        stack = _diff_stack(file, base.get(file), head.get(file))
        app.stacks.append(stack)
    by_key = {(r.stack, r.logical_id): r for stack in app.stacks for r in stack.resources}
    _cascade(head_set, base, by_key, app)
    _note_nested_updates(head_set, app)
    for stack in app.stacks:
        stack.resources.sort(key=_resource_order)
    app.stacks = [stack for stack in app.stacks if stack.changed]
    app.reachability = _reachability_changes(base_set, head_set)
    return app


def _stack_order(file: str) -> tuple[int, str]:
    order = ("root", "network", "cluster", "access", "service", "catalog")
    stem = Path(file).stem.split("-", 1)[0]
    return (order.index(stem) if stem in order else len(order), file)


def _resource_order(resource: ResourceChange) -> int:
    return BUCKETS.index(resource.bucket)


def _diff_stack(file: str, base: dict[str, Any] | None, head: dict[str, Any] | None) -> StackDiff:
    status = ADDED if base is None else REMOVED if head is None else MODIFIED
    stack = StackDiff(file, status)
    old = _resources(base)
    new = _resources(head)
    removed = [rid for rid in old if rid not in new]
    added = [rid for rid in new if rid not in old]
    renames = _renames(old, new, removed, added)
    for rid, entry in new.items():
        if rid in renames.values():
            previous = next(before for before, after in renames.items() if after == rid)
            stack.resources.append(ResourceChange(
                file, rid, _type(entry), RENAMED, _source(entry), renamed_from=previous,
                notes=[f"renamed from {previous}: CloudFormation deletes {previous} and creates {rid}"],
            ))
        elif rid in added:
            stack.resources.append(ResourceChange(file, rid, _type(entry), ADDED, _source(entry)))
        else:
            changes = _resource_changes(old[rid], entry)
            if changes:
                stack.resources.append(ResourceChange(file, rid, _type(entry), MODIFIED, _source(entry), changes))
    for rid in removed:
        if rid not in renames:
            stack.resources.append(ResourceChange(file, rid, _type(old[rid]), REMOVED, _source(old[rid])))
    stack.warnings = _collisions(old, new, [r.logical_id for r in stack.resources if r.action in (ADDED, RENAMED)],
                                 [r.renamed_from or r.logical_id for r in stack.resources
                                  if r.action in (REMOVED, RENAMED)])
    if status != MODIFIED:
        return stack  # every parameter and output comes or goes with the stack
    for section in ("Parameters", "Outputs"):
        before, after = _section(base, section), _section(head, section)
        for name in after:
            if name not in before:
                stack.named.append(NamedChange(section, name, ADDED))
            elif before[name] != after[name]:
                stack.named.append(NamedChange(section, name, MODIFIED))
        stack.named.extend(NamedChange(section, name, REMOVED) for name in before if name not in after)
    return stack


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
        kind = _type(new[created])
        keys = UNIQUE_WHILE_UPDATING.get(kind)
        if keys is None:
            continue
        identity = [(new[created].get("Properties") or {}).get(key) for key in keys]
        shared = ", ".join(key for key, value in zip(keys, identity, strict=True) if value is not None)
        for deleted in removed:
            if _type(old[deleted]) == kind and [(old[deleted].get("Properties") or {}).get(key)
                                                for key in keys] == identity:
                found.append(f"{created} is created before {deleted} is deleted, and both have the same {shared}: "
                             "the update fails. Keep the logical ID, or remove the old one in an earlier deployment.")
    return found


def _resources(template: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    resources = (template or {}).get("Resources") or {}
    return {str(rid): entry for rid, entry in resources.items() if isinstance(entry, dict)}


def _section(template: dict[str, Any] | None, section: str) -> dict[str, Any]:
    value = (template or {}).get(section) or {}
    return value if isinstance(value, dict) else {}


def _type(entry: dict[str, Any]) -> str:
    return str(entry.get("Type", "?"))


def _source(entry: dict[str, Any]) -> str | None:
    source = (entry.get("Metadata") or {}).get(SOURCE_KEY) if isinstance(entry.get("Metadata"), dict) else None
    if isinstance(source, list):
        return ", ".join(str(item) for item in source)
    return str(source) if source is not None else None


def _deployed(entry: dict[str, Any]) -> dict[str, Any]:
    """What CloudFormation acts on: everything but Metadata."""
    return {key: value for key, value in entry.items() if key != "Metadata"}


def _renames(old: dict[str, Any], new: dict[str, Any], removed: list[str], added: list[str]) -> dict[str, str]:
    """Removed -> added logical IDs of resources that are the same but for their ID."""
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for before in removed:
        match = [after for after in added
                 if after not in taken and _deployed(old[before]) == _deployed(new[after])]
        if len(match) == 1:
            renames[before] = match[0]
            taken.add(match[0])
    return renames


def _resource_changes(old: dict[str, Any], new: dict[str, Any]) -> list[PropertyChange]:
    kind = _type(new)
    if _type(old) != kind:
        return [PropertyChange("Type", _type(old), kind, REPLACEMENT, "a new resource type")]
    changes = []
    properties_old, properties_new = old.get("Properties") or {}, new.get("Properties") or {}
    for path, before, after in _walk_diff(properties_old, properties_new, ()):
        effect, reason = classify(kind, path, properties_old, properties_new, new)
        changes.append(PropertyChange(_show_path(path), before, after, effect, reason))
    for attribute in ATTRIBUTES:
        before, after = old.get(attribute, MISSING), new.get(attribute, MISSING)
        if before != after:
            changes.append(PropertyChange(attribute, before, after, IN_PLACE, "a resource attribute"))
    return changes


Segment = str | int | tuple[str, str]  # a mapping key, a list index, or (identity key, its value)


def _walk_diff(old: Any, new: Any, path: tuple[Segment, ...]) -> Iterator[tuple[tuple[Segment, ...], Any, Any]]:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict) and not _is_function(old) and not _is_function(new):
        for key in [*new, *(k for k in old if k not in new)]:
            yield from _walk_diff(old.get(key, MISSING), new.get(key, MISSING), (*path, key))
        return
    if isinstance(old, list) and isinstance(new, list):
        identity = _identity_key(old, new)
        if identity is not None:
            before = {item[identity]: item for item in old}
            after = {item[identity]: item for item in new}
            for name in [*after, *(n for n in before if n not in after)]:
                yield from _walk_diff(before.get(name, MISSING), after.get(name, MISSING),
                                      (*path, (identity, str(name))))
            return
        if len(old) == len(new):
            for index, (before, after) in enumerate(zip(old, new, strict=True)):
                yield from _walk_diff(before, after, (*path, index))
            return
    yield path, old, new


def _is_function(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref", "Condition"))


def _identity_key(old: list[Any], new: list[Any]) -> str | None:
    """The key that names each item of both lists uniquely (`Name` of a container, `Key` of a tag)."""
    for key in IDENTITY_KEYS:
        named = all(isinstance(item, dict) and isinstance(item.get(key), str) for item in old + new)
        if named and old + new and all(len({item[key] for item in side}) == len(side) for side in (old, new)):
            return key
    return None


def _show_path(path: tuple[Segment, ...]) -> str:
    text = ""
    for segment in path:
        if isinstance(segment, tuple):
            text += f"[{segment[1]}]"
        else:
            text += f"/{segment}"
    return text or "/"


# --- update behaviour -----------------------------------------------------------------------------


@cache
def _schema(resource_type: str) -> dict[str, Any] | None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    except Exception:  # ResourceNotFoundError for Custom:: and unknown types
        return None


@cache
def _create_only(resource_type: str) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """(create-only, conditionally create-only) property paths, as mapping keys only."""
    schema = _schema(resource_type) or {}

    def keys(pointers: list[str] | None) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(p for p in pointer.split("/")[2:] if p != "*") for pointer in pointers or [])

    return keys(schema.get("createOnlyProperties")), keys(schema.get("conditionalCreateOnlyProperties"))


def _get(value: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return MISSING
        value = value.get(key, MISSING)
    return value


def _touches(path: tuple[Segment, ...], pointers: tuple[tuple[str, ...], ...], old: dict[str, Any],
             new: dict[str, Any]) -> bool:
    keys = tuple(segment for segment in path if isinstance(segment, str))
    for pointer in pointers:
        if keys[:len(pointer)] == pointer:
            return True
        if pointer[:len(keys)] == keys and _get(old, pointer) != _get(new, pointer):
            return True
    return False


def classify(resource_type: str, path: tuple[Segment, ...], old: dict[str, Any], new: dict[str, Any],
             resource: dict[str, Any]) -> tuple[str, str]:
    """The update behaviour of changing `path` of a resource's Properties, and why."""
    if _schema(resource_type) is None:
        effect, reason = MAY_REPLACE, "no provider schema for this type: the provider decides"
    else:
        create_only, conditional = _create_only(resource_type)
        if _touches(path, create_only, old, new):
            effect, reason = REPLACEMENT, "create-only property"
        elif _touches(path, conditional, old, new):
            effect, reason = MAY_REPLACE, "conditionally create-only property"
        else:
            effect, reason = IN_PLACE, "updatable property"
    return _known_behaviour(resource_type, path, effect, reason, resource)


def _known_behaviour(resource_type: str, path: tuple[Segment, ...], effect: str, reason: str,
                     resource: dict[str, Any]) -> tuple[str, str]:
    """What the schemas cannot say: how ECS, auto scaling and nested stacks carry out an update."""
    top = path[0] if path and isinstance(path[0], str) else ""
    if resource_type == TASK_DEFINITION and effect == REPLACEMENT:
        return INTERRUPTION, NEW_REVISION
    if resource_type == "AWS::ECS::Service" and top in ROLLING_SERVICE_PROPERTIES and effect == IN_PLACE:
        return INTERRUPTION, "new deployment: the service replaces its tasks, a few at a time"
    if resource_type == "AWS::AutoScaling::AutoScalingGroup" and top in ROLLING_GROUP_PROPERTIES:
        policy = resource.get("UpdatePolicy") or {}
        if (policy.get("AutoScalingReplacingUpdate") or {}).get("WillReplace") in (True, "true"):
            return REPLACEMENT, "AutoScalingReplacingUpdate: a new auto scaling group replaces this one"
        if "AutoScalingRollingUpdate" in policy:
            return INTERRUPTION, "rolling update: the group replaces its instances, a batch at a time"
        return IN_PLACE, "new instances use it; running ones keep the old settings until replaced"
    if resource_type == LAUNCH_TEMPLATE and top == "LaunchTemplateData" and effect == IN_PLACE:
        return IN_PLACE, "new launch template version"
    if resource_type == "AWS::EC2::Instance" and top in INSTANCE_RESTART_PROPERTIES:
        return INTERRUPTION, "the instance is stopped and started"
    if resource_type == "AWS::ElasticLoadBalancingV2::LoadBalancer" and effect == REPLACEMENT:
        return REPLACEMENT, f"create-only property: a new load balancer with a new DNS name ({top})"
    if resource_type == STACK_TYPE:
        return IN_PLACE, "nested stack update"
    return effect, reason


# --- consequences -------------------------------------------------------------------------------


def _cascade(head: TemplateSet, base: Mapping[str, dict[str, Any]], by_key: dict[tuple[str, str], ResourceChange],
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
                if isinstance(entry, dict) and _type(_resources(base.get(file)).get(rid) or {}) == _type(entry)]

    def causes(file: str, rid: str, entry: dict[str, Any]) -> dict[tuple[Segment, ...], list[tuple[str, str]]]:
        found: dict[tuple[Segment, ...], list[tuple[str, str]]] = {}
        for path, target, attribute in _references(head, file, entry.get("Properties") or {}, ()):
            if target == (file, rid):
                continue
            if target in renewed:
                cause = ("id", _name(*target))
            elif target in versions and attribute == "LatestVersionNumber":
                cause = ("version", _name(*target))
            else:
                continue
            if cause not in found.setdefault(path, []):
                found[path].append(cause)
        return found

    growing = True
    while growing:  # first the fixpoint: which resources end up with a new ID (or launch template version)
        growing = False
        for file, rid, entry in existing:
            for path in causes(file, rid, entry):
                effect, reason = classify(_type(entry), path, {}, {}, entry)
                if (file, rid) not in renewed and _renews(_type(entry), effect, reason):
                    renewed.add((file, rid))
                    growing = True
                if _type(entry) == LAUNCH_TEMPLATE and path[:1] == ("LaunchTemplateData",) \
                        and (file, rid) not in versions:
                    versions.add((file, rid))
                    growing = True
    stacks = {stack.file: stack for stack in app.stacks}
    for file, rid, entry in existing:  # then one pass that records every consequence with all its causes
        for path, found in causes(file, rid, entry).items():
            change = by_key.get((file, rid))
            shown = _show_path(path)
            if change is not None and any(c.path == shown for c in change.changes):
                continue
            if change is None:
                change = by_key[(file, rid)] = ResourceChange(file, rid, _type(entry), MODIFIED, _source(entry))
                stacks[file].resources.append(change)
            effect, reason = classify(_type(entry), path, {}, {}, entry)
            value = _at(entry.get("Properties") or {}, path)
            change.changes.append(PropertyChange(shown, value, value, effect, f"{reason}; {_consequence(found)}",
                                                 via=", ".join(name for _, name in found)))


def _renews(resource_type: str, effect: str, reason: str) -> bool:
    """Whether an update gives the resource a new physical ID (what references it then changes too)."""
    return effect == REPLACEMENT or (resource_type == TASK_DEFINITION and reason.startswith(NEW_REVISION))


def _consequence(causes: list[tuple[str, str]]) -> str:
    ids = [name for kind, name in causes if kind == "id"]
    versions = [name for kind, name in causes if kind == "version"]
    parts = []
    if ids:
        parts.append(f"{', '.join(ids)} {'gets a new ID' if len(ids) == 1 else 'get new IDs'}")
    if versions:
        parts.append(f"takes a new version of {', '.join(versions)}")
    return " and ".join(parts)


def _at(value: Any, path: tuple[Segment, ...]) -> Any:
    for segment in path:
        if isinstance(segment, tuple):
            value = next((item for item in value if isinstance(item, dict)
                          and str(item.get(segment[0])) == segment[1]), MISSING) if isinstance(value, list) \
                else MISSING
        elif isinstance(segment, int):
            value = value[segment] if isinstance(value, list) and segment < len(value) else MISSING
        else:
            value = value.get(segment, MISSING) if isinstance(value, dict) else MISSING
    return value


def _name(file: str, logical_id: str) -> str:
    return f"{logical_id} ({file})"


def _references(templates: TemplateSet, file: str, value: Any, path: tuple[Segment, ...], depth: int = 0
                ) -> Iterator[tuple[tuple[Segment, ...], tuple[str, str], str | None]]:
    """(where in `value`, which resource, which attribute) for every resource `value` takes a value of,
    following parameters into the parent stack and `Outputs.X` into the child."""
    if depth > 30:
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _references(templates, file, item, (*path, index), depth)
        return
    if not isinstance(value, dict):
        return
    if _is_function(value):
        (function, argument), = value.items()
        if function == "Ref" and isinstance(argument, str):
            yield from _resolve(templates, file, argument, None, path, depth)
            return
        if function == "Fn::GetAtt":
            target, attribute = _split_get_att(argument)
            yield from _resolve(templates, file, target, attribute, path, depth)
            return
        if function == "Fn::Sub":
            text, variables = (argument[0], argument[1]) if isinstance(argument, list) and len(argument) == 2 \
                else (argument, {})
            for name in re.findall(r"\$\{([^!}][^}]*)\}", text if isinstance(text, str) else ""):
                if isinstance(variables, dict) and name in variables:
                    continue
                target, _, attribute = name.partition(".")
                yield from _resolve(templates, file, target, attribute or None, path, depth)
            if isinstance(variables, dict):
                yield from _references(templates, file, list(variables.values()), path, depth)
            return
        yield from _references(templates, file, argument, path, depth)  # Fn::Join, Fn::Select, ...: same place
        return
    for key, item in value.items():
        yield from _references(templates, file, item, (*path, key), depth)


def _resolve(templates: TemplateSet, file: str, name: str, attribute: str | None, path: tuple[Segment, ...],
             depth: int) -> Iterator[tuple[tuple[Segment, ...], tuple[str, str], str | None]]:
    template = templates.templates[file]
    child = templates.children.get((file, name))
    if child is not None and attribute and attribute.startswith("Outputs."):
        output = templates.templates[child].outputs.get(attribute.removeprefix("Outputs."))
        if isinstance(output, dict):
            for _, target, inner in _references(templates, child, output.get("Value"), (), depth + 1):
                yield path, target, inner
        return
    if name in template.resources:
        yield path, (file, name), attribute
        return
    parent = templates.parents.get(file)
    if name in template.parameters and parent is not None:
        parent_file, stack_id = parent
        passed = templates.properties(Res(parent_file, stack_id)).get("Parameters") or {}
        if isinstance(passed, dict) and name in passed:
            for _, target, inner in _references(templates, parent_file, passed[name], (), depth + 1):
                yield path, target, inner


def _split_get_att(argument: Any) -> tuple[str, str]:
    if isinstance(argument, list) and len(argument) == 2:
        return str(argument[0]), str(argument[1])
    text = str(argument)
    target, _, attribute = text.partition(".")
    return target, attribute


def _note_nested_updates(head: TemplateSet, app: AppDiff) -> None:
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
            existing = ResourceChange(parent, stack_id, STACK_TYPE, MODIFIED, _source(entry))
            stacks[parent].resources.append(existing)
        url = (entry.get("Properties") or {}).get("TemplateURL")
        existing.changes.append(PropertyChange("/TemplateURL", url, url, IN_PLACE,
                                               f"nested stack update: {child} changed", via=None))


def _reachability_changes(base: TemplateSet, head: TemplateSet) -> list[ReachChange]:
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


# --- showing values -------------------------------------------------------------------------------


def show_value(value: Any, limit: int = 80) -> str:
    """A property value in one short line: `Ref Vpc`, `GetAtt Vpc.CidrBlock`, compact JSON otherwise."""
    if value is MISSING:
        return "(none)"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str | int | float):
        text = str(value)
    elif isinstance(value, dict) and len(value) == 1 and "Ref" in value:
        text = f"Ref {value['Ref']}"
    elif isinstance(value, dict) and len(value) == 1 and "Fn::GetAtt" in value:
        target, attribute = _split_get_att(value["Fn::GetAtt"])
        text = f"GetAtt {target}.{attribute}"
    else:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --- reports --------------------------------------------------------------------------------------

COLUMNS = {REPLACEMENT: "replaced", MAY_REPLACE: "may replace", INTERRUPTION: "interruption",
           IN_PLACE: "in place", ADDED: "added", REMOVED: "removed"}
SUMMARY_ORDER = (ADDED, REMOVED, REPLACEMENT, MAY_REPLACE, INTERRUPTION, IN_PLACE)
MARKS = {REPLACEMENT: "!", MAY_REPLACE: "?", INTERRUPTION: "~", IN_PLACE: "~", ADDED: "+", REMOVED: "-"}
MAX_CHANGES_SHOWN = 6


def counts(resources: Iterable[ResourceChange]) -> dict[str, int]:
    found = dict.fromkeys(SUMMARY_ORDER, 0)
    for resource in resources:
        found[resource.bucket] += 1
    return found


def _summary(resources: list[ResourceChange]) -> str:
    found = counts(resources)
    return ", ".join(f"{found[b]} {COLUMNS[b]}" for b in SUMMARY_ORDER if found[b]) or "no resource changes"


def _change_text(change: PropertyChange, code: str = "") -> str:
    path = f"{code}{change.path}{code}"
    if change.via is not None:
        return f"{path} takes the new {change.via}" if "new version" not in change.reason \
            else f"{path} takes {change.reason.rsplit('; ', 1)[-1].removeprefix('takes ')}"
    if change.old == change.new:  # nothing in the resource itself changed: say what did
        return f"{path}: {change.reason}"
    arrow = " → " if code else " -> "
    return f"{path}: {code}{show_value(change.old)}{code}{arrow}{code}{show_value(change.new)}{code}"


def _why(resource: ResourceChange, code: str = "", separator: str = "; ") -> str:
    """The changes that make a resource as bad as it is."""
    if resource.action == RENAMED:
        return f"renamed from {code}{resource.renamed_from}{code}: deleted and created under the new ID"
    worst = [c for c in resource.changes if c.effect == resource.effect]
    return separator.join(f"{_change_text(c, code)} ({c.reason.split('; ')[0]})" for c in worst)


def as_text(diff: Diff) -> str:
    if not diff.changed:
        return "No changes to the generated templates.\n"
    lines: list[str] = []
    for app in diff.apps:
        if app.status == MODIFIED and not app.stacks and not app.reachability:
            continue
        status = "" if app.status == MODIFIED else f" ({'new application' if app.status == ADDED else 'removed'})"
        lines.append(f"{app.name}{status}: {_summary(app.resources)}")
        replaced = [r for r in app.resources if r.bucket == REPLACEMENT]
        if replaced:
            lines.append(f"  REPLACED ({len(replaced)}): deleted and created again, with a new ID")
            for resource in replaced:
                lines.append(f"    {resource.stack} {resource.logical_id} ({resource.type}): {_why(resource)}")
        for stack in app.stacks:
            what = "" if stack.status == MODIFIED else f" ({stack.status})"
            lines.append(f"  {stack.file}{what}: {_summary(stack.resources)}")
            lines.extend(f"    WARNING: {warning}" for warning in stack.warnings)
            for resource in stack.resources:
                source = f"  [{resource.source}]" if resource.source else ""
                effect = f" {resource.effect}" if resource.effect else ""
                renamed = f" (renamed from {resource.renamed_from})" if resource.renamed_from else ""
                lines.append(f"    {MARKS[resource.bucket]} {resource.logical_id} {resource.type}{effect}{renamed}"
                             f"{source}")
                for change in resource.changes:
                    why = change.effect if change.old == change.new and change.via is None \
                        else f"{change.effect}: {change.reason}"
                    lines.append(f"        {_change_text(change)}  ({why})")
            for section in ("Parameters", "Outputs"):
                named = [n for n in stack.named if n.section == section]
                if named:
                    shown = ", ".join(f"{MARKS.get(n.action, '~')}{n.name}" for n in named)
                    lines.append(f"    {section.lower()}: {shown}")
        if app.reachability:
            lines.append("  reachability:")
            for reach in app.reachability:
                lines.append(f"    {MARKS[reach.action]} {reach.source} -> {reach.target}: {reach.ports}")
    return "\n".join(lines) + "\n"


def as_json(diff: Diff) -> str:
    def change(c: PropertyChange) -> dict[str, Any]:
        found = {"path": c.path, "old": _plain(c.old), "new": _plain(c.new), "effect": c.effect, "reason": c.reason}
        return {**found, "via": c.via} if c.via is not None else found

    def resource(r: ResourceChange) -> dict[str, Any]:
        return {"stack": r.stack, "logical_id": r.logical_id, "type": r.type, "action": r.action,
                "effect": r.effect, "cascaded": r.cascaded, "source": r.source, "renamed_from": r.renamed_from,
                "changes": [change(c) for c in r.changes]}

    report = {
        "changed": diff.changed,
        "summary": counts(diff.resources),
        "applications": [{
            "name": app.name,
            "status": app.status,
            "summary": counts(app.resources),
            "stacks": [{
                "file": stack.file, "status": stack.status, "summary": counts(stack.resources),
                "resources": [resource(r) for r in stack.resources],
                "warnings": stack.warnings,
                "parameters": [{"name": n.name, "action": n.action} for n in stack.named if n.section == "Parameters"],
                "outputs": [{"name": n.name, "action": n.action} for n in stack.named if n.section == "Outputs"],
            } for stack in app.stacks],
            "reachability": [{"action": r.action, "from": r.source, "to": r.target, "ports": r.ports}
                             for r in app.reachability],
        } for app in diff.apps],
    }
    return json.dumps(report, indent=2) + "\n"


def _plain(value: Any) -> Any:
    return None if value is MISSING else value


def as_markdown(diff: Diff) -> str:
    """A pull-request comment: per application a summary table, replacements loudly, details folded."""
    lines = ["## Blueprint diff", ""]
    if not diff.changed:
        return "\n".join([*lines, "No changes to the generated templates.", ""])
    for app in diff.apps:
        if app.status == MODIFIED and not app.stacks and not app.reachability:
            continue
        lines.extend(_markdown_app(app))
    return "\n".join(lines)


def _markdown_app(app: AppDiff) -> list[str]:
    status = "" if app.status == MODIFIED else f" ({'new application' if app.status == ADDED else 'removed'})"
    lines = [f"### `{app.name}`{status}", ""]
    resources = app.resources
    replaced = [r for r in resources if r.bucket == REPLACEMENT]
    direct = [r for r in replaced if not r.cascaded]
    cascaded = [r for r in replaced if r.cascaded]
    maybe = [r for r in resources if r.bucket == MAY_REPLACE]
    removed = [r for r in resources if r.bucket == REMOVED]
    if replaced:
        more = f", and {len(cascaded)} more that depend on {'it' if len(direct) == 1 else 'them'}" if cascaded else ""
        lines += ["> [!CAUTION]",
                  f"> **{_count(len(direct) or len(replaced), 'resource')} will be REPLACED**{more}: CloudFormation "
                  "creates each again (new ID, address or DNS name) and deletes the old one.", ""]
    if maybe:
        lines += ["> [!WARNING]",
                  f"> **{_count(len(maybe), 'resource')} may be replaced**, depending on how the change is carried "
                  "out.", ""]
    if removed:
        lines += ["> [!WARNING]", f"> **{_count(len(removed), 'resource')} will be deleted.**", ""]
    rolling = [r for r in resources if r.bucket == INTERRUPTION]
    if rolling:
        names = ", ".join(f"`{r.logical_id}`" for r in rolling[:4]) + (", …" if len(rolling) > 4 else "")
        lines += ["> [!NOTE]", f"> **{_count(len(rolling), 'update')} with interruption** ({names}): tasks or "
                  "instances are replaced a few at a time.", ""]
    for stack in app.stacks:
        for warning in stack.warnings:
            lines += ["> [!WARNING]", f"> **This update fails as it stands** (`{stack.file}`): {_cell(warning)}", ""]
    lines += ["| stack | " + " | ".join(COLUMNS[b] for b in SUMMARY_ORDER) + " |",
              "|---|" + "---:|" * len(SUMMARY_ORDER)]
    for stack in app.stacks:
        found = counts(stack.resources)
        what = "" if stack.status == MODIFIED else f" ({stack.status})"
        cells = [_bold(found[b]) if b == REPLACEMENT else str(found[b] or "") for b in SUMMARY_ORDER]
        lines.append(f"| `{stack.file}`{what} | " + " | ".join(cells) + " |")
    lines.append("")
    if replaced:
        lines += ["#### Replaced", "", "| stack | resource | why | blueprint key |", "|---|---|---|---|"]
        lines += [_replacement_row(r) for r in (direct or replaced)]
        lines.append("")
        if direct and cascaded:
            lines += [f"<details><summary>{_count(len(cascaded), 'more resource')} replaced because "
                      "they take the ID of a replaced one</summary>", "",
                      "| stack | resource | why | blueprint key |", "|---|---|---|---|",
                      *(_replacement_row(r) for r in cascaded), "", "</details>", ""]
    if maybe:
        lines += ["#### May be replaced", "", "| stack | resource | why | blueprint key |", "|---|---|---|---|",
                  *(_replacement_row(r) for r in maybe), ""]
    if app.reachability:
        lines += ["#### Who can reach whom", "", "| | from | to | ports |", "|---|---|---|---|",
                  *(f"| {'**added**' if r.action == ADDED else 'removed'} | {_cell(r.source)} | {_cell(r.target)} "
                    f"| {r.ports} |" for r in app.reachability), ""]
    for stack in app.stacks:
        if not stack.resources and not stack.named:
            continue
        what = "" if stack.status == MODIFIED else f" ({stack.status})"
        lines += [f"<details><summary><code>{stack.file}</code>{what}: {_summary(stack.resources)}</summary>", ""]
        if stack.resources:
            lines += ["| resource | update | changes |", "|---|---|---|"]
            lines += [_detail_row(r) for r in stack.resources]
            lines.append("")
        for section in ("Parameters", "Outputs"):
            named = [n for n in stack.named if n.section == section]
            if named:
                lines += [f"{section}: " + ", ".join(f"`{n.name}` {n.action}" for n in named), ""]
        lines += ["</details>", ""]
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _bold(number: int) -> str:
    return f"**{number}**" if number else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _replacement_row(resource: ResourceChange) -> str:
    source = f"`{resource.source}`" if resource.source else ""
    return (f"| `{resource.stack}` | `{resource.logical_id}` {resource.type} | "
            f"{_cell(_why(resource, '`', '<br>'))} | {source} |")


def _detail_row(resource: ResourceChange) -> str:
    effect = {REPLACEMENT: "**replacement**", MAY_REPLACE: "**may replace**"}.get(
        resource.bucket, COLUMNS[resource.bucket])
    if resource.action in (ADDED, REMOVED):
        text = f"from `{resource.source}`" if resource.source else ""
    elif resource.action == RENAMED:
        text = _why(resource, "`")
    else:
        shown = [_change_text(c, "`") + (f" ({c.reason.split('; ')[0]})" if c.effect != IN_PLACE else "")
                 for c in resource.changes[:MAX_CHANGES_SHOWN]]
        hidden = len(resource.changes) - len(shown)
        text = "<br>".join(shown + ([f"… and {hidden} more"] if hidden > 0 else []))
    return f"| `{resource.logical_id}` {resource.type} | {effect} | {_cell(text)} |"
