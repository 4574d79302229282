"""cfn-lint, in process: one rule set per process, templates spread over a process pool.

Loading cfn-lint's ~190 rules is the slow part, so the parent loads them once and forks its
workers, which inherit them. Templates are linted from files so that nested-stack parameter checks
(E3043) can open the children through their relative TemplateURL. W3002 ("this template uses a local
path") is exactly what we want for `aws cloudformation package`, so it is ignored. cfn-lint is
pinned: these are internal APIs.
"""

from __future__ import annotations

import importlib.metadata
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from generator.checks.cache import CleanCache, content_key

IGNORED_RULES = ("W3002",)
_TEMPLATE_URL = re.compile(rb"TemplateURL:\s*'?\"?([^\s'\"]+)")


@dataclass(frozen=True, order=True)
class LintFinding:
    filename: str
    line: int
    column: int
    rule: str
    level: str
    message: str

    def render(self) -> str:
        return f"{self.filename}:{self.line}:{self.column}: {self.level}: {self.rule} {self.message}"


@cache
def _runner():  # type: ignore[no-untyped-def]
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    config = ConfigMixIn(cli_args=[], regions=["us-east-1"], ignore_checks=list(IGNORED_RULES))
    return Runner(config)


@cache
def _salt() -> str:
    cfn_lint_version = importlib.metadata.version("cfn-lint")  # without importing cfn-lint (slow)
    return f"cfn-lint {cfn_lint_version}; ignore {','.join(IGNORED_RULES)}; regions us-east-1"


def lint_file(path: Path, display_name: str | None = None) -> list[LintFinding]:
    """Errors and warnings cfn-lint finds in one template file (informational notes dropped)."""
    from cfnlint.runner import run_template_by_file_path

    runner = _runner()
    findings = []
    for match in run_template_by_file_path(str(path), runner.config, runner.rules, False):
        level = match.rule.severity.lower()
        if level not in ("error", "warning"):
            continue
        findings.append(LintFinding(
            display_name or str(path), match.linenumber, match.columnnumber, match.rule.id, level, match.message,
        ))
    return sorted(findings)


def _lint_job(job: tuple[Path, str | None]) -> list[LintFinding]:
    return lint_file(*job)


def lint_key(path: Path) -> str:
    """The template's bytes, plus the children it nests (E3043 reads their parameters)."""
    content = path.read_bytes()
    children = [path.parent / url.decode() for url in _TEMPLATE_URL.findall(content) if b"://" not in url]
    return content_key("lint", _salt(), [content, *(c.read_bytes() for c in children if c.is_file())])


def lint_files(
    paths: list[Path],
    display_names: dict[Path, str] | None = None,
    *,
    cache: CleanCache | None = None,
    jobs: int | None = None,
) -> list[LintFinding]:
    """Lint every template not already known clean; in parallel when there is more than one."""
    names = display_names or {}
    cache = cache or CleanCache(None)
    keys = {path: lint_key(path) for path in paths}
    pending = [path for path in paths if not cache.is_clean(keys[path])]
    results = _lint_all([(path, names.get(path)) for path in pending], jobs)
    findings: list[LintFinding] = []
    for path, found in zip(pending, results, strict=True):
        if found:
            findings.extend(found)
        else:
            cache.remember_clean(keys[path])
    return sorted(findings)


def _lint_all(jobs_in: list[tuple[Path, str | None]], jobs: int | None) -> list[list[LintFinding]]:
    if not jobs_in:
        return []
    workers = min(jobs or os.cpu_count() or 1, len(jobs_in))
    _runner()  # load the rules once, before forking, so every worker inherits them
    if workers <= 1:
        return [_lint_job(job) for job in jobs_in]
    # Longest first (a root nesting hundreds of stacks takes longest), so no worker idles at the end.
    order = sorted(range(len(jobs_in)), key=lambda i: -jobs_in[i][0].stat().st_size)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {i: pool.submit(_lint_job, jobs_in[i]) for i in order}
        return [futures[i].result() for i in range(len(jobs_in))]
