"""Reading template sets for the diff: an output directory of applications, or one application's templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from generator.review.diff.model import TEMPLATE_SUFFIXES, Apps, DiffInputError


def load_templates(directory: Path) -> dict[str, dict[str, Any]]:
    """Every CloudFormation template directly in `directory`, by file name."""
    found = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or not path.name.endswith(TEMPLATE_SUFFIXES):
            continue
        data = _parse(path)
        if isinstance(data, dict) and isinstance(data.get("Resources"), dict):
            found[path.name] = data
    return found


def _parse(path: Path) -> Any:
    text = path.read_bytes()
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        pass
    from cfnlint.decode import decode  # short-form tags (!Ref): slower, so only when needed

    try:
        data, _ = decode(str(path))
    except Exception as exc:  # cfn-lint's decoder raises many kinds on garbage
        raise DiffInputError(f"{path}: cannot read template: {exc}") from None
    return json.loads(json.dumps(data, default=str)) if data is not None else None


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
