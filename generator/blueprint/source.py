"""Read blueprint YAML into plain data while remembering where every key and value sits.

PyYAML's composer gives nodes with marks; we turn them into dicts and lists ourselves so that
duplicate keys are caught (YAML parsers keep the last one silently), aliases are expanded under a
budget (no "billion laughs"), nesting depth is capped, and every key path maps to a line and column.
Only plain YAML is read: tags that would build other objects (`!!python/object`, `!!binary`, `!!set`)
are refused, and so are numbers too long to be anything but a mistake. A value means what it says to
any YAML reader: what YAML 1.1 alone turns into something else (`010` is 8, `1:20` is 80, `yes` is true)
is refused with what it would have meant, and the values of `environment` and `tags` are kept as written.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.blueprint.errors import BlueprintError, KeyPath
from generator.files import MAX_INPUT_BYTES, NotRegularFile, read_bounded

MAX_BYTES = MAX_INPUT_BYTES
MAX_DEPTH = 32
MAX_NODES = 20_000  # values (not keys), counted once as written and again after expanding aliases
MAX_NUMBER_CHARS = 100  # Python cannot even print an integer of 4,300 digits

_TAG = "tag:yaml.org,2002:"
# The tags of plain YAML data; an explicit `!!str 8080` is fine, `!!python/object:os.system` is not.
_SCALAR_TAGS = {_TAG + kind for kind in ("null", "bool", "int", "float", "str", "timestamp")}
_MERGE = _TAG + "merge"
_KINDS: dict[type, tuple[str, set[str]]] = {  # a collection's tag must say what it is
    yaml.MappingNode: ("mapping", {_TAG + "map"}),
    yaml.SequenceNode: ("list", {_TAG + "seq"}),
}

# The values of these mappings are text, every scalar kept as written: `DEBUG: yes` is the string "yes",
# `MODE: 010` the string "010". Wildcards stand for the names a user gives (a service named `environment`
# is a service, not an environment); an environment's overlay (`environments.<env>.`) holds them too.
_VERBATIM: tuple[tuple[str | None, ...], ...] = tuple(
    prefix + pattern for prefix in ((), ("environments", None))
    for pattern in (("tags", None), ("services", None, "environment", None))
)

# What YAML 1.2 (and JSON) read the same as YAML 1.1 does: decimal integers, true and false. Any other text
# that PyYAML (YAML 1.1) reads as an integer or a boolean means something else to a reader of YAML 1.2 or to
# the person who wrote it, so it is refused (floats, dates and nulls are never taken for an integer or a
# string: the model refuses them with the value YAML read).
_PLAIN_INTEGER = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_BOOLEANS = {"true", "True", "TRUE", "false", "False", "FALSE"}


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


class _Lines:
    """Line and column of a character, counting lines as editors do: YAML also breaks lines at
    U+0085, U+2028 and U+2029, which editors show inside a line."""

    def __init__(self, text: str | bytes) -> None:
        breaks = re.compile(r"\r\n|\r|\n" if isinstance(text, str) else rb"\r\n|\r|\n")
        self.starts = [0, *(match.end() for match in breaks.finditer(text))]

    def at(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1


class _Loader(yaml.SafeLoader):
    """SafeLoader that stops composing past MAX_NODES values (a 1 MiB file of tiny values would
    otherwise take PyYAML many seconds to compose before our own budget could look at it), and
    places marks on the lines an editor shows."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.values = 0
        self.lines = _Lines(text)
        self.verbatim = _VERBATIM

    def where(self, mark: yaml.Mark) -> tuple[int, int]:
        return self.lines.at(mark.index)

    def at(self, node: yaml.Node) -> tuple[int, int]:
        return self.where(node.start_mark)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        is_key = isinstance(parent, yaml.MappingNode) and index is None
        if not is_key:
            self.values += 1
            if self.values > MAX_NODES:
                where = self.where(self.peek_event().start_mark)
                raise SourceError(
                    [BlueprintError(*where, (), f"more than {MAX_NODES:,} values; a blueprint needs far fewer")]
                )
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


class SourceError(Exception):
    def __init__(self, errors: list[BlueprintError]) -> None:
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


def read_source(path: Path, what: str = "a blueprint") -> bytes:
    """A file's bytes as the loader takes them: a regular file of at most MAX_BYTES (files.read_bounded: a device
    or a pipe is not read, a larger file is refused by its size without being held in memory). Raises OSError
    when the file cannot be opened or read, SourceError when it is not one to read."""
    try:
        data, size = read_bounded(path, MAX_BYTES)
    except NotRegularFile:
        raise SourceError([BlueprintError(1, 1, (), f"not a regular file; {what} is a YAML file")]) from None
    if size > MAX_BYTES:
        raise SourceError([_too_large(size, what)])
    return data


def _too_large(size: int, what: str) -> BlueprintError:
    return BlueprintError(1, 1, (), f"file is {size:,} bytes; {what} may be at most 1 MiB")


