"""The `blueprint` command: argument parsing and exit codes only; the work is in the pipeline."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from generator import __version__

EXIT_OK = 0
EXIT_INVALID = 1  # templates fail lint or audit, or output/ is stale
EXIT_USAGE = 2  # bad input or usage

DEFAULT_BLUEPRINTS = "blueprints/*.yaml"


class UsageError(Exception):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"blueprint: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("blueprint: interrupted; output left as it was", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="blueprint",
        description="Turn a YAML blueprint into validated, nested CloudFormation for Amazon ECS.",
        epilog="Exit codes: 0 success; 1 templates fail validation or output is stale; 2 bad input or usage.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

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
                       help="re-check every template (the cache only remembers clean results; default on)")
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
    audit.set_defaults(run=_run_audit)

    schema = commands.add_parser("schema", help="print the JSON Schema of the blueprint format",
                                 description="Print the JSON Schema of blueprint format 1, for editors.")
    schema.add_argument("--markdown", action="store_true",
                        help="print the format reference as Markdown (docs/blueprint.md) instead")
    schema.set_defaults(run=_run_schema)
    return parser


def _blueprint_files(files: list[Path]) -> list[Path]:
    if files:
        return files
    found = sorted(Path().glob(DEFAULT_BLUEPRINTS))
    if not found:
        raise UsageError(f"no blueprint files given and none match {DEFAULT_BLUEPRINTS}")
    return found


def _run_build(args: argparse.Namespace) -> int:
    from generator.blueprint import BlueprintErrors
    from generator.checks.cache import CleanCache, default_directory
    from generator.output import OutputError
    from generator.pipeline import ValidationFailed, build

    cache = CleanCache(None if args.no_cache else default_directory())
    worst = EXIT_OK
    names: dict[str, Path] = {}
    for path in _blueprint_files(args.files):
        started = time.perf_counter()
        try:
            result = build(path, args.output, write=args.write, cache=cache)
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
        name = result.blueprint.name
        if name in names:
            print(f"{path}:1:1: error: name: `{name}` is also the name of {names[name]}; "
                  "both would write the same directory", file=sys.stderr)
            worst = max(worst, EXIT_USAGE)
            continue
        names[name] = path
        seconds = time.perf_counter() - started
        if args.write:
            if not args.quiet:
                print(f"{path}: wrote {result.directory}/ ({len(result.files)} files, lint and audit clean) "
                      f"in {seconds:.1f}s")
        elif result.stale:
            for stale in result.stale:
                print(f"{result.directory / stale}: stale: differs from what {path} generates", file=sys.stderr)
            print(f"{path}: {result.directory}/ is stale; run `blueprint build` (or `make templates`)",
                  file=sys.stderr)
            worst = max(worst, EXIT_INVALID)
        elif not args.quiet:
            print(f"{path}: {result.directory}/ is up to date")
    return worst


def _run_audit(args: argparse.Namespace) -> int:
    from generator.checks.audit import AuditInputError, all_rules, audit_files
    from generator.checks.audit.report import as_json, as_sarif, as_text

    missing = [path for path in args.templates if not path.is_file()]
    if missing:
        raise UsageError(f"no such template: {missing[0]}")
    try:
        findings = audit_files(args.templates)
    except AuditInputError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        report = as_json(findings, len(args.templates))
    elif args.format == "sarif":
        report = as_sarif(findings, all_rules())
    else:
        report = as_text(findings, len(args.templates))
    if args.output:
        try:
            args.output.write_text(report, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    else:
        sys.stdout.write(report)
    return EXIT_INVALID if any(f.level == "error" for f in findings) else EXIT_OK


def _run_schema(args: argparse.Namespace) -> int:
    from generator.blueprint.reference import reference_markdown
    from generator.blueprint.schema import schema_json

    sys.stdout.write(reference_markdown() if args.markdown else schema_json())
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
