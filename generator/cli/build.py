"""`blueprint build`, `check`, `audit` and `schema`: their arguments and exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from generator.cli.common import (
    DEFAULT_BLUEPRINTS,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    blueprint_files,
    write,
)

if TYPE_CHECKING:
    from generator.blueprint import Blueprint, BlueprintErrors
    from generator.checks.cache import CleanCache
    from generator.checks.lint import Linter
    from generator.freshness import Built


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    build = commands.add_parser(
        "build", help="validate, generate, lint and write DIR/<name>/",
        description="Validate each blueprint, generate its templates, lint them, and write DIR/<name>/ "
        "atomically. A blueprint that fails writes nothing.",
    )
    build.add_argument("files", nargs="*", type=Path, metavar="FILE",
                       help=f"blueprint files (default: {DEFAULT_BLUEPRINTS})")
    build.add_argument("-o", "--output", type=Path, default=Path("output"), metavar="DIR",
                       help="output directory (default: output)")
    build.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    build.add_argument("--no-cache", action="store_true",
                       help="build and check everything again, even an unchanged blueprint (the cache only "
                       "remembers clean results; default on)")
    build.add_argument("--timings", action="store_true",
                       help="print each blueprint's phase times as a JSON line on stderr (used by `make bench`)")
    build.set_defaults(run=_run_build, write=True)

    check = commands.add_parser(
        "check", help="exit 1 when DIR is not what the blueprints generate",
        description="Build each blueprint without writing, and compare with DIR/<name>/. "
        "Exit 1 naming the stale files.",
    )
    check.add_argument("files", nargs="*", type=Path, metavar="FILE",
                       help=f"blueprint files (default: {DEFAULT_BLUEPRINTS})")
    check.add_argument("-o", "--output", type=Path, default=Path("output"), metavar="DIR",
                       help="output directory to compare with (default: output)")
    check.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    check.add_argument("--no-cache", action="store_true", help="re-check every template")
    check.set_defaults(timings=False)
    check.set_defaults(run=_run_build, write=False)

    audit = commands.add_parser(
        "audit", help="check CloudFormation templates against the security model",
        description="Audit any set of CloudFormation templates (JSON or YAML) against the security invariants "
        "of SPEC section 5. Nested stacks in the set are followed through their TemplateURL. "
        "Exit 1 on any error-level finding.",
    )
    audit.add_argument("templates", nargs="+", type=Path, metavar="TEMPLATE", help="template files")
    audit.add_argument("--format", choices=["text", "json", "sarif"], default="text",
                       help="output format (default: text; sarif for GitHub code scanning)")
    audit.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    audit.add_argument("--strict", action="store_true",
                       help="a value the audit cannot verify is an error, not a warning (as in builds)")
    audit.set_defaults(run=_run_audit)

    schema = commands.add_parser("schema", help="print the JSON Schema of the blueprint format",
                                 description="Print the JSON Schema of blueprint format 1, for editors.")
    schema.add_argument("--markdown", action="store_true",
                        help="print the format reference as Markdown (docs/blueprint.md) instead")
    schema.set_defaults(run=_run_schema)


def _run_build(args: argparse.Namespace) -> int:
    from generator.checks.cache import CleanCache, default_directory
    from generator.freshness import up_to_date

    cache = CleanCache(None if args.no_cache else default_directory())
    paths = blueprint_files(args.files)
    sources = {path: _read(path) for path in paths}
    fresh = {path: built for path, source in sources.items()
             if args.write and source is not None and (built := up_to_date(cache, source, args.output))}
    if len(fresh) == len(paths) and len({built.name for built in fresh.values()}) == len(fresh):
        return _report_fresh(args, fresh)  # nothing changed since these directories were built
    from generator.checks.lint import Linter

    # cfn-lint loads its rules in a process of its own while this one imports and generates.
    with Linter() as linter:
        return _build_all(args, paths, sources, fresh, cache, linter)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None  # the build reports it, located


def _report_fresh(args: argparse.Namespace, fresh: dict[Path, Built]) -> int:
    from generator.output import is_template

    for path, built in fresh.items():
        if not args.quiet:
            print(f"{path}: {args.output / built.name}/ is up to date (built from this blueprint by this exact tool)")
        if args.timings:
            _print_timings(path, {"up_to_date": True, "templates": sum(map(is_template, built.files)),
                                  "linted": 0})
    return EXIT_OK


def _print_timings(path: Path, figures: dict[str, object]) -> None:
    """One JSON line per blueprint on stderr: phase seconds (they overlap: the audit runs while cfn-lint
    lints), total, templates and how many were linted, and whether the build was skipped as up to date."""
    import json

    print(f"{path}: timings: {json.dumps(figures, sort_keys=True)}", file=sys.stderr)


def _build_all(args: argparse.Namespace, paths: list[Path], sources: dict[Path, bytes | None],
               fresh: dict[Path, Built], cache: CleanCache, linter: Linter) -> int:
    from generator.blueprint import BlueprintErrors, load_blueprint_bytes, read_blueprint
    from generator.output import OutputError, is_template
    from generator.pipeline import ValidationFailed, build

    loaded: dict[Path, tuple[bytes, Blueprint] | BlueprintErrors] = {}
    names: dict[Path, str] = {path: built.name for path, built in fresh.items()}
    for path, source in sources.items():
        if path in fresh:
            continue
        try:
            data = read_blueprint(path) if source is None else source
            blueprint = load_blueprint_bytes(data, str(path))
        except BlueprintErrors as exc:
            loaded[path] = exc
            continue
        loaded[path] = data, blueprint
        names[path] = blueprint.name
    taken = _names_taken_twice([(path, names[path]) for path in paths if path in names])
    worst = EXIT_OK
    for path in paths:  # a file given twice is refused, as two files with one name are
        if path in taken:
            name, first = taken[path]
            print(f"{path}:1:1: error: name: `{name}` is also the name of {first}; "
                  "both would write the same directory, so neither this file nor its output is touched",
                  file=sys.stderr)
            worst = max(worst, EXIT_USAGE)
            continue
        if path in fresh:
            _report_fresh(args, {path: fresh[path]})
            continue
        try:
            outcome = loaded[path]
            if isinstance(outcome, BlueprintErrors):
                raise outcome
            result = build(path, args.output, write=args.write, cache=cache, linter=linter, loaded=outcome,
                           progress=_progress(args, path))
        except BlueprintErrors as exc:
            print(exc.render(), file=sys.stderr)
            worst = max(worst, EXIT_USAGE)
            continue
        except ValidationFailed as exc:
            print(str(exc), file=sys.stderr)
            print(f"{path}: templates fail validation; nothing written", file=sys.stderr)
            worst = max(worst, EXIT_INVALID)
            continue
        except OutputError as exc:
            print(f"{path}: error: {exc}", file=sys.stderr)
            worst = max(worst, EXIT_USAGE)
            continue
        for warning in result.warnings:
            print(warning.render(), file=sys.stderr)
        if args.timings:
            _print_timings(path, {**{phase: round(t, 4) for phase, t in result.seconds.items()},
                                  "total": round(result.elapsed, 4), "up_to_date": False, "linted": result.linted,
                                  "templates": sum(map(is_template, result.files))})
        if args.write:
            if not args.quiet:
                verdict = f"{len(result.warnings)} audit warnings" if result.warnings else "lint and audit clean"
                print(f"{path}: wrote {result.directory}/ ({len(result.files)} files, {verdict}; "
                      f"{result.linted} templates linted) in {result.elapsed:.1f}s")
        elif result.stale:
            for stale in result.stale:
                print(f"{result.directory / stale}: stale: differs from what {path} generates", file=sys.stderr)
            print(f"{path}: {result.directory}/ is stale; run `blueprint build` (or `make templates`)",
                  file=sys.stderr)
            worst = max(worst, EXIT_INVALID)
        elif not args.quiet:
            print(f"{path}: {result.directory}/ is up to date")
    return worst


def _progress(args: argparse.Namespace, path: Path) -> Callable[[str], None] | None:
    """Progress lines on a terminal's stderr, so a long build says what it is doing; none when quiet."""
    if args.quiet or not sys.stderr.isatty():
        return None
    return lambda message: print(f"{path}: {message} ...", file=sys.stderr, flush=True)


