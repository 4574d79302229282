"""What every test area shares: the repository, the example blueprint, a certificate ARN that passes the
loader, and loading an inline blueprint. Imported as `shared` (pytest puts tests/ on the path)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from generator.blueprint import Blueprint
from generator.blueprint.load import load_blueprint_bytes

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_PATH = REPO / "blueprints" / "example.yaml"
EXAMPLE = EXAMPLE_PATH.read_text(encoding="utf-8")
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def load(text: str, name: str = "blueprint.yaml") -> Blueprint:
    """An inline blueprint (indented as tests write it), loaded as `blueprint build` loads a file."""
    return load_blueprint_bytes(textwrap.dedent(text).encode(), name)
