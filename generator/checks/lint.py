"""cfn-lint, in process: rules loaded once, while the build generates, and templates spread over cores.

Loading cfn-lint (sympy, networkx, ~190 rules and their schemas) takes about a second, longer than
generating a 20-service application. So a `Linter` starts a host process first thing: the host
imports cfn-lint and loads its rules while the build goes on generating, then lints each batch it is
sent over workers it forks (which inherit the loaded rules), longest template first. The host runs in
a process group of its own so that ending it ends its workers too, and Ctrl-C reaches only the build.

Templates are linted from files so that nested-stack parameter checks (E3043) can open the children
through their relative TemplateURL. W3002 ("this template uses a local path") is exactly what we want
for `aws cloudformation package`, so it is ignored. cfn-lint is pinned: these are internal APIs, and
`lint_speedups` patches a few of them for speed.
"""

from __future__ import annotations

import importlib.metadata
import multiprocessing
import os
import re
import signal
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType

from generator.checks.cache import CleanCache, content_key

IGNORED_RULES = ("W3002",)
_TEMPLATE_URL = re.compile(rb"TemplateURL:\s*'?\"?([^\s'\"]+)")

Job = tuple[Path, str | None]  # a template file, and the name to report its findings under


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
    from generator.checks import lint_speedups

    lint_speedups.apply()
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


def lint_key(path: Path) -> str:
    """The template's bytes, plus what cfn-lint reads of each child it nests: E3043 compares the
    parameters a nested stack is passed with the child's `Parameters`, and reads nothing else of it.
    So editing one service re-lints that service's template, not also the root that nests it."""
    content = path.read_bytes()
    children = [path.parent / url.decode() for url in _TEMPLATE_URL.findall(content) if b"://" not in url]
    return content_key("lint", _salt(), [content, *(_parameters_section(c.read_bytes())
                                                    for c in children if c.is_file())])


_TOP_LEVEL_KEY = re.compile(rb"^[^\s#]", re.MULTILINE)
_PARAMETERS = re.compile(rb"^Parameters:", re.MULTILINE)


def _parameters_section(template: bytes) -> bytes:
    """The top-level `Parameters:` block of a block-style YAML template, as this tool renders them (top-level
    keys at column 0, everything inside indented); any other template whole."""
    if not template.startswith(b"AWSTemplateFormatVersion:"):
        return template
    start = _PARAMETERS.search(template)
    if start is None:
        return b"no Parameters"
    end = _TOP_LEVEL_KEY.search(template, start.end())
    return template[start.start():end.start() if end else len(template)]


class Linter:
    """A cfn-lint host process: start it early, submit batches of templates, close it at the end.

    Use as a context manager. Starting costs one fork; a build whose templates are all cached never
    waits for the rules to load, and closing ends the host wherever it is."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._unanswered = 0  # batches sent whose answer nobody has read (a build that failed meanwhile)

    def __enter__(self) -> Linter:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def start(self) -> Linter:
        if self._process is None:
            context = multiprocessing.get_context("fork")
            self._conn, host_end = context.Pipe()
            self._process = context.Process(target=_serve, args=(host_end, self._conn, self.jobs),
                                            name="cfn-lint host")
            self._process.start()
            host_end.close()
        return self

    def submit(self, paths: list[Path], display_names: dict[Path, str] | None = None,
               cache: CleanCache | None = None) -> PendingLint:
        """Send every template not already known clean to the host; returns at once."""
        names = display_names or {}
        cache = cache or CleanCache(None)
        keys = {path: lint_key(path) for path in paths}
        pending = [path for path in paths if not cache.is_clean(keys[path])]
        if pending:
            self.start()
            assert self._conn is not None
            while self._unanswered:  # answers in order: an abandoned batch's answer must not be taken for this one
                self._receive()
            self._conn.send([(path, names.get(path)) for path in pending])
            self._unanswered += 1
        return PendingLint(self, pending, keys, cache)

    def _receive(self) -> list[list[LintFinding]]:
        assert self._conn is not None
        try:
            ok, payload = self._conn.recv()
        except EOFError:
            raise RuntimeError("the cfn-lint host process ended unexpectedly") from None
        self._unanswered -= 1
        if not ok:
            raise RuntimeError(f"cfn-lint failed:\n{payload}")
        return payload  # type: ignore[no-any-return]

    def close(self) -> None:
        """End the host and its workers (they hold no state worth a graceful exit)."""
        process, self._process = self._process, None
        if process is None:
            return
        assert process.pid is not None and self._conn is not None
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:  # not yet in its own group: it has no workers yet either
            process.kill()
        process.join()
        self._conn.close()
        self._conn = None


class PendingLint:
    """A submitted batch: `result()` waits for it and remembers the templates found clean."""

    def __init__(self, linter: Linter, pending: list[Path], keys: dict[Path, str], cache: CleanCache) -> None:
        self.linted = len(pending)
        self.cached = len(keys) - len(pending)
        self._linter, self._pending, self._keys, self._cache = linter, pending, keys, cache

    def result(self) -> list[LintFinding]:
        if not self._pending:
            return []
        findings: list[LintFinding] = []
        for path, found in zip(self._pending, self._linter._receive(), strict=True):
            if found:
                findings.extend(found)
            else:
                self._cache.remember_clean(self._keys[path])
        self._pending = []
        return sorted(findings)


def lint_files(paths: list[Path], display_names: dict[Path, str] | None = None, *,
               cache: CleanCache | None = None, jobs: int | None = None) -> list[LintFinding]:
    """Lint every template not already known clean, in a host of its own (see `Linter`)."""
    with Linter(jobs) as linter:
        return linter.submit(paths, display_names, cache).result()


def _serve(conn: Connection, build_end: Connection, workers: int) -> None:
    """The host: load the rules, then answer each batch with its findings, in order."""
    build_end.close()  # so that the build's exit reads as end-of-file here
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.setpgrp()
    try:
        _runner()
        broken = None
    except Exception:  # reported with the first batch, where the build waits for an answer
        broken = traceback.format_exc()
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        if broken:
            conn.send((False, broken))
            continue
        try:
            conn.send((True, _lint_all(batch, workers)))
        except Exception:
            conn.send((False, traceback.format_exc()))


def _lint_job(job: Job) -> list[LintFinding]:
    return lint_file(*job)


def _lint_all(jobs_in: list[Job], jobs: int) -> list[list[LintFinding]]:
    workers = min(jobs, len(jobs_in))
    if workers <= 1:
        return [_lint_job(job) for job in jobs_in]
    # Longest first (a root nesting hundreds of stacks takes longest), so no worker idles at the end.
    order = sorted(range(len(jobs_in)), key=lambda i: -jobs_in[i][0].stat().st_size)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {i: pool.submit(_lint_job, jobs_in[i]) for i in order}
        return [futures[i].result() for i in range(len(jobs_in))]
