"""What the error catalogue's examples are: a small input, what it covers, and the loader's errors for it."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from generator.blueprint.errors import BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes

FILENAME = "blueprint.yaml"
ACM = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
MINIMAL = "name: photos\nservices:\n  api: {image: nginx}\n"
KEYED = MINIMAL + "cluster: {instances: {key_name: ops}}\n"  # hosts a VPN reaches over SSH
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api/db-password-AbCdEf"


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


def services(body: str) -> str:
    """A blueprint whose only service, `api`, has these keys (one flow mapping)."""
    return f"name: photos\nservices:\n  api: {{{body}}}\n"
