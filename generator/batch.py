"""Building a batch of blueprints (`blueprint build` and `check`): each file's outcome, in the order given.

The batch reads every file, skips the ones whose output directories are up to date (freshness.py), loads
the others, refuses two files with one name (they would write one directory), and builds the rest
through one cfn-lint host. A blueprint with environments builds one directory per environment, each an
outcome of its own (`<name>-<environment>`, which must not be another's name either).

Order matters for speed: the host process is started before the
generator's heavy imports (the blueprint model, troposphere, the stack builders), so cfn-lint loads
its rules in parallel with them; and a batch with nothing to build imports none of it. So this module
is cheap to import, and imports the rest of the pipeline only once it knows there is work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from generator.files import MAX_INPUT_BYTES, NotRegularFile, read_bounded

if TYPE_CHECKING:
    from generator.blueprint import Blueprint, BlueprintErrors
    from generator.checks.cache import CleanCache
    from generator.checks.lint import Linter
    from generator.freshness import Built
    from generator.output import OutputError
    from generator.pipeline import BuildResult, ValidationFailed

Progress = Callable[[Path, str], None]  # a blueprint file, and what its build is doing now


class Status(StrEnum):
    UP_TO_DATE = "up to date"  # the last clean build's record matches: nothing was built (`record`)
    WRITTEN = "written"  # built, checked and written (`result`)
    MATCHES = "matches"  # built and checked, not written: the output directory holds it already (`result`)
    STALE = "stale"  # built and checked, not written: the output directory differs (`result.stale`)
    INVALID = "invalid"  # the templates break a quota, fail cfn-lint or the audit; nothing written (`error`)
    BAD_INPUT = "bad input"  # does not load, has a name taken, or its directory cannot be written (`error`)


@dataclass(frozen=True)
class NameTaken:
    """This file's blueprint has the name of an earlier file's: both would write the same directory."""

    name: str
    first: Path


@dataclass(frozen=True)
class Outcome:
    path: Path
    status: Status
    result: BuildResult | None = None
    record: Built | None = None
    error: BlueprintErrors | ValidationFailed | OutputError | NameTaken | None = None
    remembered_warnings: tuple[str, ...] = ()  # up to date: the warnings its build printed, to print again

    @property
    def warnings(self) -> list[str]:
        """The audit's warnings, as printed: this build's, or those of the build that made an up-to-date
        directory (an accepted warning does not cost the fast path, nor goes unseen)."""
        if self.result is not None:
            return [warning.render() for warning in self.result.warnings]
        return list(self.remembered_warnings)

    def timings(self) -> dict[str, object] | None:
        """Phase seconds (they overlap: the audit runs while cfn-lint lints), total, templates and how many
        were linted, and whether the build was skipped as up to date; None when nothing was built."""
        from generator.output import is_template

        if self.record is not None:
            return {"up_to_date": True, "templates": sum(map(is_template, self.record.files)), "linted": 0}
        if self.result is None:
            return None
        result = self.result
        return {**{phase: round(seconds, 4) for phase, seconds in result.seconds.items()},
                "total": round(result.elapsed, 4), "up_to_date": False, "linted": result.linted,
                "templates": sum(map(is_template, result.files))}


def build_many(paths: Sequence[Path], out_dir: Path, *, write: bool = True, use_cache: bool = True,
               progress: Progress | None = None) -> Iterator[Outcome]:
    """Each blueprint's outcome, in the order of `paths`, as soon as it is known. With `write`, OUT_DIR/<name>/
    is written (or found up to date); without, it is compared with what the blueprint builds. `use_cache`
    False checks everything again."""
    from generator.checks.cache import CleanCache, default_directory
    from generator.freshness import up_to_date

    cache = CleanCache(default_directory() if use_cache else None)
    sources = {path: _read(path) for path in paths}
    fresh = {path: built for path, source in sources.items()
             if write and source is not None and (built := up_to_date(cache, source, out_dir))}
    with ExitStack() as held:
        linter: Linter | None = None
        loaded: dict[Path, tuple[bytes, Blueprint] | BlueprintErrors] = {}
        if any(path not in fresh for path in paths):
            from generator.checks.lint import Linter

            # cfn-lint loads its rules in a process of its own while this one imports and generates.
            linter = held.enter_context(Linter())
            loaded = _load({path: source for path, source in sources.items() if path not in fresh})
            if write:
                _remember_environments(cache, loaded, out_dir)
        names = {path: [built.name for built in records] for path, records in fresh.items()}
        names.update({path: [target.output_name for target in outcome[1].targets]
                      for path, outcome in loaded.items() if isinstance(outcome, tuple)})
        taken = _names_taken_twice([(path, name) for path in paths for name in names.get(path, [])])
        for path in paths:  # a file given twice is refused, as two files with one name are
            if path in fresh:
                for record in fresh[path]:
                    warnings = tuple(record.warning_lines(out_dir))
                    yield taken.get((path, record.name)) or Outcome(path, Status.UP_TO_DATE, record=record,
                                                                    remembered_warnings=warnings)
                continue
            found = loaded[path]
            if not isinstance(found, tuple):
                yield Outcome(path, Status.BAD_INPUT, error=found)
                continue
            source, blueprint = found
            for target in blueprint.targets:
                yield taken.get((path, target.output_name)) or _build(
                    path, (source, target), out_dir, write=write, cache=cache, linter=linter,
                    progress=None if progress is None else partial(progress, path))


def _read(path: Path) -> bytes | None:
    """The bytes the up-to-date check compares; None for a file the load refuses (and reports, located)."""
    try:
        data, size = read_bounded(path)
    except (OSError, NotRegularFile):
        return None
    return data if size <= MAX_INPUT_BYTES else None


def _load(sources: dict[Path, bytes | None]) -> dict[Path, tuple[bytes, Blueprint] | BlueprintErrors]:
    """Each file's bytes and blueprint, or why it does not load."""
    from generator.blueprint import BlueprintErrors, load_blueprint_bytes, read_blueprint

    loaded: dict[Path, tuple[bytes, Blueprint] | BlueprintErrors] = {}
    for path, source in sources.items():
        try:
            data = read_blueprint(path) if source is None else source
            loaded[path] = data, load_blueprint_bytes(data, str(path))
        except BlueprintErrors as exc:
            loaded[path] = exc
    return loaded


