"""Reading template sets for the diff: an output directory of applications, or one application's templates.

Nothing in a set vanishes silently: a file the reader refuses fails the diff with the reader's reason, and
a file that parses but is no template is passed over only when it is recognisably something else (a
parameters file, a blueprint); one that looks like a broken template (empty, a template section but no
`Resources`) fails the diff too, since dropping it would report its whole stack as added or removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.cfn.reader import MAX_BYTES, NotATemplate, TemplateReadError, read_document, read_template
from generator.review.diff.model import TEMPLATE_SUFFIXES, Apps, DiffInputError
from generator.review.diff.values import stack_name

# The top-level sections of a template: a file with any of them but no Resources is a broken template.
TEMPLATE_SECTIONS = frozenset({"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
                               "Mappings", "Conditions", "Transform", "Resources", "Outputs", "Hooks"})
# A template configuration file (CodePipeline's): a mapping of these only.
CONFIGURATION_KEYS = frozenset({"Parameters", "Tags", "StackPolicy"})


def load_templates(directory: Path, passed_over: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Every CloudFormation template directly in `directory`, by file name. Other JSON and YAML files are
    passed over (and named in `passed_over`, but for parameters files) when they are recognisably no
    template; anything else that cannot be read as a template is an error."""
    found: dict[str, dict[str, Any]] = {}
    stacks: dict[str, str] = {}
    for path in sorted(directory.iterdir()):
        if not path.name.endswith(TEMPLATE_SUFFIXES) or path.is_dir():
            continue
        if not path.is_file():  # a FIFO would block the read for ever; a dangling link is no template either
            raise DiffInputError(f"{path}: not a regular file; the diff cannot read it")
        try:
            template = read_template(path)
        except NotATemplate as exc:
            kind = _other_file(path)
            if kind is None:
                raise DiffInputError(f"{exc}; the diff cannot compare it (fix it, or move it out of the "
                                     "directory)") from None
            if passed_over is not None and kind != "parameters":
                passed_over.append(f"{path} ({kind})")
            continue
        except TemplateReadError as exc:
            raise DiffInputError(str(exc)) from None
        stack = stack_name(path.name)
        if stack in stacks:
            raise DiffInputError(f"{directory}: {stacks[stack]} and {path.name} are both templates of stack "
                                 f"{stack!r}; keep one")
        stacks[stack] = path.name
        found[path.name] = template
    return found


def _other_file(path: Path) -> str | None:
    """What a file that parses but is no template is, when it is recognisably something else."""
    try:
        with path.open("rb") as file:
            data = read_document(file.read(MAX_BYTES + 1).decode("utf-8", errors="replace"))
    except OSError:
        return None
    # `deploy --parameter-overrides` files: "Key=Value" strings (parameters.json now), or CloudFormation's
    # {"ParameterKey": ...} entries (parameters.json before issue 19, still in committed outputs and revisions).
    if isinstance(data, list) and data and all(
            (isinstance(item, str) and "=" in item) or (isinstance(item, dict) and "ParameterKey" in item)
            for item in data):
        return "parameters"
    given = data.get("Parameters") if isinstance(data, dict) else None
    if isinstance(given, dict) and set(data) <= CONFIGURATION_KEYS \
            and not any(isinstance(value, dict | list) for value in given.values()):
        return "parameters"  # a template's Parameters declare (mappings); a configuration's give values
    if isinstance(data, dict) and data and not set(map(str, data)) & TEMPLATE_SECTIONS:
        return "not a CloudFormation template"
    return None


def load_apps(path: Path, passed_over: list[str] | None = None) -> Apps:
    """An output directory (one <name>/ per application) or one application's directory."""
    return read_side(path, passed_over)[0]


def read_side(path: Path, passed_over: list[str] | None = None) -> tuple[Apps, bool]:
    """One side of a diff: its applications, and whether `path` is one application's own directory."""
    if not path.is_dir():
        raise DiffInputError(f"{path}: not a directory of templates")
    own = load_templates(path, passed_over)
    if own:
        return {path.resolve().name: own}, True
    apps = {child.name: load_templates(child, passed_over) for child in sorted(path.iterdir())
            if child.is_dir() and not child.name.startswith(".")}
    apps = {name: templates for name, templates in apps.items() if templates}
    if not apps:
        raise DiffInputError(f"{path}: no CloudFormation templates in it or in its <name>/ directories")
    return apps, False
