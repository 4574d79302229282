"""The blueprints of a git revision, generated in a scratch worktree: the base `blueprint diff --git REV`
compares the working tree's output with."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from generator.blueprint import BlueprintErrors, load_blueprint
from generator.pipeline import documents

if TYPE_CHECKING:
    from generator.review.diff.model import Apps


class RevisionError(Exception):
    """The revision cannot be built: git is missing or refuses, or a blueprint at it does not load."""


def build_revision(revision: str, blueprints: str = "blueprints/*.yaml", cwd: Path | None = None) -> Apps:
    """The blueprints at `revision`, generated (not linted) by the generator installed now.

    The revision is checked out into a temporary worktree, so the working tree is never touched;
    `blueprints` is relative to the current directory, as it is inside the repository. A revision with no
    blueprint matching the glob is an error, not an empty base: compared with it, every application would
    look new, and a gate would pass having compared nothing.
    """
    here = (cwd or Path.cwd()).resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], here))
    prefix = _git(["rev-parse", "--show-prefix"], here)
    with tempfile.TemporaryDirectory(prefix="blueprint-diff-") as scratch:
        worktree = Path(scratch) / "base"
        _git(["worktree", "add", "--detach", "--quiet", str(worktree), revision], top)
        try:
            apps: Apps = {}
            paths = sorted(path for path in (worktree / prefix).glob(blueprints) if path.is_file())
            if not paths:
                raise RevisionError(f"no blueprint at {revision} matches {blueprints} (relative to "
                                    f"{prefix or './'}); give the blueprints' glob with --blueprints")
            for path in paths:
                try:
                    blueprint = load_blueprint(path)
                except BlueprintErrors as exc:
                    shown = str(path.relative_to(worktree))
                    raise RevisionError(f"{shown} at {revision} does not load:\n"
                                        + exc.render().replace(str(path), shown)) from None
                apps.update({target.output_name: documents(target) for target in blueprint.targets})
            return apps
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=top,
                           capture_output=True, check=False)


def _git(arguments: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RevisionError("--git needs the git command") from None
    if done.returncode != 0:
        raise RevisionError(f"git {' '.join(arguments[:2])}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip()
