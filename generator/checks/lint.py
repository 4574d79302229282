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

import contextlib
import ctypes
import importlib.metadata
import multiprocessing
import os
import signal
import stat
import traceback
import weakref
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from multiprocessing.connection import Connection
from pathlib import Path
from types import EllipsisType, TracebackType

from generator.cfn import layout
from generator.cfn.layout import nested_files
from generator.cfn.reader import MAX_BYTES, TemplateReadError, read_template
from generator.checks.cache import CleanCache, content_key, read_regular_file

IGNORED_RULES = ("W3002",)

Job = tuple[Path, str | None]  # a template file, and the name to report its findings under
Children = list[tuple[str, Path]]  # the TemplateURLs a template nests, and the files they name


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

    # An empty configuration file, so that no ~/.cfnlintrc or ./.cfnlintrc changes what is checked.
    config = ConfigMixIn(cli_args=["--config-file", os.devnull], regions=["us-east-1"],
                         ignore_checks=list(IGNORED_RULES))
    runner = Runner(config)
    lint_speedups.apply_to_rules(runner.rules)
    return runner


@cache
def _salt() -> str:
    cfn_lint_version = importlib.metadata.version("cfn-lint")  # without importing cfn-lint (slow)
    return f"cfn-lint {cfn_lint_version}; ignore {','.join(IGNORED_RULES)}; regions us-east-1; no config file"


def lint_file(path: Path, display_name: str | None = None) -> list[LintFinding]:
    """Errors and warnings cfn-lint finds in one template file (informational notes dropped).

    Linted from the template's own directory: cfn-lint reads a nested child's outputs (to check
    `Fn::GetAtt Child.Outputs.X`) only when the child lies under the working directory."""
    from cfnlint.runner import run_template_by_file_path

    runner = _runner()
    findings = []
    with contextlib.chdir(path.resolve().parent):
        matches = list(run_template_by_file_path(path.name, runner.config, runner.rules, False))
    for match in matches:
        level = match.rule.severity.lower()
        if level not in ("error", "warning"):
            continue
        findings.append(LintFinding(
            display_name or str(path), match.linenumber, match.columnnumber, match.rule.id, level, match.message,
        ))
    return sorted(findings)


def children_of(path: Path, urls: Iterable[str] | None = None) -> Children | None:
    """The local TemplateURLs `path` nests and the files they name. `urls` are read from the template's
    data by whoever holds it (the pipeline does); without them the file is read as data (never searched
    as text: a string a user wrote can say "TemplateURL:"). None when they cannot be told: the file does
    not read as a template, or a URL leaves the template's directory (the key would not cover it)."""
    if urls is None:
        try:
            urls = nested_files(read_template(path)).values()
        except TemplateReadError:
            return None
    children = []
    for url in urls:
        relative = Path(url)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            return None
        children.append((url, path.parent / relative))
    return children


def lint_key(path: Path, children: Children | EllipsisType | None = ...) -> str:
    """The template's bytes, plus what cfn-lint reads of each child it nests: the child's `Parameters`
    (E3043 compares them with the parameters the stack is passed) and `Outputs` (for `Fn::GetAtt
    Child.Outputs.X`), nothing else. So editing one service's template re-lints that template only.
    `children`: `children_of(path)` unless given; None when they cannot be told."""
    content = path.read_bytes()
    children = children_of(path) if children is ... else children
    parts = [content, b"children" if children is not None else b"children unknown"]
    for url, child in children or ():
        parts.append(url.encode())
        read = read_regular_file(child, MAX_BYTES)  # a link, a FIFO or a huge file is never read whole
        parts.append(b"unreadable" if read is None else _read_by_cfn_lint(read))
    return content_key("lint", _salt(), parts)


def _read_by_cfn_lint(template: bytes) -> bytes:
    """The top-level `Parameters:` and `Outputs:` blocks of a template this tool rendered (see
    `generator.cfn.layout`); any other template whole."""
    if not template.startswith(b"AWSTemplateFormatVersion:"):
        return template
    spans = [(key, layout.section(template, key)) for key in ("Parameters", "Outputs")]
    return b"\0".join(template[span[0]:span[1]] if span else f"no {key}".encode() for key, span in spans)