def decode(data: bytes) -> str:
    """Bytes to text, refusing what is not a blueprint-sized UTF-8 file."""
    if len(data) > MAX_BYTES:
        raise SourceError([_too_large(len(data), "a blueprint")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _Lines(data).at(exc.start)
        raise SourceError(
            [BlueprintError(line, column, (), f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8")]
        ) from None


def parse(
    text: str, *, verbatim: tuple[tuple[str | None, ...], ...] = _VERBATIM
) -> tuple[Any, Positions, list[BlueprintError]]:
    """YAML text to plain data, positions, and the problems that still leave the data readable.

    Raises SourceError when the text is not one YAML mapping at all. Duplicate keys and values
    YAML cannot construct are returned instead, so they are reported with the model's errors.
    `verbatim` names the mappings whose values are text kept as written (another format's own, such
    as a Copilot manifest's `variables`); by default the blueprint's.
    """
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise SourceError([_reader_error(text, exc)]) from None
    loader.verbatim = verbatim
    try:
        documents = []
        while loader.check_node():
            documents.append(loader.get_node())
            if len(documents) > 1:
                line, column = loader.at(documents[1])
                raise SourceError(
                    [BlueprintError(line, column, (), "several YAML documents; a blueprint is exactly one")]
                )
    except yaml.MarkedYAMLError as exc:
        raise SourceError([_syntax_error(exc, loader)]) from None
    except yaml.YAMLError as exc:
        raise SourceError([BlueprintError(1, 1, (), f"invalid YAML: {exc}")]) from None
    except RecursionError:
        # PyYAML composes nested nodes recursively: thousands of `[` exhaust the stack before our depth check.
        where = loader.where(loader.get_mark())
        raise SourceError([BlueprintError(*where, (), f"nested deeper than {MAX_DEPTH} levels")]) from None
    finally:
        loader.dispose()

    if not documents or _is_null(documents[0]):
        raise SourceError(
            [BlueprintError(1, 1, (), "empty file; a blueprint is a mapping with at least `name` and `services`")]
        )
    root = documents[0]
    if not isinstance(root, yaml.MappingNode):
        line, column = loader.at(root)
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        raise SourceError(
            [BlueprintError(line, column, (), f"the file holds {kind}; a blueprint is a mapping of keys")]
        )
    positions = Positions()
    problems: list[BlueprintError] = []
    data = _convert(root, (), positions, problems, _Budget(), loader)
    return data, positions, problems


def _syntax_error(exc: yaml.MarkedYAMLError, loader: _Loader) -> BlueprintError:
    mark = exc.problem_mark or exc.context_mark
    line, column = loader.where(mark) if mark else (1, 1)
    message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
    if "'\\t'" in message:
        message += "; YAML does not allow tabs for indentation, use spaces"
    elif exc.context and exc.context_mark and exc.problem_mark:
        started, _ = loader.where(exc.context_mark)
        if started != line:
            message += f" ({exc.context} started on line {started})"
    return BlueprintError(line, column, (), message)


def _reader_error(text: str, exc: yaml.reader.ReaderError) -> BlueprintError:
    line, column = _Lines(text).at(exc.position)
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
    loader: _Loader,
) -> Any:
    budget.nodes += 1
    if budget.nodes > MAX_NODES:
        raise SourceError(
            [BlueprintError(*loader.at(node), path, f"more than {MAX_NODES:,} values after expanding aliases; "
                            "is this an alias bomb?")]
        )
    if len(path) > MAX_DEPTH:
        raise SourceError([BlueprintError(*loader.at(node), path, f"nested deeper than {MAX_DEPTH} levels")])
    positions.values[path] = loader.at(node)

    if node.tag in (_TAG + "value", _MERGE):
        # A plain `=` (YAML 1.1's "default value" type) or `<<` where a value goes: the text, which is what
        # anyone writing it means. `<<` as a key is a merge, handled with its mapping.
        node.tag = _TAG + "str"
    problem = _unreadable(node)
    if problem:
        errors.append(BlueprintError(*loader.at(node), path, problem))
        return None
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, path, positions, errors, budget, loader)
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), positions, errors, budget, loader)
            for index, item in enumerate(node.value)
        ]
    if _verbatim(path, loader.verbatim):
        return node.value
    if node.tag == _TAG + "int" and len(node.value) > MAX_NUMBER_CHARS:
        message = (f"a number of {len(node.value):,} characters is too long for any blueprint value; "
                   "quote it if it is text")
        errors.append(BlueprintError(*loader.at(node), path, message))
        return None
    try:
        value = loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) else str(exc)
        message = f"YAML cannot read this value ({problem}); quote it if it is text"
        errors.append(BlueprintError(*loader.at(node), path, message))
        return None
    surprise = _yaml11_surprise(node, value)
    if surprise:
        errors.append(BlueprintError(*loader.at(node), path, surprise))
        return None
    return value


