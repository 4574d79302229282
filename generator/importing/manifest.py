"""One Copilot manifest read with the project's YAML reader (line numbers, no surprises), and the keys taken
from it: every key is either carried into the blueprint or reported as left out, never silently dropped.

Copilot fills `${VAR}` in from the shell at deploy time; a manifest that is valid YAML only once that is
done is read with each `${NAME}` masked by text of the same length, so every line and column stays true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generator.blueprint.errors import KeyPath
from generator.blueprint.load import describe_value as describe
from generator.blueprint.source import MAX_BYTES, Positions, SourceError, decode, parse
from generator.importing.report import Report
from generator.importing.unsupported import has_deeper_reasons, reason_for

VARIABLE = re.compile(r"\$\{([_a-zA-Z][_a-zA-Z0-9]*)\}")
_MASKED = re.compile(r"\$_([_a-zA-Z][_a-zA-Z0-9]*)_")
APPLICATION_NAME = "COPILOT_APPLICATION_NAME"
ENVIRONMENT_NAME = "COPILOT_ENVIRONMENT_NAME"

# Copilot's own text-valued mappings: `DEBUG: yes` is the string "yes" to Copilot, so it is here too.
_VERBATIM: tuple[tuple[str | None, ...], ...] = (
    ("variables", None), ("environments", None, "variables", None),
)


class Unreadable(Exception):
    """A file that is not a YAML mapping at all, with where and why."""

    def __init__(self, line: int, column: int, reason: str) -> None:
        self.line, self.column, self.reason = line, column, reason
        super().__init__(reason)


def read_yaml(data: bytes) -> tuple[dict[str, Any], Positions, list[tuple[KeyPath, int, int, str]]]:
    """A manifest's mapping, its positions, and the values that could not be read (path, line, column, why)."""
    try:
        text = decode(data)
    except SourceError as exc:
        first = exc.errors[0]
        raise Unreadable(first.line, first.column, first.message.replace("a blueprint", "a manifest")) from None
    try:
        raw, positions, problems = parse(text, verbatim=_VERBATIM)
    except SourceError as exc:
        masked = VARIABLE.sub(lambda match: "$_" + match.group(1) + "_", text)
        if masked == text:
            raise _unreadable(exc) from None
        try:
            raw, positions, problems = parse(masked, verbatim=_VERBATIM)
        except SourceError:
            raise _unreadable(exc) from None
        raw, positions = _unmask(raw), Positions(
            {_unmask_path(path): place for path, place in positions.values.items()},
            {_unmask_path(path): place for path, place in positions.keys.items()},
        )
        problems = [problem.__class__(problem.line, problem.column, _unmask_path(problem.path),
                                      _unmask(problem.message)) for problem in problems]
    return raw, positions, [(problem.path, problem.line, problem.column, problem.message) for problem in problems]


def _unreadable(exc: SourceError) -> Unreadable:
    first = exc.errors[0]
    return Unreadable(first.line, first.column, first.message.replace("a blueprint is", "a manifest is")
                      .replace("a blueprint needs", "a manifest needs"))


def _unmask(value: Any) -> Any:
    if isinstance(value, str):
        return _MASKED.sub(lambda match: "${" + match.group(1) + "}", value)
    if isinstance(value, dict):
        return {_unmask(key): _unmask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unmask(item) for item in value]
    return value


def _unmask_path(path: KeyPath) -> KeyPath:
    return tuple(_unmask(part) for part in path)


