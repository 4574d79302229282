"""One example of the error catalogue (docs/errors.md): a small input and the loader's errors for it."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from generator.blueprint.errors import BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes

FILENAME = "blueprint.yaml"


@dataclass(frozen=True)
class Example:
    title: str
    blueprint: str | bytes  # text is dedented; bytes are used as they are
    covers: str  # "rule:<function in rules.py>", "model:<pydantic error type>", or "file" (reading and YAML)
    shown: str | None = None  # what the page shows instead of an input too large or not printable

    @property
    def data(self) -> bytes:
        if isinstance(self.blueprint, bytes):
            return self.blueprint
        return textwrap.dedent(self.blueprint).encode()

    def errors(self) -> list[str]:
        """The loader's errors for this input, one line each; none when it loads."""
        try:
            load_blueprint_bytes(self.data, FILENAME)
        except BlueprintErrors as errors:
            return errors.render().splitlines()
        return []
