"""The `blueprint` command: argument parsing and exit codes only, one module per area (build, review, aws);
the work is in the pipeline, review and deploy layers.

This module imports nothing at its top, so that Ctrl-C at any moment after the interpreter has started
(while the parser, the area modules or the pipeline are still being imported) ends in one line and
exit 130, never a traceback: everything is imported inside main()'s handler.
"""

from __future__ import annotations

import sys  # built in: importing it cannot be interrupted half-way

__all__ = ["EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "FAIL_ON", "UsageError", "main"]

EXIT_INTERRUPTED = 128 + 2  # what a shell reports for a command ended by SIGINT


def main(argv: list[str] | tuple[str, ...] | None = None) -> int:
    try:
        from generator.cli.commands import run

        return run(argv)
    except KeyboardInterrupt:
        print("blueprint: interrupted; output left as it was", file=sys.stderr)
        return EXIT_INTERRUPTED


def __getattr__(name: str) -> object:
    """The exit codes, the usage error and the diff gates, imported only when asked for (see above)."""
    if name in ("EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "UsageError"):
        from generator.cli import common

        return getattr(common, name)
    if name == "FAIL_ON":
        from generator.cli.review import FAIL_ON

        return FAIL_ON
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