@dataclass
class Manifest:
    """A manifest file's data and the keys handled so far (carried over, or reported as left out)."""

    file: str
    data: dict[str, Any]
    positions: Positions
    report: Report
    application: str
    handled: set[KeyPath] = field(default_factory=set)  # carried over or reported
    reported: set[KeyPath] = field(default_factory=set)

    @classmethod
    def read(cls, file: str, data: bytes, report: Report, application: str) -> Manifest | None:
        """The manifest, or None after reporting why the whole file is left out."""
        if len(data) > MAX_BYTES:
            report.add(file, 1, 1, (), f"file is {len(data):,} bytes; no manifest is over 1 MiB")
            return None
        try:
            raw, positions, problems = read_yaml(data)
        except Unreadable as exc:
            report.add(file, exc.line, exc.column, (), f"the whole file: {exc.reason}")
            return None
        manifest = cls(file, raw, positions, report, application)
        for path, line, column, message in problems:
            report.add(file, line, column, path, message)
            manifest.handled.add(path)
            manifest.reported.add(path)
        return manifest

    def view(self, environment: str | None = None) -> View:
        return View(self, (), environment)

    def leave(self, path: KeyPath, reason: str, *, at_key: bool = False) -> None:
        """Report `path` as left out (once), whether or not it was taken first: at its value when the value is
        the problem (a scalar), else at its key."""
        if path in self.reported:
            return
        self.reported.add(path)
        self.handled.add(path)
        value = View(self, path, None).raw()
        line, column = self.positions.locate(path, key=at_key or value is None or isinstance(value, (dict, list)))
        self.report.add(self.file, line, column, path, reason)

    def finish(self) -> None:
        """Report every key nobody took, at the highest key that was not taken as a whole."""
        self._walk(self.data, ())

    def _walk(self, value: Any, path: KeyPath) -> None:
        if path in self.handled or value is None:  # `key:` with nothing is no key to Copilot
            return
        partly = any(done[:len(path)] == path for done in self.handled if len(done) > len(path))
        if path and not partly and not (isinstance(value, dict) and has_deeper_reasons(path)):
            self.leave(path, reason_for(path), at_key=True)
            return
        if isinstance(value, dict):
            for key, item in value.items():
                self._walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._walk(item, (*path, index))


@dataclass(frozen=True)
class View:
    """A mapping inside a manifest (the manifest itself, or an `environments.<env>` override of it), and the
    environment its `${COPILOT_ENVIRONMENT_NAME}` stands for, if known."""

    manifest: Manifest
    prefix: KeyPath
    environment: str | None

    def at(self, *keys: str | int) -> View:
        return View(self.manifest, (*self.prefix, *keys), self.environment)

    def path(self, *keys: str | int) -> KeyPath:
        return (*self.prefix, *keys)

    def raw(self, *keys: str | int) -> Any:
        """The value at `keys` (None when absent), without taking it."""
        node: Any = self.manifest.data
        for key in self.path(*keys):
            in_mapping = isinstance(node, dict) and isinstance(key, str) and key in node
            in_list = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
            if not (in_mapping or in_list):
                return None
            node = node[key]
        return node

    def has(self, *keys: str | int) -> bool:
        return self.raw(*keys) is not None and self.path(*keys) not in self.manifest.reported

    def take(self, *keys: str | int) -> Any:
        """The value at `keys`, marked as carried over (None when absent or already reported)."""
        if self.path(*keys) in self.manifest.reported:
            return None
        value = self.raw(*keys)
        if value is not None:
            self.manifest.handled.add(self.path(*keys))
        return value

    def leave(self, *keys: str | int, reason: str, at_key: bool = False) -> None:
        self.manifest.leave(self.path(*keys), reason, at_key=at_key)

    def keys(self, *keys: str | int) -> list[str]:
        value = self.raw(*keys)
        return [key for key in value if isinstance(key, str)] if isinstance(value, dict) else []

    def filled(self, text: str, *keys: str | int) -> str | None:
        """`text` with Copilot's own variables filled in; None (reported) when another `${VAR}` remains."""
        values = {APPLICATION_NAME: self.manifest.application}
        if self.environment is not None:
            values[ENVIRONMENT_NAME] = self.environment
        result = VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), text)
        left = VARIABLE.search(result)
        if left:
            where = ("it differs per environment; set it under each environment's overrides"
                     if left.group(1) == ENVIRONMENT_NAME else
                     "Copilot fills it in from the shell at deploy time; write the value itself")
            self.leave(*keys, reason=f"`{left.group(0)}`: {where}")
            return None
        return result

    def text(self, *keys: str | int) -> str | None:
        """A string (numbers written bare are text too), interpolated; None when absent or reported."""
        value = self.take(*keys)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.leave(*keys, reason=f"expected text, got {describe(value)}")
            return None
        return self.filled(str(value), *keys)

    def integer(self, *keys: str | int, low: int, high: int) -> int | None:
        value = self.take(*keys)
        if value is None:
            return None
        if isinstance(value, str) and VARIABLE.search(value):
            value = self.filled(value, *keys)
            if value is None:
                return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.leave(*keys, reason=f"expected a whole number, got {describe(value)}")
            return None
        if not low <= value <= high:
            self.leave(*keys, reason=f"{value} is outside {low}..{high}, the range the blueprint accepts here")
            return None
        return value

    def boolean(self, *keys: str | int) -> bool | None:
        value = self.take(*keys)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.leave(*keys, reason=f"expected true or false, got {describe(value)}")
            return None
        return value
