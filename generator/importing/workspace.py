"""A Copilot workspace as one blueprint: `copilot/.workspace` names the application, `copilot/*/manifest.yml`
are its services and jobs, `copilot/environments/*/manifest.yml` its environments. Every key, file and
folder is carried over or reported; the report decides the exit status (0 nothing left out, 1 something).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.blueprint.source import SourceError, read_source
from generator.importing import values
from generator.importing.context import Context, Converted, Place
from generator.importing.environments import convert_environment
from generator.importing.jobs import SCHEDULED_JOB, convert_job
from generator.importing.manifest import Manifest, Unreadable, View, read_yaml
from generator.importing.report import Report
from generator.importing.workloads import BACKEND, LOAD_BALANCED, SERVICE_TYPES, WORKER, convert_service
from generator.importing.writer import blueprint_yaml

ENVIRONMENTS = "environments"
PIPELINES = "pipelines"
FOLDERS = {
    "addons": "CloudFormation addons (databases, buckets, ...) are not carried over: deploy them as stacks of "
              "their own and grant access with `permissions`",
    "overrides": "patches of Copilot's own CloudFormation do not apply to these templates",
}
NOT_CARRIED = {
    "Request-Driven Web Service": "App Runner services are not carried over: write it as a public service",
    "Static Site": "S3 and CloudFront sites are not carried over: a blueprint runs containers",
}
# The order keys are written in: what a reader looks for first (the image, how it is reached, its size).
_ORDER = ("image", "schedule", "port", "expose", "domain", "health_check", "allowed_cidrs", "cpu", "memory", "count",
          "scaling", "spot", "architecture", "command", "environment", "secrets", "publishes", "queue", "talks_to",
          "exec", "timeout_minutes", "retries")


class NotAWorkspace(Exception):
    """DIR holds no Copilot workspace, or its `.workspace` cannot be read (then `located`: FILE:LINE:COL: ..."""

    def __init__(self, message: str, *, located: bool = False) -> None:
        self.located = located
        super().__init__(message)


@dataclass
class Imported:
    blueprint: dict[str, Any]
    report: Report
    text: str  # the blueprint as written: YAML with a header comment


@dataclass
class _Workload:
    name: str
    kind: str
    manifest: Manifest


def import_copilot(directory: Path) -> Imported:
    root = _copilot_folder(directory)
    application = _application(root / ".workspace", directory)
    report = Report()
    context = Context(application)

    environments = {name: manifest for name, manifest in _manifests(root / ENVIRONMENTS, directory, report,
                                                                    application)}
    workloads = [_workload(name, manifest) for name, manifest in _manifests(root, directory, report, application)
                 if name not in (ENVIRONMENTS, PIPELINES)]
    overlays: dict[str, dict[str, Any]] = {}
    for name in sorted({*environments, *(env for workload in workloads if workload
                                         for env in _overridden(workload))}):
        context.environments.setdefault(name, Place())
    for name, manifest in environments.items():
        view = manifest.view(name)
        for key in ("name", "type"):
            view.take(key)
        place, overlay = convert_environment(view)
        context.environments[name] = place
        overlays[name] = overlay

    services: dict[str, Any] = {}
    jobs: dict[str, Any] = {}
    for workload in workloads:
        if workload is not None:
            _convert(workload, context, services, jobs, overlays)
    _talks_to(services)
    for manifest in [*environments.values(), *(workload.manifest for workload in workloads if workload)]:
        manifest.finish()
    _folders(root, report)

    blueprint: dict[str, Any] = {"name": application}
    blueprint["description"] = f"Imported from the AWS Copilot application {application}"
    blueprint["services"] = services
    if jobs:
        blueprint["jobs"] = jobs
    kept = {name: overlay for name, overlay in overlays.items() if overlay}
    if kept:
        blueprint["environments"] = kept
    return Imported(blueprint, report, blueprint_yaml(blueprint, report, application))


def _copilot_folder(directory: Path) -> Path:
    for root in (directory / "copilot", directory):
        marker = root / ".workspace"
        if marker.is_file() or marker.is_symlink():  # a link out, or to a device, is refused where it is read
            return root
    if not directory.is_dir():
        raise NotAWorkspace(f"{directory}: no such directory")
    raise NotAWorkspace(f"{directory}: not a Copilot workspace (no copilot/.workspace)")


def _application(path: Path, workspace: Path) -> str:
    shown = str(path)  # under the DIR given
    try:
        data = _read(path, workspace)
    except _Refused as exc:
        raise NotAWorkspace(f"{shown}:1:1: error: {exc}", located=True) from None
    try:
        raw, positions, _ = read_yaml(data)
    except Unreadable as exc:
        raise NotAWorkspace(f"{shown}:{exc.line}:{exc.column}: error: {exc.reason}", located=True) from None
    name = raw.get("application")
    if not isinstance(name, str) or not name:
        line, column = positions.locate(("application",))
        raise NotAWorkspace(f"{shown}:{line}:{column}: error: application: the workspace names no application",
                            located=True)
    try:
        return values.name(name)
    except ValueError as exc:
        line, column = positions.locate(("application",))
        raise NotAWorkspace(f"{shown}:{line}:{column}: error: application: {exc}", located=True) from None


def _manifests(folder: Path, workspace: Path, report: Report, application: str) -> list[tuple[str, Manifest]]:
    found = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*/manifest.yml")):
        file = str(path)  # under the DIR given, as the user will look for it
        try:
            data = _read(path, workspace)
        except _Refused as exc:
            report.add(file, 1, 1, (), f"the whole file: {exc}")
            continue
        manifest = Manifest.read(file, data, report, application)
        if manifest is None:
            continue
        name = path.parent.name
        try:
            values.name(name)
        except ValueError as exc:
            report.add(file, 1, 1, (), f"the whole file: {exc}")
            continue
        found.append((name, manifest))
    return found


class _Refused(Exception):
    """A file of the workspace that is not read: why, in the report's words."""


def _read(path: Path, workspace: Path) -> bytes:
    """A file of the workspace: not one a link leads to outside it (a manifest is the workspace's own: another
    file of the machine is not read into the blueprint), a regular file of at most 1 MiB (a link to /dev/zero or
    a pipe would be read forever)."""
    try:
        target = path.resolve()
        if not target.is_relative_to(workspace.resolve()):
            raise _Refused(f"a link to {target}, outside the workspace; copy the file in instead")
        return read_source(path, "a manifest")
    except OSError as exc:
        raise _Refused(f"cannot read it: {exc.strerror or exc}") from None
    except SourceError as exc:
        raise _Refused(exc.errors[0].message) from None


def _workload(name: str, manifest: Manifest) -> _Workload | None:
    view = manifest.view()
    kind = view.raw("type")
    if not isinstance(kind, str):  # a list or a mapping is no type (and cannot be looked up in a table)
        kind = repr(kind)
    if kind in NOT_CARRIED:
        manifest.handled.add(())  # one line for the whole manifest, not one per key
        view.leave("type", reason=NOT_CARRIED[kind], at_key=True)
        return None
    if kind not in (*SERVICE_TYPES, SCHEDULED_JOB):
        manifest.handled.add(())
        view.leave("type", reason=f"not a Copilot service or job type ({kind!r}); the whole manifest is left out",
                   at_key=True)
        return None
    view.take("type")
    view.take("name")
    return _Workload(name, kind, manifest)


def _convert(workload: _Workload, context: Context, services: dict[str, Any], jobs: dict[str, Any],
             overlays: dict[str, dict[str, Any]]) -> None:
    view = workload.manifest.view()
    job = workload.kind == SCHEDULED_JOB
    converted = _converted(view, workload, context)
    fields = converted.fields
    if "image" not in fields:
        fields["image"] = f"placeholder.invalid/{context.application}/{workload.name}:build-me"
        if not converted.needs_image:
            view.leave("image", reason="no image.location; the blueprint has a placeholder image to replace")
    if not job:
        _expose(view, workload, fields)
    section = "jobs" if job else "services"
    (jobs if job else services)[workload.name] = _ordered(fields)
    for env, keys in converted.per_environment.items():
        _merge(overlays.setdefault(env, {}).setdefault(section, {}).setdefault(workload.name, {}), keys)
    for env in _overridden(workload):
        override = workload.manifest.view(env).at(ENVIRONMENTS, env)
        if view.raw(ENVIRONMENTS, env) is None:
            continue
        if not isinstance(view.raw(ENVIRONMENTS, env), dict):
            continue  # the report says it is not a mapping of overrides
        changed = _converted(override, workload, context)
        if changed.fields:
            _merge(overlays.setdefault(env, {}).setdefault(section, {}).setdefault(workload.name, {}),
                   changed.fields)


def _overridden(workload: _Workload) -> list[str]:
    """The environments a workload manifest overrides, each a blueprint name (the others reported)."""
    view = workload.manifest.view()
    names = []
    for env in view.keys(ENVIRONMENTS):
        try:
            names.append(values.name(env))
        except ValueError as exc:
            view.leave(ENVIRONMENTS, env, reason=f"environment {exc}", at_key=True)
    return names


def _converted(view: View, workload: _Workload, context: Context) -> Converted:
    if workload.kind == SCHEDULED_JOB:
        return convert_job(view, workload.name, context)
    return convert_service(view, workload.kind, workload.name, context)


def _expose(view: View, workload: _Workload, fields: dict[str, Any]) -> None:
    if workload.kind == WORKER or fields.get("expose") == "none":
        fields["expose"] = "none"
    elif workload.kind == LOAD_BALANCED:
        if "port" in fields:
            fields["expose"] = "public"
        else:
            fields["expose"] = "none"
            view.leave("image", reason="a Load Balanced Web Service without image.port; written as a worker "
                       "(expose: none)")
    elif workload.kind == BACKEND:
        fields["expose"] = "internal" if "port" in fields else "none"


def _talks_to(services: dict[str, Any]) -> None:
    """Copilot lets every service call every Backend Service in its environment; a blueprint says who calls
    whom, so each service talks to every internal one (trim what it does not call)."""
    internal = sorted(name for name, service in services.items() if service.get("expose") == "internal")
    for name, service in services.items():
        callees = [callee for callee in internal if callee != name]
        if callees:
            service["talks_to"] = callees
            services[name] = _ordered(service)


def _ordered(fields: dict[str, Any]) -> dict[str, Any]:
    rank = {key: index for index, key in enumerate(_ORDER)}
    return dict(sorted(fields.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def _merge(into: dict[str, Any], keys: dict[str, Any]) -> None:
    for key, value in keys.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _folders(root: Path, report: Report) -> None:
    """addons/ and overrides/ next to any manifest, and the pipelines: each file one line."""
    for folder in sorted(root.glob("*/*")):
        if folder.is_dir() and folder.name in FOLDERS:
            for path in sorted(item for item in folder.rglob("*") if item.is_file()):
                report.add(str(path), 1, 1, (), f"{folder.name}: {FOLDERS[folder.name]}")
    pipelines = [*sorted((root / PIPELINES).rglob("*")), *sorted(root.glob("pipeline.yml")),
                 *sorted(root.glob("buildspec.yml"))] if root.is_dir() else []
    for path in pipelines:
        if path.is_file():
            report.add(str(path), 1, 1, (), "pipelines: Copilot's CodePipeline pipelines are not carried over "
                       "(see examples/github-workflow.yml for a build in CI)")
