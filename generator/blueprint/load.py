"""Load a blueprint file: bytes -> YAML with positions -> typed model -> cross-field rules.

Every problem in the file is reported at once, each as FILE:LINE:COL: error: KEY.PATH: message.
"""

from __future__ import annotations

import datetime
import typing
from difflib import SequenceMatcher, get_close_matches
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.blueprint import rules
from generator.blueprint.annotations import unwrap
from generator.blueprint.environment import Target
from generator.blueprint.environments import load_environments
from generator.blueprint.errors import BlueprintError, BlueprintErrors, KeyPath
from generator.blueprint.model import Blueprint
from generator.blueprint.source import Positions, SourceError, decode, parse, read_source

_TYPE_WORDS = {
    "int_type": "an integer",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping of keys",
    "model_type": "a mapping of keys",
}


def load_blueprint(path: str | Path) -> Blueprint:
    """Read and validate one blueprint file; raises BlueprintErrors with every problem found."""
    return load_blueprint_bytes(read_blueprint(path), str(path))


def read_blueprint(path: str | Path) -> bytes:
    """A blueprint file's bytes; a file that cannot be read is a BlueprintErrors like any other problem."""
    try:
        return read_source(Path(path))
    except OSError as exc:
        raise BlueprintErrors(str(path), [BlueprintError(1, 1, (), f"cannot read file: {exc.strerror}")]) from None
    except SourceError as exc:
        raise BlueprintErrors(str(path), exc.errors) from None


def load_blueprint_bytes(data: bytes, filename: str) -> Blueprint:
    try:
        raw, positions, problems = parse(decode(data))
    except SourceError as exc:
        raise BlueprintErrors(filename, exc.errors) from None
    blueprint, errors = validate(raw, positions, None)
    # A duplicate key or an unreadable value is reported already; its place needs no second error.
    reported = {problem.path for problem in problems}
    problems += [error for error in errors if error.path not in reported]
    # Each environment's merged blueprint is checked like any blueprint, its errors placed in its overlay.
    own_failed = any(error.path[:1] != ("environments",) for error in problems)
    built, errors = load_environments(raw, positions, blueprint, own_failed, validate)
    problems += [error for error in errors if not any(error.path[:len(path)] == path for path in reported)]
    if problems or blueprint is None:
        raise BlueprintErrors(filename, problems)
    blueprint._environment_blueprints = built
    return blueprint


def validate(raw: Any, positions: Positions,
             environment: Target | None) -> tuple[Blueprint | None, list[BlueprintError]]:
    """The blueprint this data makes (the merged blueprint of `environment`, if given), or None, and its
    located errors: the model's, else the rules'."""
    try:
        blueprint = Blueprint.model_validate(raw)
    except ValidationError as exc:
        return None, _translate(exc, raw, positions)
    blueprint._environment = environment
    return blueprint, [positions.error(path, message) for path, message in rules.problems(blueprint)]


def _translate(exc: ValidationError, raw: Any, positions: Positions) -> list[BlueprintError]:
    found: list[tuple[KeyPath, dict[str, Any]]] = [(_data_path(raw, error["loc"]), error) for error in exc.errors()]
    shadowed = _shadowed(found)
    errors: list[BlueprintError] = []
    wrong_types: dict[KeyPath, list[dict[str, Any]]] = {}
    for path, error in found:
        if error["type"] not in _TYPE_WORDS:
            errors.append(_located(path, error, positions))
        elif path not in shadowed:
            wrong_types.setdefault(path, []).append(error)
    for path, group in wrong_types.items():
        errors.append(positions.error(path, _wrong_type_message(group)))
    return _merge_same_place(errors)


def _shadowed(found: list[tuple[KeyPath, dict[str, Any]]]) -> set[KeyPath]:
    """The paths whose "wrong type" errors are noise. A union (an AZ count or a list of AZ names) fails once
    per branch; when one branch took the value's type and failed deeper or on the value itself, the "wrong
    type" failures of the others say nothing. One pass over the errors: a file can hold thousands."""
    shadowed: set[KeyPath] = set()
    for path, error in found:
        shadowed.update(path[:length] for length in range(len(path)))
        if error["type"] not in _TYPE_WORDS:
            shadowed.add(path)
    return shadowed


def _wrong_type_message(group: list[dict[str, Any]]) -> str:
    expected = " or ".join(dict.fromkeys(_TYPE_WORDS[error["type"]] for error in group))
    value = group[0].get("input")
    message = f"expected {expected}, got {describe_value(value)}"
    if "a string" in expected and not isinstance(value, (dict, list, type(None))):
        message += "; put it in quotes to keep it as text"
    return message


