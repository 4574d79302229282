"""What every test area shares: the repository, the example blueprint, a certificate ARN that passes the
loader, loading an inline blueprint, and a deadline for a test that could hang. Imported as `shared` (pytest
puts tests/ on the path)."""

from __future__ import annotations

import signal
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def deadline(seconds: int, what: str) -> Iterator[None]:
    """Raise TimeoutError(what) after `seconds`, so a read or build that blocks (a FIFO, a device) fails its
    test instead of hanging the suite (SIGALRM: POSIX, main thread)."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(what)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
