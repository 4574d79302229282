"""What every command shares: exit codes, the usage error, the default blueprint files, writing a report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.blueprint import Blueprint

EXIT_OK = 0
EXIT_INVALID = 1  # templates fail lint or audit, output/ is stale, or a deployed stack fails
EXIT_USAGE = 2  # bad input or usage

DEFAULT_BLUEPRINTS = "blueprints/*.yaml"


class UsageError(Exception):
    pass


def blueprint_files(files: list[Path]) -> list[Path]:
    if files:
        return files
    found = sorted(Path().glob(DEFAULT_BLUEPRINTS))
    if not found:
        raise UsageError(f"no blueprint files given and none match {DEFAULT_BLUEPRINTS}")
    return found


def load_or_report(path: Path) -> Blueprint | None:
    """The blueprint, or None after printing its located errors."""
    from generator.blueprint import BlueprintErrors, load_blueprint

    try:
        return load_blueprint(path)
    except BlueprintErrors as exc:
        print(exc.render(), file=sys.stderr)
        return None


def write(report: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(report)
        return
    try:
        output.write_text(report, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None
