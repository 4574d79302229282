"""Located errors in a blueprint, printed as FILE:LINE:COL: error: KEY.PATH: message."""

from __future__ import annotations

from dataclasses import dataclass

KeyPath = tuple[str | int, ...]


def format_key_path(path: KeyPath) -> str:
    """`("services", "api", "port")` -> `services.api.port`; list items as `[0]`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True, order=True)
class BlueprintError:
    line: int
    column: int
    path: KeyPath
    message: str

    def render(self, filename: str) -> str:
        where = format_key_path(self.path)
        prefix = f"{where}: " if where else ""
        return _one_line(f"{filename}:{self.line}:{self.column}: error: {prefix}{self.message}")


def _one_line(text: str) -> str:
    """Escape what a terminal would not show as itself (a newline in a quoted key, a control character):
    one error stays one line, so editors and CI can match FILE:LINE:COL."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


class BlueprintErrors(Exception):
    """Every error found in one blueprint file, reported together."""

    def __init__(self, filename: str, errors: list[BlueprintError]) -> None:
        self.filename = filename
        # The key path breaks ties: one YAML alias can put two errors at one place, and a set has no order.
        self.errors = sorted(set(errors), key=lambda e: (e.line, e.column, e.message, format_key_path(e.path)))
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(error.render(self.filename) for error in self.errors)
