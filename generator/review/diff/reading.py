"""Reading template sets for the diff: an output directory of applications, or one application's templates."""

from __future__ import annotations

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