def _verbatim(path: KeyPath, patterns: tuple[tuple[str | None, ...], ...]) -> bool:
    """Whether the value at `path` is text kept exactly as written (see _VERBATIM)."""
    return any(len(path) == len(pattern)
               and all(want is None or want == part for want, part in zip(pattern, path, strict=True))
               for pattern in patterns)


def _yaml11_surprise(node: yaml.Node, value: Any) -> str | None:
    """Why a value YAML 1.1 read as an integer or a boolean does not mean what it says (`010` is 8 in YAML 1.1
    and 10 in YAML 1.2), with what it was read as and how to write it; None for a plain decimal or true/false."""
    text = node.value
    if isinstance(value, bool):
        if text in _PLAIN_BOOLEANS:
            return None
        meaning = str(value).lower()
        return f"YAML 1.1 reads {text} as the boolean {meaning}; write {meaning}, or '{text}' in quotes if it is text"
    if isinstance(value, int):
        if _PLAIN_INTEGER.fullmatch(text):
            return None
        return (f"YAML 1.1 reads {text} as {_integer_kind(text)} {value}; write numbers in plain decimal digits, "
                f"or '{text}' in quotes if it is text")
    return None


def _integer_kind(text: str) -> str:
    digits = text.lstrip("+-")
    if ":" in digits:
        return "the base-60 number"
    if digits.startswith("0x"):
        return "the hexadecimal number"
    if digits.startswith("0b"):
        return "the binary number"
    if digits.startswith("0") and len(digits.replace("_", "")) > 1:
        return "the octal number"
    return "the number"  # digits grouped with `_`: 1_000 is 1000


def _unreadable(node: yaml.Node) -> str | None:
    """Why a node is not plain blueprint data: a tag that builds some other object, or text that no
    file can hold (a lone UTF-16 surrogate, written as a `"\\ud800"` escape)."""
    kind, tags = _KINDS.get(type(node), ("value", _SCALAR_TAGS))
    if node.tag not in tags:
        tag = "!!" + node.tag.removeprefix(_TAG) if node.tag.startswith(_TAG) else node.tag
        if node.tag in _SCALAR_TAGS or node.tag in (_TAG + "map", _TAG + "seq"):
            return f"the tag {tag} does not fit a {kind}; remove it"
        return (f"the tag {tag} is not allowed in a blueprint; remove it (a blueprint holds plain text, "
                "numbers, booleans, lists and mappings)")
    if isinstance(node, yaml.ScalarNode):
        surrogate = next((char for char in node.value if "\ud800" <= char <= "\udfff"), None)
        if surrogate is not None:
            return (f"contains U+{ord(surrogate):04X}, half of a UTF-16 surrogate pair and not a character on "
                    "its own; write the character itself")
    return None


def _convert_mapping(
    node: yaml.MappingNode,
    path: KeyPath,
    positions: Positions,
    errors: list[BlueprintError],
    budget: _Budget,
    loader: _Loader,
) -> dict[str, Any]:
    seen: dict[str, tuple[int, int]] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE or not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        if key in seen:
            first_line = seen[key][0]
            errors.append(
                BlueprintError(*loader.at(key_node), (*path, key), f"duplicate key (first given on line {first_line})")
            )
        else:
            seen[key] = loader.at(key_node)
    if _merges_deeper_than(node, MAX_DEPTH):
        errors.append(BlueprintError(*loader.at(node), path, f"merge keys (`<<`) nest deeper than {MAX_DEPTH} levels, "
                                     "or a mapping merges itself"))
        node.value = [(key, value) for key, value in node.value if key.tag != _MERGE]
    try:
        loader.flatten_mapping(node)
    except yaml.MarkedYAMLError as exc:
        errors.append(BlueprintError(*loader.at(node), path, f"invalid merge key: {exc.problem}"))
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            continue  # left over from a merge key that could not be used; reported above
        if not isinstance(key_node, yaml.ScalarNode):
            errors.append(BlueprintError(*loader.at(key_node), path, "keys must be plain strings"))
            continue
        if key_node.tag == _TAG + "value":
            key_node.tag = _TAG + "str"
        problem = _unreadable(key_node)
        if problem:
            errors.append(BlueprintError(*loader.at(key_node), path, f"key {problem}"))
            continue
        key = key_node.value
        positions.keys[(*path, key)] = loader.at(key_node)
        result[key] = _convert(value_node, (*path, key), positions, errors, budget, loader)
    return result


def _merges_deeper_than(node: yaml.MappingNode, limit: int) -> bool:
    """Whether `<<` merges chain more than `limit` mappings deep (PyYAML would recurse until Python's
    stack runs out). Walks one level of merged mappings at a time, each mapping once per level."""
    level = {id(node): node}
    for _ in range(limit + 1):
        merged: dict[int, yaml.MappingNode] = {}
        for mapping in level.values():
            for key, value in mapping.value:
                if key.tag == _MERGE:
                    sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
                    merged.update((id(s), s) for s in sources if isinstance(s, yaml.MappingNode))
        if not merged:
            return False
        level = merged
    return True