def _remember_environments(cache: CleanCache, loaded: dict[Path, tuple[bytes, Blueprint] | BlueprintErrors],
                           out_dir: Path) -> None:
    """Which environments each file with environments declares, for the next batch's up-to-date check."""
    from generator.freshness import remember_environments

    for found in loaded.values():
        if isinstance(found, tuple) and found[1].environments:
            remember_environments(cache, found[0], out_dir, list(found[1].environments))


def _names_taken_twice(names: list[tuple[Path, str]]) -> dict[tuple[Path, str], Outcome]:
    """The refusal of each output directory name an earlier file (or environment) already has: both would
    write the same directory. Checked before anything is built; files that do not load are left to the
    build to report."""
    first: dict[str, Path] = {}
    taken: dict[tuple[Path, str], Outcome] = {}
    for path, name in names:
        if name in first:
            taken[(path, name)] = Outcome(path, Status.BAD_INPUT, error=NameTaken(name, first[name]))
        else:
            first[name] = path
    return taken


def _build(path: Path, loaded: tuple[bytes, Blueprint], out_dir: Path, *, write: bool,
           cache: CleanCache, linter: Linter | None, progress: Callable[[str], None] | None) -> Outcome:
    from generator.blueprint import BlueprintErrors
    from generator.output import OutputError
    from generator.pipeline import ValidationFailed, build

    try:
        result = build(path, out_dir, write=write, cache=cache, linter=linter, loaded=loaded, progress=progress)
    except ValidationFailed as exc:
        return Outcome(path, Status.INVALID, error=exc)
    except (BlueprintErrors, OutputError) as exc:
        return Outcome(path, Status.BAD_INPUT, error=exc)
    status = Status.WRITTEN if write else Status.STALE if result.stale else Status.MATCHES
    return Outcome(path, status, result=result)

