"""Read blueprint YAML into plain data while remembering where every key and value sits.

PyYAML's composer gives nodes with marks; we turn them into dicts and lists ourselves so that
duplicate keys are caught (YAML parsers keep the last one silently), aliases are expanded under a
budget (no "billion laughs"), nesting depth is capped, and every key path maps to a line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.blueprint.errors import BlueprintError, KeyPath

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 20_000

# Under these mappings every scalar is kept as written: `DEBUG: yes` means the string "yes".
_VERBATIM_PARENTS = {"environment", "tags"}


@dataclass
class Positions:
    """1-based (line, column) of each value and each key, by key path."""

    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while True:
            if key and probe in self.keys:
                return self.keys[probe]
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]

    def error(self, path: KeyPath, message: str, *, key: bool = False) -> BlueprintError:
        line, column = self.locate(path, key=key)
        return BlueprintError(line, column, tuple(path), message)


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0


class SourceError(Exception):
    def __init__(self, errors: list[BlueprintError]) -> None:
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def decode(data: bytes) -> str:
    """Bytes to text, refusing what is not a blueprint-sized UTF-8 file."""
    if len(data) > MAX_BYTES:
        raise SourceError(
            [BlueprintError(1, 1, (), f"file is {len(data):,} bytes; a blueprint may be at most 1 MiB")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(
            [BlueprintError(line, column, (), f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8")]
        ) from None


def parse(text: str) -> tuple[Any, Positions, list[BlueprintError]]:
    """YAML text to plain data, positions, and the problems that still leave the data readable.

    Raises SourceError when the text is not one YAML mapping at all. Duplicate keys and values
    YAML cannot construct are returned instead, so they are reported with the model's errors.
    """
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise SourceError([_reader_error(text, exc)]) from None
    try:
        documents = []
        while loader.check_node():
            documents.append(loader.get_node())
            if len(documents) > 1:
                line, column = _mark(documents[1])
                raise SourceError(
                    [BlueprintError(line, column, (), "several YAML documents; a blueprint is exactly one")]
                )
    except yaml.MarkedYAMLError as exc:
        raise SourceError([_syntax_error(exc)]) from None
    except yaml.YAMLError as exc:
        raise SourceError([BlueprintError(1, 1, (), f"invalid YAML: {exc}")]) from None
    except RecursionError:
        # PyYAML composes nested nodes recursively: thousands of `[` exhaust the stack before our depth check.
        mark = loader.get_mark()
        raise SourceError(
            [BlueprintError(mark.line + 1, mark.column + 1, (), f"nested deeper than {MAX_DEPTH} levels")]
        ) from None
    finally:
        loader.dispose()

    if not documents or _is_null(documents[0]):
        raise SourceError(
            [BlueprintError(1, 1, (), "empty file; a blueprint is a mapping with at least `name` and `services`")]
        )
    root = documents[0]
    if not isinstance(root, yaml.MappingNode):
        line, column = _mark(root)
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        raise SourceError(
            [BlueprintError(line, column, (), f"the file holds {kind}; a blueprint is a mapping of keys")]
        )
    positions = Positions()
    problems: list[BlueprintError] = []
    data = _convert(root, (), positions, problems, _Budget(), loader)
    return data, positions, problems


def _syntax_error(exc: yaml.MarkedYAMLError) -> BlueprintError:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
    if "'\\t'" in message:
        message += "; YAML does not allow tabs for indentation, use spaces"
    elif exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
        message += f" ({exc.context} started on line {exc.context_mark.line + 1})"
    return BlueprintError(line, column, (), message)


def _reader_error(text: str, exc: yaml.reader.ReaderError) -> BlueprintError:
    line = text.count("\n", 0, exc.position) + 1
    column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
    code = ord(exc.character) if isinstance(exc.character, str) else exc.character
    return BlueprintError(line, column, (), f"character U+{code:04X} is not allowed in YAML; is this a text file?")


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _convert(
    node: yaml.Node,
    path: KeyPath,
    positions: Positions,
    errors: list[BlueprintError],
    budget: _Budget,
    loader: yaml.SafeLoader,
) -> Any:
    budget.nodes += 1
    if budget.nodes > MAX_NODES:
        raise SourceError(
            [BlueprintError(*_mark(node), path, f"more than {MAX_NODES:,} values after expanding aliases; "
                            "is this an alias bomb?")]
        )
    if len(path) > MAX_DEPTH:
        raise SourceError([BlueprintError(*_mark(node), path, f"nested deeper than {MAX_DEPTH} levels")])
    positions.values[path] = _mark(node)

    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, path, positions, errors, budget, loader)
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), positions, errors, budget, loader)
            for index, item in enumerate(node.value)
        ]
    if path and isinstance(path[-1], str) and len(path) >= 2 and path[-2] in _VERBATIM_PARENTS:
        return node.value
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as exc:
        problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) else str(exc)
        message = f"YAML cannot read this value ({problem}); quote it if it is text"
        errors.append(BlueprintError(*_mark(node), path, message))
        return None


def _convert_mapping(
    node: yaml.MappingNode,
    path: KeyPath,
    positions: Positions,
    errors: list[BlueprintError],
    budget: _Budget,
    loader: yaml.SafeLoader,
) -> dict[str, Any]:
    seen: dict[str, tuple[int, int]] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            errors.append(BlueprintError(*_mark(key_node), path, "keys must be plain strings"))
            continue
        key = key_node.value
        if key in seen:
            first_line = seen[key][0]
            errors.append(
                BlueprintError(*_mark(key_node), (*path, key), f"duplicate key (first given on line {first_line})")
            )
        else:
            seen[key] = _mark(key_node)
    try:
        loader.flatten_mapping(node)
    except yaml.MarkedYAMLError as exc:
        errors.append(BlueprintError(*_mark(node), path, f"invalid merge key: {exc.problem}"))
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        positions.keys[(*path, key)] = _mark(key_node)
        result[key] = _convert(value_node, (*path, key), positions, errors, budget, loader)
    return result
