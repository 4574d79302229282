"""The `blueprint` command: argument parsing and exit codes only, one module per area (build, review, aws);
the work is in the pipeline, review and deploy layers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from generator import __version__
from generator.cli import aws, build, review
from generator.cli.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError
from generator.cli.review import FAIL_ON

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "FAIL_ON", "UsageError", "main"]


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

    build.add_commands(commands)
    review.add_commands(commands)
    aws.add_commands(commands)
    return parser
