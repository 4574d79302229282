"""The `blueprint` command: argument parsing and exit codes only; the work is in the pipeline."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from generator import __version__

if TYPE_CHECKING:
    from generator.blueprint import Blueprint, BlueprintErrors
    from generator.checks.cache import CleanCache
    from generator.checks.lint import Linter
    from generator.deploy.aws import Aws
    from generator.freshness import Built
    from generator.pipeline import BuildResult

EXIT_OK = 0
EXIT_INVALID = 1  # templates fail lint or audit, output/ is stale, or a deployed stack fails
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
        epilog="Exit codes: 0 success; 1 templates fail validation, output is stale, or a stack fails to deploy; "
        "2 bad input or usage.",
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
    audit.set_defaults(run=_run_audit)

    schema = commands.add_parser("schema", help="print the JSON Schema of the blueprint format",
                                 description="Print the JSON Schema of blueprint format 1, for editors.")
    schema.add_argument("--markdown", action="store_true",
                        help="print the format reference as Markdown (docs/blueprint.md) instead")
    schema.set_defaults(run=_run_schema)
    _add_review_commands(commands)
    _add_deploy_commands(commands)
    return parser


def _blueprint_files(files: list[Path]) -> list[Path]:
    if files:
        return files
    found = sorted(Path().glob(DEFAULT_BLUEPRINTS))
    if not found:
        raise UsageError(f"no blueprint files given and none match {DEFAULT_BLUEPRINTS}")
    return found


def _run_build(args: argparse.Namespace) -> int:
    from generator.checks.cache import CleanCache, default_directory
    from generator.freshness import up_to_date

    cache = CleanCache(None if args.no_cache else default_directory())
    paths = _blueprint_files(args.files)
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
        findings = audit_files(args.templates)
    except AuditInputError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        report = as_json(findings, len(args.templates))
    elif args.format == "sarif":
        report = as_sarif(findings, all_rules())
    else:
        report = as_text(findings, len(args.templates))
    _write(report, args.output)
    return EXIT_INVALID if any(f.level == "error" for f in findings) else EXIT_OK


def _run_schema(args: argparse.Namespace) -> int:
    from generator.blueprint.reference import reference_markdown
    from generator.blueprint.schema import schema_json

    sys.stdout.write(reference_markdown() if args.markdown else schema_json())
    return EXIT_OK


# --- pull-request review: diff, diagram, explain -------------------------------------------------

FAIL_ON = ("replacement", "may-replace", "removal", "any")  # generator.review.diff.FAIL_ON, kept light here


def _add_review_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    diff = commands.add_parser(
        "diff", help="what deploying a change does: resources added, removed, replaced, updated",
        description="Compare two template sets stack by stack: BASE and HEAD are output directories (holding "
        "<name>/ directories, or one application's templates). With --git REV, BASE is the blueprints at git "
        "revision REV, built in a temporary worktree, and HEAD defaults to output. Each modified resource is "
        "classified by CloudFormation's update behaviour (replacement, may-replace, interruption, in-place). "
        "Exit 1 when a --fail-on condition holds, 2 on bad input.",
    )
    diff.add_argument("paths", nargs="*", type=Path, metavar="DIR", help="BASE and HEAD (with --git: HEAD only)")
    diff.add_argument("--git", metavar="REV", help="build BASE from the blueprints at this git revision")
    diff.add_argument("--blueprints", default=DEFAULT_BLUEPRINTS, metavar="GLOB",
                      help=f"with --git: the blueprint files at REV (default: {DEFAULT_BLUEPRINTS})")
    diff.add_argument("--format", choices=["text", "markdown", "json"], default="text",
                      help="output format (default: text; markdown for a pull-request comment)")
    diff.add_argument("--fail-on", action="append", choices=FAIL_ON, default=[], metavar="WHAT",
                      help="exit 1 when a resource would be replaced (replacement), might be (may-replace), would "
                      "be replaced or deleted (removal), or on any change (any); repeatable")
    diff.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    diff.set_defaults(run=_run_diff)

    diagram = commands.add_parser(
        "diagram", help="Mermaid architecture and reachability of a blueprint's templates",
        description="Generate the blueprint's templates in memory and print ARCHITECTURE.md (as `build` writes "
        "it): a Mermaid flowchart and who can reach whom on which port, computed from the security groups.",
    )
    diagram.add_argument("file", type=Path, metavar="FILE", help="blueprint file")
    diagram.add_argument("--format", choices=["markdown", "mermaid"], default="markdown",
                         help="markdown (default): the whole ARCHITECTURE.md; mermaid: the flowchart only")
    diagram.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    diagram.set_defaults(run=_run_diagram)

    explain = commands.add_parser(
        "explain", help="every value a blueprint leaves to a default, and why",
        description="List each key the blueprint leaves out, the default the generator uses (resolved when it "
        "depends on other keys) and the reason, from the blueprint model.",
    )
    explain.add_argument("file", type=Path, metavar="FILE", help="blueprint file")
    explain.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    explain.set_defaults(run=_run_explain)


def _run_diff(args: argparse.Namespace) -> int:
    from generator.review.diff import (
        DiffInputError,
        as_json,
        as_markdown,
        as_text,
        build_revision,
        diff_apps,
        diff_directories,
        load_apps,
        load_templates,
    )

    paths: list[Path] = args.paths
    if args.git is None and len(paths) != 2:
        raise UsageError("diff needs BASE and HEAD directories, or --git REV [HEAD]")
    if args.git is not None and len(paths) > 1:
        raise UsageError("with --git REV, give at most HEAD (default: output)")
    try:
        if args.git is not None:
            head_path = paths[0] if paths else Path("output")
            head = load_apps(head_path)
            base = build_revision(args.git, args.blueprints)
            result = diff_apps(base, head, pair_single=bool(load_templates(head_path)))
        else:
            result = diff_directories(paths[0], paths[1])
    except DiffInputError as exc:
        raise UsageError(str(exc)) from None
    report = {"json": as_json, "markdown": as_markdown}.get(args.format, as_text)(result)
    _write(report, args.output)
    return EXIT_INVALID if result.fails(args.fail_on) else EXIT_OK


def _load_or_report(path: Path) -> Blueprint | None:
    """The blueprint, or None after printing its located errors."""
    from generator.blueprint import BlueprintErrors, load_blueprint

    try:
        return load_blueprint(path)
    except BlueprintErrors as exc:
        print(exc.render(), file=sys.stderr)
        return None


def _run_diagram(args: argparse.Namespace) -> int:
    from generator.checks.audit import TemplateSet
    from generator.pipeline import documents
    from generator.review.diagram import architecture_markdown, mermaid

    blueprint = _load_or_report(args.file)
    if blueprint is None:
        return EXIT_USAGE
    templates = TemplateSet.of_documents(documents(blueprint))
    if args.format == "mermaid":
        report = mermaid(templates, blueprint)
    else:
        report = architecture_markdown(blueprint.name, templates, blueprint)
    _write(report, args.output)
    return EXIT_OK


def _run_explain(args: argparse.Namespace) -> int:
    from generator.review.explain import as_json, as_text

    blueprint = _load_or_report(args.file)
    if blueprint is None:
        return EXIT_USAGE
    sys.stdout.write((as_json if args.format == "json" else as_text)(blueprint, str(args.file)))
    return EXIT_OK


def _write(report: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(report)
        return
    try:
        output.write_text(report, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None


# --- AWS: publish, deploy (generator/deploy/) -------------------------------------------------------

STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")


def _add_deploy_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    publish = commands.add_parser(
        "publish", help="upload the templates to S3, print the console quick-create link",
        description="Build the blueprint in memory (validated like build; output/ is neither read nor written), "
        "upload each template under a content-addressed key PREFIX/NAME/HASH/FILE (keys already in the bucket are "
        "not uploaded again), then the packaged root, and print the root's URL, the console quick-create link and "
        "the equivalent AWS CLI commands. Exit 1 when the templates fail validation; 2 on bad input or an AWS "
        "problem (credentials, region, bucket, endpoint).",
    )
    _aws_arguments(publish)
    publish.set_defaults(run=_run_aws, deploy=False)

    deploy = commands.add_parser(
        "deploy", help="publish, preview a change set, execute it and stream the events",
        description="Publish, then create a change set for the stack (CREATE or UPDATE, nested stacks included), "
        "print what it adds, modifies, replaces and removes, ask before executing it (never without a terminal: "
        "pass --yes or --no-execute), execute it and print stack events until the stack settles. Exit 0 when the "
        "stack is deployed, unchanged, or only previewed; 1 when CloudFormation refuses or rolls back the change, "
        "or the templates fail validation; 2 on bad input or an AWS problem (credentials, region, bucket, "
        "endpoint, a stack that cannot be changed now, no terminal to ask).",
    )
    _aws_arguments(deploy)
    deploy.add_argument("--stack", required=True, metavar="S", help="stack name")
    deploy.add_argument("--parameter", action="append", default=[], metavar="K=V",
                        help="a root parameter (see output/<name>/parameters.json); repeatable. On an update, "
                        "parameters not given keep the stack's current values, as with `aws cloudformation deploy`")
    when = deploy.add_mutually_exclusive_group()
    when.add_argument("--yes", action="store_true", help="execute the change set without asking")
    when.add_argument("--no-execute", action="store_true",
                      help="stop after the preview, leaving the change set for review")
    deploy.set_defaults(run=_run_aws, deploy=True)


def _aws_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="blueprint file")
    parser.add_argument("--bucket", required=True, metavar="B", help="S3 bucket for the templates; it must exist")
    parser.add_argument("--prefix", default="", metavar="P", help="key prefix in the bucket (default: none)")
    parser.add_argument("--region", metavar="R", help="AWS region (default: the environment's or the profile's)")
    parser.add_argument("--endpoint-url", metavar="URL",
                        help="an AWS emulator (moto, LocalStack) instead of AWS; calls are then tried once, "
                        "never retried")


def _run_aws(args: argparse.Namespace) -> int:
    from generator.blueprint import BlueprintErrors
    from generator.deploy.aws import DeployError, StackFailed, connect
    from generator.output import OutputError
    from generator.pipeline import ValidationFailed

    if args.deploy and not STACK_NAME.fullmatch(args.stack):
        raise UsageError(f"--stack {args.stack!r}: a stack name is 1-128 letters, digits and hyphens, "
                         "starting with a letter")
    parameters = _key_values(args.parameter) if args.deploy else {}
    if not args.file.is_file():
        raise UsageError(f"no such blueprint: {args.file}")
    try:
        aws = connect(args.region, args.endpoint_url)  # no credentials or region: say so before building
        return _deploy(args, aws, parameters) if args.deploy else _publish(args, aws)
    except BlueprintErrors as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USAGE
    except ValidationFailed as exc:
        print(str(exc), file=sys.stderr)
        print(f"{args.file}: templates fail validation; nothing published", file=sys.stderr)
        return EXIT_INVALID
    except (DeployError, OutputError) as exc:
        raise UsageError(str(exc)) from None
    except StackFailed as exc:
        print(f"blueprint: error: {exc.render()}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("blueprint: interrupted; what reached AWS stays (uploaded templates, a started stack operation "
              "goes on)", file=sys.stderr)
        return 130


def _built(path: Path) -> BuildResult:
    """The blueprint's files, validated exactly as `build` validates them, without writing anything."""
    import tempfile

    from generator.checks.cache import CleanCache, default_directory
    from generator.pipeline import build

    with tempfile.TemporaryDirectory(prefix="blueprint-publish-") as scratch:
        return build(path, Path(scratch), write=False, cache=CleanCache(default_directory()))


