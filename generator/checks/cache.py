"""Content-addressed memory of clean check results, so an unchanged template is never re-checked.

Only clean results are remembered: a template with findings is checked again on every build, so the
cache can make a build faster but can never turn a failing template into a passing one. A key covers
the template's bytes, everything the check reads besides it (the children a root opens), and the
versions of the checker and of our own rules; an entry stores its whole key and is trusted only when
that matches.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

ENV_DIR = "BLUEPRINT_CACHE_DIR"


def default_directory() -> Path:
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecs-blueprint"


def content_key(kind: str, salt: str, contents: Iterable[bytes]) -> str:
    digest = hashlib.sha256(f"{kind}\0{salt}\0".encode())
    for content in contents:
        digest.update(len(content).to_bytes(8, "big"))
        digest.update(content)
    return digest.hexdigest()


class CleanCache:
    """Remembers which keys were checked clean. Disabled when `directory` is None."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / key

    def is_clean(self, key: str) -> bool:
        if self.directory is None:
            return False
        try:
            return self._path(key).read_text(encoding="ascii") == f"clean {key}\n"
        except (OSError, UnicodeDecodeError):
            return False

    def remember_clean(self, key: str) -> None:
        self._write(key, f"clean {key}\n")

    def recall_record(self, key: str) -> str | None:
        """The text `remember_record` stored under `key`, or None."""
        if self.directory is None:
            return None
        try:
            header, _, record = self._path(key).read_text(encoding="utf-8").partition("\n")
        except (OSError, UnicodeDecodeError):
            return None
        return record if header == f"record {key}" else None

    def remember_record(self, key: str, record: str) -> None:
        """Store a text under `key` (only ever for a clean result, like everything here)."""
        self._write(key, f"record {key}\n{record}")

    def _write(self, key: str, text: str) -> None:
        if self.directory is None:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as handle:
                handle.write(text)
            os.replace(handle.name, path)
        except OSError:
            pass  # a read-only or full cache only costs speed
