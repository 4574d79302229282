"""Reading template sets for the diff: an output directory of applications, or one application's templates."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from generator.cfn.reader import NotATemplate, TemplateReadError, read_template
from generator.review.diff.model import TEMPLATE_SUFFIXES, Apps, DiffInputError


def load_templates(directory: Path) -> dict[str, dict[str, Any]]:
    """Every CloudFormation template directly in `directory`, by file name; other JSON and YAML files
    (parameters.json) are passed over, a file that cannot be read at all is an error."""
    found = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or not path.name.endswith(TEMPLATE_SUFFIXES):
            continue
        try:
            found[path.name] = read_template(path)
        except NotATemplate:
            continue
        except TemplateReadError as exc:
            raise DiffInputError(str(exc)) from None
    return found


def load_apps(path: Path) -> Apps:
    """An output directory (one <name>/ per application) or one application's directory."""
    if not path.is_dir():
        raise DiffInputError(f"{path}: not a directory of templates")
    own = load_templates(path)
    if own:
        return {path.resolve().name: own}
    apps = {child.name: load_templates(child) for child in sorted(path.iterdir())
            if child.is_dir() and not child.name.startswith(".")}
    apps = {name: templates for name, templates in apps.items() if templates}
    if not apps:
        raise DiffInputError(f"{path}: no CloudFormation templates in it or in its <name>/ directories")
    return apps



def build_revision(revision: str, blueprints: str = "blueprints/*.yaml", cwd: Path | None = None) -> Apps:
    """The blueprints of a git revision, generated (not linted) with the generator installed now.

    The revision is checked out into a temporary worktree, so the working tree is never touched;
    `blueprints` is relative to the current directory, as it is inside the repository.
    """
    from generator.blueprint import BlueprintErrors, load_blueprint
    from generator.pipeline import documents

    here = (cwd or Path.cwd()).resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], here))
    prefix = _git(["rev-parse", "--show-prefix"], here)
    with tempfile.TemporaryDirectory(prefix="blueprint-diff-") as scratch:
        worktree = Path(scratch) / "base"
        _git(["worktree", "add", "--detach", "--quiet", str(worktree), revision], top)
        try:
            apps: Apps = {}
            for path in sorted((worktree / prefix).glob(blueprints)):
                try:
                    blueprint = load_blueprint(path)
                except BlueprintErrors as exc:
                    shown = str(path.relative_to(worktree))
                    raise DiffInputError(f"{shown} at {revision} does not load:\n"
                                         + exc.render().replace(str(path), shown)) from None
                apps[blueprint.name] = documents(blueprint)
            return apps
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=top,
                           capture_output=True, check=False)


def _git(arguments: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise DiffInputError("--git needs the git command") from None
    if done.returncode != 0:
        raise DiffInputError(f"git {' '.join(arguments[:2])}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip()