def _publish(args: argparse.Namespace, aws: Aws) -> int:
    from generator.deploy.publish import check_bucket, publish, summary

    bucket_region = check_bucket(aws.client("s3"), args.bucket)  # a missing bucket: say so before building
    result = _built(args.file)
    published = publish(aws, result.files, name=result.blueprint.name, bucket=args.bucket, prefix=args.prefix,
                        bucket_region=bucket_region)
    sys.stdout.write(summary(published, result.blueprint.name))
    return EXIT_OK


def _deploy(args: argparse.Namespace, aws: Aws, parameters: dict[str, str]) -> int:
    from generator.deploy.deploy import Request, check_parameters, deploy
    from generator.deploy.parameters import root_parameters
    from generator.deploy.publish import check_bucket, load, publish

    bucket_region = check_bucket(aws.client("s3"), args.bucket)
    result = _built(args.file)
    root = root_parameters(load(result.files["root.yaml"]))
    check_parameters(parameters, root)  # before anything is uploaded
    published = publish(aws, result.files, name=result.blueprint.name, bucket=args.bucket, prefix=args.prefix,
                        bucket_region=bucket_region)
    print(f"published {published.name}: {len(published.uploaded)} uploaded, {len(published.existing)} already "
          f"there; root template {published.root_url}")
    request = Request(args.stack, parameters, execute=not args.no_execute, assume_yes=args.yes,
                      poll_seconds=1.0 if aws.emulated else 5.0)
    deploy(aws, published, root, request, _confirm, sys.stdout)
    return EXIT_OK


def _key_values(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise UsageError(f"--parameter {pair!r}: expected KEY=VALUE")
        if key in values:
            raise UsageError(f"--parameter {key} is given twice")
        values[key] = value
    return values


def _confirm(question: str) -> bool | None:
    """The user's answer; None when stdin is not a terminal (nobody to ask: never wait for input)."""
    if not sys.stdin.isatty():
        return None
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
