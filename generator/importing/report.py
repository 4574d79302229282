"""What an import could not carry over, one located line per item: FILE:LINE:COL: left out: KEY.PATH: reason."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.blueprint.errors import KeyPath, format_key_path


@dataclass(frozen=True, order=True)
class LeftOut:
    file: str
    line: int
    column: int
    path: KeyPath
    reason: str

    def render(self) -> str:
        where = format_key_path(self.path)
        text = f"{self.file}:{self.line}:{self.column}: left out: {where + ': ' if where else ''}{self.reason}"
        # One item stays one line (a key may hold a newline or a control character), as the loader's errors do.
        return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


@dataclass
class Report:
    items: list[LeftOut] = field(default_factory=list)

    def add(self, file: str, line: int, column: int, path: KeyPath, reason: str) -> None:
        self.items.append(LeftOut(file, line, column, tuple(path), reason))

    def render(self) -> str:
        """Sorted by file and place, each item once (an alias can repeat one value at one place)."""
        ordered = sorted(set(self.items), key=lambda item: (item.file, item.line, item.column, item.render()))
        return "".join(item.render() + "\n" for item in ordered)
