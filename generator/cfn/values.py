"""What a CloudFormation value resolves to (a resource of the set, a literal, an input from outside, or
something computed at deploy time), and the pure helpers `TemplateSet.resolve` builds on: parameters'
values, list parameters, `AWS::NoValue`, texts joined from parts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Res:
    """A resource declared in one template of the set."""

    file: str
    id: str


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Param:
    """A parameter no template of the set fills: an input from outside."""

    file: str
    name: str


@dataclass(frozen=True)
class Opaque:
    """A value computed at deploy time that the audit does not model (Fn::Sub, pseudo parameters)."""

    text: str


Value = Res | Lit | Param | Opaque

MAX_DEPTH = 40  # resolution is depth-bounded: odd or cyclic input ends as Opaque("too deep"), never a hang
MAX_TEXTS = 64  # a text with more literal spellings than this is Opaque


@dataclass(frozen=True)
class ReadOn:
    """A name that stands for a value of another template of the set: a parent's or a child's."""

    file: str
    value: Any


def may_be_absent(value: Any, depth: int = 0) -> bool:
    """Whether a value is, or may be (an `Fn::If` branch), `AWS::NoValue`."""
    if not isinstance(value, dict) or len(value) != 1 or depth > MAX_DEPTH:
        return False
    (function, argument), = value.items()
    if function == "Ref":
        return argument == "AWS::NoValue"
    return function == "Fn::If" and isinstance(argument, list) and len(argument) == 3 and \
        any(may_be_absent(branch, depth + 1) for branch in argument[1:])


def is_function(value: dict[str, Any]) -> bool:
    """Whether a mapping is an intrinsic function (or a condition), not data."""
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref", "Condition"))


def split_get_att(argument: Any) -> tuple[str, str]:
    """`Fn::GetAtt`'s (resource, attribute), from its list form or its `Resource.Attribute` string."""
    if isinstance(argument, list) and len(argument) == 2:
        return str(argument[0]), str(argument[1])
    if isinstance(argument, str) and "." in argument:
        target, attribute = argument.split(".", 1)
        return target, attribute
    return str(argument), ""


def distinct(values: list[Value]) -> list[Value]:
    try:
        return list(dict.fromkeys(values))
    except TypeError:  # a literal of an unhashable kind, from data not read from YAML or JSON
        return values


def is_list_type(declaration: Any) -> bool:
    kind = str(declaration.get("Type", "")) if isinstance(declaration, dict) else ""
    return kind == "CommaDelimitedList" or kind.startswith("List<")


def split_list(declaration: Any, value: Any) -> Any:
    """A list-typed parameter's value (its Default, an allowed value) is a comma-separated list."""
    if is_list_type(declaration) and isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    return value


def parameter_values(file: str, name: str, declaration: Any) -> list[Value]:
    """What a parameter nobody in the set fills may be: each of its AllowedValues (and its Default);
    with a Default but no AllowedValues, the Default or anything else (`Param`); with neither, anything.
    A list parameter's values are split on commas: each element is a value it may hold."""
    if not isinstance(declaration, dict) or str(declaration.get("Type", "")).startswith("AWS::SSM::Parameter"):
        return [Param(file, name)]  # an SSM parameter's Default is the parameter's name, not its value
    default, allowed = declaration.get("Default"), declaration.get("AllowedValues")
    values: list[Value] = []
    for item in [*(allowed if isinstance(allowed, list) else []), default]:
        if item is not None and not isinstance(item, dict | list):
            parts = split_list(declaration, item)
            values += [Lit(part) for part in (parts if isinstance(parts, list) else [parts])]
    values = distinct(values)
    return values if values and isinstance(allowed, list) else [*values, Param(file, name)]


def texts(delimiter: str, parts: list[list[Value]], template: str | None = None) -> list[Value]:
    """Text joined from parts: every literal spelling it may have, or Opaque (carrying the text with
    `${?}` for what is computed, so that a rule may still read its literal part)."""
    shown = template if template is not None else delimiter.join(
        str(part[0].value) if len(part) == 1 and isinstance(part[0], Lit) else "${?}" for part in parts)
    if not all(isinstance(option, Lit) for part in parts for option in part):
        return [Opaque(shown)]
    count = 1
    for part in parts:
        count *= max(len(part), 1)
    if count > MAX_TEXTS:
        return [Opaque(shown)]
    combinations = itertools.product(*[[str(o.value) for o in part] for part in parts if part])
    return list(dict.fromkeys(Lit(delimiter.join(combination)) for combination in combinations))
