"""What every command shares: exit codes, the usage error, the default blueprint files, writing a report."""

from __future__ import annotations

import argparse
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


def load_or_report(path: Path, environment: str | None = None, *, required: bool = False) -> Blueprint | None:
    """The blueprint (`environment`'s merged blueprint, when given), or None after printing its located
    errors. `required`: a blueprint with environments needs --env (what deploys must name one)."""
    from generator.blueprint import BlueprintErrors, load_blueprint

    try:
        blueprint = load_blueprint(path)
    except BlueprintErrors as exc:
        print(exc.render(), file=sys.stderr)
        return None
    return choose_environment(blueprint, environment, required=required)


def choose_environment(blueprint: Blueprint, environment: str | None, *, required: bool) -> Blueprint:
    """The merged blueprint of --env ENVIRONMENT; --env given to a blueprint without environments, or a
    name it does not declare, is a usage error."""
    declared = ", ".join(blueprint.environments)
    if environment is None:
        if required and blueprint.environments:
            raise UsageError(f"blueprint {blueprint.name} has environments ({declared}): choose one with --env")
        return blueprint
    if not blueprint.environments:
        raise UsageError(f"--env {environment}: blueprint {blueprint.name} declares no environments")
    if environment not in blueprint.environments:
        raise UsageError(f"--env {environment}: blueprint {blueprint.name} has no such environment; it has {declared}")
    return next(target for target in blueprint.targets
                if target.environment is not None and target.environment.name == environment)


def environment_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--env", metavar="NAME", help=f"the environment to {what} (see the blueprint's "
                        "`environments`)")


def write(report: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(report)
        return
    try:
        output.write_text(report, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None
