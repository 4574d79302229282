"""The `blueprint` parser: one subcommand per area module (build, review, aws), and the dispatch to them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from generator import __version__
from generator.cli import aws, build, importing, review
from generator.cli.common import EXIT_USAGE, UsageError


def run(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"blueprint: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="blueprint",
        description="Turn a YAML blueprint into validated, nested CloudFormation for Amazon ECS.",
        epilog="Exit codes: 0 success; 1 templates fail validation, output is stale, or a stack fails to deploy; "
        "2 bad input or usage; 130 interrupted (Ctrl-C).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    build.add_commands(commands)
    review.add_commands(commands)
    aws.add_commands(commands)
    importing.add_commands(commands)
    return parser
