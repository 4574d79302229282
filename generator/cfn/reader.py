"""The one reader of CloudFormation template files: JSON or YAML, short-form tags (`!Ref`) or long form,
bounded in size and depth, and a located one-line message instead of a traceback on anything else.

Two ways to read, one parser:
- plain (the diff, publish): PyYAML's C loader first, which reads long-form YAML and JSON fast; short-form
  tags, and YAML aliases (which would make the data a graph), go to cfn-lint's decoder, whose nodes are
  then turned into plain data.
- marked (the audit): always cfn-lint's decoder, whose nodes keep `start_mark`, so findings carry lines.
cfn-lint is imported only when needed: it takes most of a second to import.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import yaml

# CloudFormation takes at most 1 MB (from S3; 51,200 bytes inline). We refuse past 1 MiB, the blueprint
# loader's cap too: a little more than CloudFormation's limit, so nothing it accepts is refused here.
MAX_BYTES = 1024 * 1024
# A real template nests some twenty levels (Resources, a resource, Properties, a container, Fn::Join...);
# past this, the data is garbage, and walking it would exhaust Python's recursion limit.
MAX_DEPTH = 100


class TemplateReadError(Exception):
    """A file that cannot be read as a CloudFormation template; the message names it (and the line)."""


class NotATemplate(TemplateReadError):
    """Well-formed JSON or YAML that is no CloudFormation template (no `Resources` mapping): a
    parameters file beside the templates, a blueprint. Readers of a directory may skip these."""


def read_template(source: Path | bytes, name: str | None = None, *, marked: bool = False) -> dict[str, Any]:
    """The template in the file `source` (or in these bytes, then called `name`), as data.

    `marked`: read with cfn-lint's decoder, whose mappings and keys carry their position
    (`start_mark`); otherwise plain dicts, lists and scalars."""
    shown = name or (str(source) if isinstance(source, Path) else "template")
    content = source if isinstance(source, bytes) else _read_bounded(source, shown)
    if len(content) > MAX_BYTES:
        raise TemplateReadError(f"{shown}: more than 1 MiB; too big for a CloudFormation template "
                                "(CloudFormation's own limit is 1 MB)")
    data = _parse(content, shown, marked)
    if _walk(data).too_deep:
        raise TemplateReadError(f"{shown}: nested deeper than {MAX_DEPTH} levels; not a CloudFormation template")
    if not isinstance(data, dict) or not data:
        what = "empty" if not data else "a list, not a mapping" if isinstance(data, list) else "a single value"
        raise NotATemplate(f"{shown}: not a CloudFormation template ({what})")
    if not isinstance(data.get("Resources"), dict):
        raise NotATemplate(f"{shown}: not a CloudFormation template (no Resources mapping)")
    return data


def read_document(text: str) -> Any:
    """A document written as a JSON string inside a template (an IAM policy, a trust policy): its data,
    or None when it does not parse."""
    try:
        return _parse(text.encode("utf-8"), "document", marked=False)
    except TemplateReadError:
        return None


def _read_bounded(path: Path, shown: str) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(MAX_BYTES + 1)  # enough to tell it is too big, never the whole of a huge file
    except OSError as exc:
        raise TemplateReadError(f"{shown}: cannot read template: {exc.strerror or exc}") from None


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's loader, but a mapping with a key twice is no value: PyYAML keeps the last, cfn-lint's
    decoder (and CloudFormation) refuse it, so such text goes on to the decoder, which says where."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        merges = any(key.tag == "tag:yaml.org,2002:merge" for key, _ in node.value)  # before they are flattened
        mapping = super().construct_mapping(node, deep=deep)
        if not merges and len(mapping) != len(node.value):
            raise yaml.constructor.ConstructorError(None, None, "duplicate key", node.start_mark)
        return mapping


def _parse(content: bytes, shown: str, marked: bool) -> Any:
    """The only place in the package that parses a template's text."""
    if not marked:
        try:
            data = yaml.load(content, Loader=_FastLoader)
        except (yaml.YAMLError, RecursionError):
            pass  # short-form tags, or not YAML at all: cfn-lint's decoder says which
        else:
            if not _walk(data).shared:  # YAML aliases: see _Shape
                return data
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateReadError(f"{shown}: cannot read template: not UTF-8 text (byte {exc.start:,})") from None
    from cfnlint.decode import decode_str  # imported late: see the module's docstring

    try:
        data, problems = decode_str(text)
    except Exception as exc:  # cfn-lint's decoder catches most of what garbage raises, not all
        raise TemplateReadError(f"{shown}: cannot read template: {exc}") from None
    if problems:
        problem = problems[0]
        where = f"line {problem.linenumber}: " if problem.linenumber else ""
        raise TemplateReadError(f"{shown}: {where}cannot read template: {problem.message}")
    if marked or data is None or _walk(data).too_deep:
        return data
    # cfn-lint's nodes (dict_node, str_node) to plain data, as the fast path gives.
    return json.loads(json.dumps(data, default=str))


class _Shape(NamedTuple):
    too_deep: bool  # nests past MAX_DEPTH
    # A list or mapping found in two places: YAML aliases, which make one object appear in several places;
    # a few can stand for billions of values once walked, so such data goes through cfn-lint's decoder,
    # which bounds their expansion.
    shared: bool


def _walk(data: Any) -> _Shape:
    seen: set[int] = set()
    stack = [(data, 1)]
    shared = False
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            return _Shape(True, shared)
        if id(value) in seen:
            shared = True
            continue
        seen.add(id(value))
        stack.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))
    return _Shape(False, shared)
