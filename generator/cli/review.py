"""`blueprint diff`, `diagram` and `explain`: pull-request review, arguments and exit codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.cli.common import (
    DEFAULT_BLUEPRINTS,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    environment_argument,
    load_or_report,
    write,
)

FAIL_ON = ("replacement", "may-replace", "removal", "any")  # generator.review.diff.FAIL_ON, kept light here


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    diff = commands.add_parser(
        "diff", help="what deploying a change does: resources added, removed, replaced, updated",
        description="Compare two template sets stack by stack: BASE and HEAD are output directories (holding "
        "<name>/ directories, or one application's templates). With --git REV, BASE is the blueprints at git "
        "revision REV, built in a temporary worktree, and HEAD defaults to output. Each modified resource is "
        "classified by CloudFormation's update behaviour (replacement, may-replace, interruption, in-place). "
        "Stacks are paired by name (network.json and network.yaml are one stack). Exit 1 when a --fail-on "
        "condition holds; 2 on bad input: a template that cannot be read, a side that builds nothing, or a gate "
        "over a comparison in which no application is on both sides.",
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
    environment_argument(diagram, "draw (default: the blueprint's own keys)")
    diagram.set_defaults(run=_run_diagram)

    explain = commands.add_parser(
        "explain", help="every value a blueprint leaves to a default, and why",
        description="List each key the blueprint leaves out, the default the generator uses (resolved when it "
        "depends on other keys) and the reason, from the blueprint model.",
    )
    explain.add_argument("file", type=Path, metavar="FILE", help="blueprint file")
    explain.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    environment_argument(explain, "explain, merged over the blueprint's own keys (default: the blueprint's own "
                         "keys, which every environment shares)")
    explain.set_defaults(run=_run_explain)


def _run_diff(args: argparse.Namespace) -> int:
    from generator.review.diff import (
        DiffInputError,
        as_json,
        as_markdown,
        as_text,
        diff_apps,
        diff_directories,
        read_side,
    )
    from generator.revision import RevisionError, build_revision

    paths: list[Path] = args.paths
    if args.git is None and len(paths) != 2:
        raise UsageError("diff needs BASE and HEAD directories, or --git REV [HEAD]")
    if args.git is not None and len(paths) > 1:
        raise UsageError("with --git REV, give at most HEAD (default: output)")
    passed_over: list[str] = []
    try:
        if args.git is not None:
            if not any(path.is_file() for path in Path().glob(args.blueprints)):
                raise UsageError(f"no blueprint in the working tree matches {args.blueprints}; give the "
                                 "blueprints' glob with --blueprints")
            head, single = read_side(paths[0] if paths else Path("output"), passed_over)
            base = build_revision(args.git, args.blueprints)
            result = diff_apps(base, head, pair_single=single)
        else:
            result = diff_directories(paths[0], paths[1], passed_over)
    except (DiffInputError, RevisionError) as exc:
        raise UsageError(str(exc)) from None
    for note in passed_over:  # nothing is left out without a word
        print(f"blueprint diff: not compared, not a template: {note}", file=sys.stderr)
    if args.fail_on and not result.compared:
        raise UsageError("no application is on both sides, so nothing was compared; a --fail-on gate cannot "
                         "pass on that (compare the directories of one application, or check the paths)")
    report = {"json": as_json, "markdown": as_markdown}.get(args.format, as_text)(result)
    write(report, args.output)
    return EXIT_INVALID if result.fails(args.fail_on) else EXIT_OK


def _run_diagram(args: argparse.Namespace) -> int:
    from generator.checks.audit import TemplateSet
    from generator.pipeline import documents
    from generator.review.diagram import architecture_markdown, mermaid

    blueprint = load_or_report(args.file, args.env)
    if blueprint is None:
        return EXIT_USAGE
    templates = TemplateSet.of_documents(documents(blueprint))
    if args.format == "mermaid":
        report = mermaid(templates, blueprint)
    else:
        report = architecture_markdown(blueprint.output_name, templates, blueprint)
    write(report, args.output)
    return EXIT_OK


def _run_explain(args: argparse.Namespace) -> int:
    from generator.review.explain import as_json, as_text

    blueprint = load_or_report(args.file, args.env)
    if blueprint is None:
        return EXIT_USAGE
    sys.stdout.write((as_json if args.format == "json" else as_text)(blueprint, str(args.file)))
    return EXIT_OK

