"""`blueprint build`, `check`, `audit` and `schema`: their arguments and exit codes."""

from __future__ import annotations

import argparse
import sys
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
from generator.words import counted

if TYPE_CHECKING:
    from generator.batch import NameTaken, Outcome
    from generator.blueprint import BlueprintErrors
    from generator.output import OutputError
    from generator.pipeline import ValidationFailed


def _blueprint_arguments(parser: argparse.ArgumentParser, *, output: str, quiet: str) -> None:
    """FILE..., -o/--output and -q/--quiet, as `build` and `check` both take them."""
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help=f"blueprint files (default: {DEFAULT_BLUEPRINTS})")
    parser.add_argument("-o", "--output", type=Path, default=Path("output"), metavar="DIR",
                        help=f"{output} (default: output)")
    parser.add_argument("-q", "--quiet", action="store_true", help=quiet)


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    build = commands.add_parser(
        "build", help="validate, generate, lint and write DIR/<name>/",
        description="Validate each blueprint, generate its templates, lint them, and write DIR/<name>/ "
        "atomically. A blueprint that fails writes nothing.",
    )
    _blueprint_arguments(build, output="output directory", quiet="print only errors")
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
    _blueprint_arguments(check, output="output directory to compare with", quiet="print only problems")
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
    from generator.batch import build_many
    from generator.output import OutputError, make_output_directory

    try:  # a file where the directory (or a parent) goes: said once, before any build. (It is made only when a
        make_output_directory(args.output, create=False)  # build writes: a failed build leaves no empty DIR.)
    except OutputError as exc:
        raise UsageError(f"-o/--output: {exc}") from None
    progress = None if args.quiet or not sys.stderr.isatty() else _progress
    worst = EXIT_OK
    for outcome in build_many(blueprint_files(args.files), args.output, write=args.write,
                              use_cache=not args.no_cache, progress=progress):
        worst = max(worst, _report(args, outcome))
    return worst


def _report(args: argparse.Namespace, outcome: Outcome) -> int:
    """One blueprint's messages (results on stdout, problems on stderr), and its exit code."""
    from generator.batch import Status

    path, status, result = outcome.path, outcome.status, outcome.result
    if status is Status.BAD_INPUT:
        print(_bad_input(path, outcome.error), file=sys.stderr)
        return EXIT_USAGE
    if status is Status.INVALID:
        print(str(outcome.error), file=sys.stderr)
        print(f"{path}: templates fail validation; nothing written", file=sys.stderr)
        return EXIT_INVALID
    for warning in outcome.warnings:
        print(warning, file=sys.stderr)
    if outcome.record is not None and not args.quiet:
        verdict = f"; {counted(len(outcome.warnings), 'audit warning')}" if outcome.warnings else ""
        print(f"{path}: {args.output / outcome.record.name}/ is up to date "
              f"(built from this blueprint by this exact tool{verdict})")
    if args.timings:
        import json

        # One JSON line per blueprint on stderr, read by `make bench`.
        print(f"{path}: timings: {json.dumps(outcome.timings(), sort_keys=True)}", file=sys.stderr)
    if status is Status.STALE and result is not None:
        for stale in result.stale:
            print(f"{result.directory / stale}: stale: differs from what {path} generates", file=sys.stderr)
        print(f"{path}: {result.directory}/ is stale; run `blueprint build` (or `make templates`)", file=sys.stderr)
        return EXIT_INVALID
    if args.quiet or result is None:
        return EXIT_OK
    if status is Status.WRITTEN:
        verdict = counted(len(result.warnings), "audit warning") if result.warnings else "lint and audit clean"
        print(f"{path}: wrote {result.directory}/ ({counted(len(result.files), 'file')}, {verdict}; "
              f"{counted(result.linted, 'template')} linted) in {result.elapsed:.1f}s")
    else:
        print(f"{path}: {result.directory}/ is up to date")
    return EXIT_OK


def _bad_input(path: Path, error: BlueprintErrors | ValidationFailed | OutputError | NameTaken | None) -> str:
    from generator.batch import NameTaken
    from generator.blueprint import BlueprintErrors

    if isinstance(error, NameTaken):
        return (f"{path}:1:1: error: name: `{error.name}` is also the name of {error.first}; "
                "both would write the same directory, so neither this file nor its output is touched")
    if isinstance(error, BlueprintErrors):
        return error.render()
    return f"{path}: error: {error}"


def _progress(path: Path, message: str) -> None:
    """Progress lines on a terminal's stderr, so a long build says what it is doing."""
    print(f"{path}: {message} ...", file=sys.stderr, flush=True)


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