def _names_taken_twice(names: list[tuple[Path, str]]) -> dict[Path, tuple[str, Path]]:
    """Blueprints whose name an earlier file already has (they would write the same directory), checked
    before anything is built; files that do not load are left to the build to report."""
    first: dict[str, Path] = {}
    taken: dict[Path, tuple[str, Path]] = {}
    for path, name in names:
        if name in first:
            taken[path] = (name, first[name])
        else:
            first[name] = path
    return taken


def _run_audit(args: argparse.Namespace) -> int:
    from generator.checks.audit import AuditInputError, all_rules, audit_files
    from generator.checks.audit.report import as_json, as_sarif, as_text

    missing = [path for path in args.templates if not path.is_file()]
    if missing:
        raise UsageError(f"no such template: {missing[0]}")
    try:
        findings = audit_files(args.templates, strict=args.strict)
    except AuditInputError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        report = as_json(findings, len(args.templates))
    elif args.format == "sarif":
        report = as_sarif(findings, all_rules())
    else:
        report = as_text(findings, len(args.templates))
    write(report, args.output)
    return EXIT_INVALID if any(f.level == "error" for f in findings) else EXIT_OK


def _run_schema(args: argparse.Namespace) -> int:
    from generator.blueprint.reference import reference_markdown
    from generator.blueprint.schema import schema_json

    sys.stdout.write(reference_markdown() if args.markdown else schema_json())
    return EXIT_OK

