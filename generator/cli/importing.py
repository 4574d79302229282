"""`blueprint import copilot DIR [-o FILE]`: its arguments and exit codes; the work is in generator.importing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.cli.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, write


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "import", help="write a blueprint from another tool's description of an application",
        description="Read an AWS Copilot workspace (copilot/.workspace, every service, job and environment "
        "manifest) and write one blueprint. What cannot be carried over is reported on stderr, one line per item: "
        "FILE:LINE:COL: left out: KEY.PATH: reason. Exit 0 when nothing is left out, 1 when something is, "
        "2 when DIR is not a workspace.",
    )
    command.add_argument("source", choices=["copilot"], help="the tool the application comes from")
    command.add_argument("directory", type=Path, metavar="DIR", help="the workspace (the folder holding copilot/)")
    command.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the blueprint to FILE "
                         "(default: stdout)")
    command.set_defaults(run=_run_import)


def _run_import(args: argparse.Namespace) -> int:
    from generator.importing import NotAWorkspace, import_copilot

    try:
        imported = import_copilot(args.directory)
    except NotAWorkspace as exc:
        print(exc if exc.located else f"blueprint: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    write(imported.text, args.output)  # a file that cannot be written is a UsageError: exit 2
    report = imported.report.render()
    sys.stderr.write(report)
    return EXIT_INVALID if report else EXIT_OK
