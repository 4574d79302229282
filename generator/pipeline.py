"""load -> build -> check (quotas, cfn-lint, posture audit) -> write, for one blueprint file."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from generator import __version__, freshness
from generator.blueprint import Blueprint, load_blueprint_bytes, read_blueprint
from generator.cfn.layout import nested_files
from generator.cfn.parameters import PARAMETERS, parameters_file
from generator.cfn.render import render_data, to_data
from generator.cfn.stackfiles import CATALOG, ROOT
from generator.checks.audit import Finding, TemplateSet, audit_set, rendered_set
from generator.checks.cache import CleanCache, content_key, default_directory
from generator.checks.lint import Linter, LintFinding
from generator.checks.quotas import QuotaFinding, check_quotas
from generator.output import MARKER, staged
from generator.review.diagram import ARCHITECTURE, architecture_markdown
from generator.stacks.application import build_templates
from generator.stacks.catalog import build_catalog
from generator.words import counted


class ValidationFailed(Exception):
    """Generated templates break a quota, fail lint or the posture audit; nothing was written."""

    def __init__(self, findings: list[LintFinding] | list[Finding] | list[QuotaFinding]) -> None:
        self.findings = findings
        super().__init__("\n".join(finding.render() for finding in findings))


@dataclass
class BuildResult:
    blueprint: Blueprint
    directory: Path
    files: dict[str, bytes]
    stale: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # generate, lint, audit (during lint), write
    linted: int = 0  # templates cfn-lint checked; the others were known clean
    elapsed: float = 0.0  # the whole build, start to finish (the phases overlap)
    warnings: list[Finding] = field(default_factory=list)  # audit findings that do not fail the build

    @property
    def name(self) -> str:
        return self.blueprint.name


def documents(blueprint: Blueprint) -> dict[str, dict[str, Any]]:
    """Blueprint to every template, as plain data, by file name (root first, the catalog last)."""
    return _templates(blueprint, render=False)[0]


def rendered_documents(blueprint: Blueprint) -> tuple[dict[str, dict[str, Any]], dict[str, bytes]]:
    """Every template as plain data and as the bytes rendered from it, each rendered once."""
    return _templates(blueprint, render=True)


def _templates(blueprint: Blueprint, *, render: bool) -> tuple[dict[str, dict[str, Any]], dict[str, bytes]]:
    data = {filename: to_data(template) for filename, template in build_templates(blueprint).items()}
    rendered = {filename: render_data(document) for filename, document in data.items()} if render else {}
    if blueprint.catalog is not None:
        # The catalog points at the products' content-addressed keys, made from the others, so it comes last.
        catalog = build_catalog(blueprint, data)
        data[CATALOG] = to_data(catalog)
        if render:
            rendered[CATALOG] = render_data(data[CATALOG])
    return data, rendered


def generate(blueprint: Blueprint) -> dict[str, bytes]:
    """Blueprint to the bytes of every file of its output directory."""
    data, rendered = rendered_documents(blueprint)
    return output_files(blueprint, data, rendered_set(data, rendered), rendered)


def output_files(blueprint: Blueprint, data: dict[str, dict[str, Any]], templates: TemplateSet,
                 rendered: dict[str, bytes]) -> dict[str, bytes]:
    """The rendered templates, ARCHITECTURE.md drawn from their security groups, and parameters.json
    (the root's parameters with their defaults, for `aws cloudformation deploy --parameter-overrides`)."""
    return {**rendered, ARCHITECTURE: architecture_markdown(blueprint.name, templates, blueprint).encode(),
            PARAMETERS: parameters_file(data[ROOT])}


def build(blueprint_path: Path, out_dir: Path, *, write: bool = True, cache: CleanCache | None = None,
          linter: Linter | None = None, loaded: tuple[bytes, Blueprint] | None = None,
          progress: Callable[[str], None] | None = None) -> BuildResult:
    """Validate, generate, check in a staging directory, and (when `write`) swap it into place.

    Pass a `linter` started before the heavy imports (as the CLI does) so cfn-lint loads its rules while
    this generates, `loaded` (the file's bytes and the blueprint they load) when it is read already, and
    `progress` to hear what the build does before the slow part."""
    if linter is None:
        with Linter() as own:
            return build(blueprint_path, out_dir, write=write, cache=cache, linter=own, loaded=loaded,
                         progress=progress)
    cache = cache or CleanCache(None)
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    with _timed(seconds, "generate"):
        if loaded is None:
            source = read_blueprint(blueprint_path)
            blueprint = load_blueprint_bytes(source, str(blueprint_path))
        else:
            source, blueprint = loaded
        data, rendered = rendered_documents(blueprint)
        templates = rendered_set(data, rendered)  # one nested set, its facts shared by every check below
        files = output_files(blueprint, data, templates, rendered)
        quota = check_quotas(files, templates)
        if quota:
            raise ValidationFailed(quota)
    target = out_dir / blueprint.name
    result = BuildResult(blueprint, target, files, seconds=seconds)
    with staged(out_dir, blueprint.name, files, scratch=not write) as stage:
        staged_templates = [stage.path(filename) for filename in data]
        names = {stage.path(filename): str(target / filename) for filename in data}
        lint_started = time.perf_counter()
        # Which files each template nests, from its data (never from text a blueprint string can write).
        nesting = {stage.path(filename): nested_files(document).values() for filename, document in data.items()}
        pending = linter.submit(staged_templates, names, cache, nesting)
        result.linted = pending.linted
        if progress is not None and pending.linted:
            progress(f"generated {counted(len(data), 'template')} in {seconds['generate']:.1f}s; cfn-lint is "
                     f"checking {pending.linted} of them ({pending.cached} known clean) on "
                     f"{counted(linter.jobs, 'process')}")
        # The audit runs here while cfn-lint works in its own processes; lint findings are reported first.
        with _timed(seconds, "audit"):
            audit_errors = _audit(templates, rendered, target, cache, result)
        findings = pending.result()
        seconds["lint"] = time.perf_counter() - lint_started
        if findings:
            raise ValidationFailed(findings)
        if audit_errors:
            raise ValidationFailed(audit_errors)
        with _timed(seconds, "write"):
            if write:
                stage.commit()
                # Warnings are remembered with the record and printed again when it is used: an accepted
                # warning (flow logs off) still lets an unchanged build be up to date.
                warnings = [(str(Path(w.file).relative_to(target)), w.render()[len(w.file):]) for w in result.warnings]
                freshness.remember(cache, source, out_dir, blueprint.name, files, warnings)
            else:
                result.stale = stale_files(target, files)
    result.elapsed = time.perf_counter() - started
    return result


def build_in_scratch(blueprint_path: Path) -> BuildResult:
    """The blueprint's files, validated exactly as `build` validates them, in a scratch directory: no
    output directory is read or written (what `blueprint publish` and `deploy` upload)."""
    with tempfile.TemporaryDirectory(prefix="blueprint-publish-") as scratch:
        return build(blueprint_path, Path(scratch), write=False, cache=CleanCache(default_directory()))


def _audit(templates: TemplateSet, rendered: dict[str, bytes], target: Path, cache: CleanCache,
           result: BuildResult) -> list[Finding]:
    """The posture audit's errors (warnings go to `result`), unless these exact templates passed it clean.
    Findings name each file as it will be written."""
    audit_key = content_key("audit, no findings", _audit_salt(), list(rendered.values()))
    if cache.is_clean(audit_key):
        return []
    found = [replace(f, file=str(target / f.file)) for f in audit_set(templates, strict=True)]  # our own must verify
    result.warnings = [f for f in found if f.level != "error"]
    errors = [f for f in found if f.level == "error"]
    if not found:
        cache.remember_clean(audit_key)
    return errors


@cache
def _audit_salt() -> str:
    """Our version and the audit's own source (its rules, and the template-set model and facts they
    read): editing either invalidates every cached verdict."""
    package = Path(__file__).parent
    sources = sorted([*(package / "checks" / "audit").rglob("*.py"), *(package / "cfn").rglob("*.py")])
    return content_key("audit-code", __version__, [str(p.relative_to(package)).encode() + p.read_bytes()
                                                   for p in sources])


@contextmanager
def _timed(seconds: dict[str, float], phase: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[phase] = seconds.get(phase, 0.0) + time.perf_counter() - started


def stale_files(target: Path, files: dict[str, bytes]) -> list[str]:
    """Files of `target` that differ from `files`, are missing, or should not be there."""
    stale = [name for name, content in sorted(files.items())
             if not (target / name).is_file() or (target / name).read_bytes() != content]
    if target.is_dir():
        extra = sorted(p.name for p in target.iterdir() if p.name not in files and p.name != MARKER)
        stale.extend(extra)
    return stale