class Linter:
    """A cfn-lint host process: start it early, submit batches of templates, close it at the end.

    Use as a context manager. Starting costs one fork; a build whose templates are all cached never
    waits for the rules to load, and closing ends the host wherever it is. The host and its workers die
    with the process that started them, however it ends (Linux's parent-death signal)."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._finalizer: weakref.finalize | None = None
        self._sent = 0  # batches sent to the current host
        self._answered = 0  # answers read from it, in order

    def __enter__(self) -> Linter:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def start(self) -> Linter:
        if self._process is None:
            context = multiprocessing.get_context("fork")
            self._conn, host_end = context.Pipe()
            self._process = context.Process(target=_serve, args=(host_end, self._conn, self.jobs, os.getpid()),
                                            name="cfn-lint host")
            # Ctrl-C between the fork and the host's own SIG_IGN would reach the host: held back meanwhile.
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                self._process.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            host_end.close()
            self._sent = self._answered = 0
            # A Linter nobody closes must not keep the interpreter waiting for its host at exit.
            self._finalizer = weakref.finalize(self, _end, self._process, self._conn)
        return self

    def submit(self, paths: list[Path], display_names: dict[Path, str] | None = None,
               cache: CleanCache | None = None, nesting: Mapping[Path, Iterable[str]] | None = None) -> PendingLint:
        """Send every template not already known clean to the host; returns at once. `nesting`: each
        template's local TemplateURLs, from its data, when the caller holds the data (else read here)."""
        names = display_names or {}
        cache = cache or CleanCache(None)
        children = {path: children_of(path, None if nesting is None else nesting.get(path, ())) for path in paths}
        keys = {path: lint_key(path, children[path]) for path in paths}
        pending = [path for path in paths if not cache.is_clean(keys[path])]
        number = None
        if pending:
            self.start()
            assert self._conn is not None
            self._sent += 1
            number = self._sent
            self._conn.send((number, [(path, names.get(path)) for path in pending]))
        return PendingLint(self, number, pending, keys, cache, children)

    def _answer(self, number: int) -> list[list[LintFinding]]:
        """The answer to batch `number`, skipping (discarding) the answers of batches sent before it."""
        if self._conn is None or number <= self._answered:
            raise RuntimeError(f"the answer to lint batch {number} is gone (its host was closed, or a later "
                               "answer was read first)")
        while True:
            try:
                answered, ok, payload = self._conn.recv()
            except EOFError:
                raise RuntimeError("the cfn-lint host process ended unexpectedly") from None
            self._answered = answered
            if answered == number:
                break
        if not ok:
            raise RuntimeError(f"cfn-lint failed:\n{payload}")
        return payload  # type: ignore[no-any-return]

    def close(self) -> None:
        """End the host and its workers (they hold no state worth a graceful exit)."""
        if self._finalizer is not None:
            self._finalizer()
        self._process = self._conn = self._finalizer = None
        self._sent = self._answered = 0


def _end(process: multiprocessing.process.BaseProcess, conn: Connection) -> None:
    assert process.pid is not None
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # not yet in its own group: it has no workers yet either
        process.kill()
    process.join()
    conn.close()


class PendingLint:
    """A submitted batch: `result()` waits for it and remembers the templates found clean."""

    def __init__(self, linter: Linter, number: int | None, pending: list[Path], keys: dict[Path, str],
                 cache: CleanCache, children: dict[Path, Children | None] | None = None) -> None:
        self.linted = len(pending)
        self.cached = len(keys) - len(pending)
        self._linter, self._number, self._pending, self._keys, self._cache = linter, number, pending, keys, cache
        self._children = children if children is not None else {path: children_of(path) for path in pending}

    def result(self) -> list[LintFinding]:
        if self._number is None:
            return []
        answers = self._linter._answer(self._number)
        self._number = None
        findings = [finding for found in answers for finding in found]
        clean = [path for path, found in zip(self._pending, answers, strict=True) if not found]
        # A root is remembered clean only once every child it nests is: cfn-lint skips the children it
        # cannot read, and the root's key holds only the parts of them it reads. A template whose children
        # cannot be told is never remembered.
        for path in sorted(clean, key=lambda p: bool(self._children[p])):
            children = self._children[path]
            if children is not None and all(self._known_clean(child) for _, child in children):
                self._cache.remember_clean(self._keys[path])
        return sorted(findings)

    def _known_clean(self, template: Path) -> bool:
        """A regular file (the key read a link's target as unreadable) remembered clean."""
        try:
            regular = stat.S_ISREG(template.lstat().st_mode)
        except OSError:
            return False
        return regular and self._cache.is_clean(self._keys.get(template) or lint_key(template))


def lint_files(paths: list[Path], display_names: dict[Path, str] | None = None, *,
               cache: CleanCache | None = None, jobs: int | None = None) -> list[LintFinding]:
    """Lint every template not already known clean, in a host of its own (see `Linter`)."""
    with Linter(jobs) as linter:
        return linter.submit(paths, display_names, cache).result()


def _serve(conn: Connection, build_end: Connection, workers: int, build: int) -> None:
    """The host: load the rules, then answer each batch with its findings, in order."""
    build_end.close()  # so that the build's exit reads as end-of-file here
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    os.setpgrp()
    _die_with(build)
    try:
        _runner()
        broken = None
    except Exception:  # reported with the first batch, where the build waits for an answer
        broken = traceback.format_exc()
    while True:
        try:
            number, batch = conn.recv()
            if broken:
                conn.send((number, False, broken))
                continue
            try:
                answer = (number, True, _lint_all(batch, workers))
            except Exception:
                answer = (number, False, traceback.format_exc())
            conn.send(answer)
        except (EOFError, OSError):  # the build is gone
            return


def _die_with(parent: int) -> None:
    """Be killed when `parent` dies, however it dies (Linux; elsewhere `Linter.close` is all there is)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the line above
        os._exit(0)


_PR_SET_PDEATHSIG = 1


def _lint_job(job: Job) -> list[LintFinding]:
    return lint_file(*job)


def _lint_all(jobs_in: list[Job], jobs: int) -> list[list[LintFinding]]:
    workers = min(jobs, len(jobs_in))
    if workers <= 1:
        return [_lint_job(job) for job in jobs_in]
    # Longest first (a root nesting hundreds of stacks takes longest), so no worker idles at the end.
    order = sorted(range(len(jobs_in)), key=lambda i: -jobs_in[i][0].stat().st_size)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_die_with,
                             initargs=(os.getpid(),)) as pool:
        futures = {i: pool.submit(_lint_job, jobs_in[i]) for i in order}
        return [futures[i].result() for i in range(len(jobs_in))]
