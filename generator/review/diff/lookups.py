"""What a template's values read from its `Mappings` and `Conditions`, so that a change there is a change
of every resource that reads it.

A resource that reads `Fn::FindInMap [Amis, !Ref AWS::Region, Id]` is unchanged in its own text when an
AMI id in the Mapping moves on, yet deploying that rolls its hosts. So before resources are compared,
each lookup is replaced by a fingerprint of what it reads: the entry named (every entry of a level whose
key is not a literal, such as `AWS::Region`), and for a condition (a resource's `Condition`, `Fn::If`'s
first argument, a condition inside another) its whole definition, conditions and lookups in it included.
The change is then found where the lookup is, and classified like the property it sits in.

Fingerprints, not the values themselves: conditions refer to conditions, and inlining them could grow
exponentially; a fingerprint is computed once per name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from generator.review.diff.values import scalar_text, template_section

FIND_IN_MAP = "Fn::FindInMap"


class Lookups:
    """One template's Mappings and Conditions, and the fingerprints of what its lookups read."""

    def __init__(self, template: dict[str, Any] | None) -> None:
        self.mappings = template_section(template, "Mappings")
        self.conditions = template_section(template, "Conditions")
        self._condition_prints: dict[str, str] = {}

    def expand(self, value: Any) -> Any:
        """`value` with every lookup replaced by what it reads (a fingerprint); the rest unchanged, and the
        shape the same, so a path into it is a path into `value`."""
        if isinstance(value, list):
            return [self.expand(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (function, argument), = value.items()
            if function == FIND_IN_MAP and isinstance(argument, list):
                return {FIND_IN_MAP: {"Lookup": self.expand(argument), "Reads": self._reads(argument)}}
            if function == "Fn::If" and isinstance(argument, list) and argument and isinstance(argument[0], str):
                return {"Fn::If": [self.condition(argument[0]), *(self.expand(item) for item in argument[1:])]}
        return {key: self.expand(item) for key, item in value.items()}

    def condition(self, name: str) -> dict[str, str]:
        """A condition by name, with the fingerprint of its whole definition."""
        return {"Condition": name, "Means": self._condition_print(name, set())}

    def resource(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A resource (or an output) as compared: lookups expanded, its own `Condition` with its meaning."""
        expanded = {key: value if key == "Metadata" else self.expand(value) for key, value in entry.items()}
        if isinstance(entry.get("Condition"), str):
            expanded["Condition"] = self.condition(entry["Condition"])
        return expanded

    def _condition_print(self, name: str, within: set[str]) -> str:
        if name in self._condition_prints:
            return self._condition_prints[name]
        if name in within:
            return "cycle"  # CloudFormation refuses a cycle; the diff only needs to terminate
        within = within | {name}

        def expand(value: Any) -> Any:
            if isinstance(value, list):
                return [expand(item) for item in value]
            if not isinstance(value, dict):
                return value
            if len(value) == 1 and isinstance(value.get("Condition"), str):
                return {"Condition": value["Condition"], "Means": self._condition_print(value["Condition"], within)}
            if len(value) == 1 and isinstance(value.get(FIND_IN_MAP), list):
                return {FIND_IN_MAP: {"Lookup": expand(value[FIND_IN_MAP]),
                                      "Reads": self._reads(value[FIND_IN_MAP])}}
            return {key: expand(item) for key, item in value.items()}

        found = fingerprint(expand(self.conditions.get(name, "(undeclared)")))
        self._condition_prints[name] = found
        return found

    def _reads(self, argument: list[Any]) -> str:
        """The fingerprint of every entry `Fn::FindInMap` may read: a key that is not a literal may be any."""
        levels: list[tuple[tuple[str, ...], Any]] = [((), self.mappings)]
        for key in argument[:3]:
            literal = scalar_text(key)
            reached: list[tuple[tuple[str, ...], Any]] = []
            for where, level in levels:
                by_name = {_name(name): item for name, item in level.items()} if isinstance(level, dict) else {}
                reached += [((*where, name), by_name[name]) for name in ([literal] if literal is not None
                                                                         else list(by_name)) if name in by_name]
            levels = reached
        default = argument[3] if len(argument) > 3 else None
        return fingerprint({"/".join(where): value for where, value in levels} | {"(default)": default})


def _name(key: Any) -> str:
    text = scalar_text(key)
    return text if text is not None else repr(key)


def fingerprint(value: Any) -> str:
    """A short digest of a value as CloudFormation reads it (scalars by their string form)."""
    text = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {_name(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    text = scalar_text(value)
    return text if text is not None else None if value is None else repr(value)


def names_read(value: Any) -> Iterator[tuple[str, str]]:
    """("Mapping" | "Condition", name) for each lookup in `value`, as written."""
    if isinstance(value, list):
        for item in value:
            yield from names_read(item)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        (function, argument), = value.items()
        if function == FIND_IN_MAP and isinstance(argument, list) and argument:
            yield "Mapping", _name(argument[0])
        if function == "Fn::If" and isinstance(argument, list) and argument and isinstance(argument[0], str):
            yield "Condition", argument[0]
        if function == "Condition" and isinstance(argument, str):
            yield "Condition", argument
    for item in value.values():
        yield from names_read(item)