def _merge_same_place(errors: list[BlueprintError]) -> list[BlueprintError]:
    merged: dict[tuple[int, int, KeyPath], list[str]] = {}
    for error in errors:
        messages = merged.setdefault((error.line, error.column, error.path), [])
        if error.message not in messages:
            messages.append(error.message)
    return [BlueprintError(line, col, path, " or ".join(msgs)) for (line, col, path), msgs in merged.items()]


def _data_path(raw: Any, loc: tuple[Any, ...]) -> KeyPath:
    """Keep the parts of pydantic's location that exist in the data (drops union branch tags)."""
    path: list[str | int] = []
    node = raw
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if (isinstance(node, dict) and part in node) or in_list:
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and not _looks_like_branch(part):
            path.append(part)  # a missing or unknown key: point at its parent
            node = None
    return tuple(path)


def _looks_like_branch(part: str) -> bool:
    # A model's class name tags its branch of a union (`subscribe: [TEXT | Subscription]`); keys are lower-case.
    return part[:1].isupper() or "[" in part or part.startswith(("constrained-", "function-")) or part in {
        "int", "str", "list", "dict", "bool", "none",
    }


def _located(path: KeyPath, error: dict[str, Any], positions: Positions) -> BlueprintError:
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx", {})
    # A mapping key that fails (a service named `API`) is reported at the key, not at its value.
    at_key = error["loc"][-1:] == ("[key]",)

    def place(message: str) -> BlueprintError:
        return positions.error(path, message, key=at_key)

    if kind == "missing":
        return BlueprintError(*positions.locate(path[:-1]), path, f"required key `{path[-1]}` is missing")
    if kind == "extra_forbidden":
        return positions.error(path, _unknown_key_message(path), key=True)
    if kind == "string_pattern_mismatch":
        # The type's Meaning (model.py) puts its words in the error; a bare pattern is shown as it is.
        meaning = ctx.get("meaning") or f"text matching {ctx.get('pattern', '')}"
        return place(f"{value!r} is not {meaning}")
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return place(f"{describe_value(value)} is not one of {expected}")
    if kind == "value_error":
        return place(str(ctx["error"]))
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = f"at least {ctx['ge']}" if kind == "greater_than_equal" else f"at most {ctx['le']}"
        return place(f"must be {bound}, got {value!r}")
    if kind in ("too_short", "too_long"):
        limit = ctx["min_length"] if kind == "too_short" else ctx["max_length"]
        actual = len(value) if isinstance(value, (dict, list)) else ctx.get("actual_length")
        noun = ("entry", "entries") if isinstance(value, dict) else ("item", "items")
        bound = "at least" if kind == "too_short" else "at most"
        return place(f"needs {bound} {limit} {noun[limit != 1]}, got {actual}")
    if kind == "string_too_short":
        if ctx["min_length"] == 1:
            return place("must not be empty")
        return place(f"needs at least {ctx['min_length']} characters, got {describe_value(value)}")
    if kind == "string_too_long":
        return place(f"is {len(value)} characters long; at most {ctx['max_length']} allowed")
    message = error["msg"].replace("Input should be", "should be").replace("Value should have", "should have")
    return place(f"{message}, got {describe_value(value)}")


def describe_value(value: Any) -> str:
    """A value as an error message names it: its kind, and a short quote of text (also the Copilot importer's)."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:40] + "..."
        return f"the string {shown!r}"
    if isinstance(value, datetime.date):  # YAML reads 2024-01-31 as a date
        return f"the {'timestamp' if isinstance(value, datetime.datetime) else 'date'} {value.isoformat()}"
    return f"{type(value).__name__} {value!r}"


def _unknown_key_message(path: KeyPath) -> str:
    key = str(path[-1])
    valid = _keys_at(path[:-1])
    # Equally close keys (`prot`: port, spot) go to the one the block declares first, the commoner key.
    close = sorted(get_close_matches(key, valid, n=len(valid), cutoff=0.6),
                   key=lambda known: (-SequenceMatcher(None, known, key).ratio(), valid.index(known)))
    if close:
        return f"unknown key `{key}`; did you mean `{close[0]}`?"
    return f"unknown key `{key}`; valid keys here: {', '.join(valid)}"


def _keys_at(path: KeyPath) -> list[str]:
    """The field names the model accepts at a key path, for "did you mean"."""
    annotation: Any = Blueprint
    for part in path:
        annotation = unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        elif typing.get_origin(annotation) is list:
            annotation = typing.get_args(annotation)[0]
        else:
            return []
    annotation = unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []
