"""Knowing, without generating anything, that an output directory is what a blueprint builds.

A build is a pure function of the blueprint's bytes and of the tool: our own source files, the
installed packages (troposphere, cfn-lint, pydantic, ...) and Python. After a build that wrote its
directory with no error, the cache records, under a key of exactly those inputs and the target
directory, the digest of every file written and the audit's warnings. A later build with the same key
whose directory still holds exactly those files (and the ownership marker) has nothing to do, and says
so, printing the warnings again: it costs hashing, not importing the generator or cfn-lint. Anything
else (an edited blueprint or output file, a file added or removed, another version of anything
installed, `--no-cache`) builds in full.

The record is authenticated like every cache entry (generator/checks/cache.py), so whoever can write
the cache cannot make it describe an edited output; and the files are hashed again on every use, so
an output edited since the record was written is built again.

Deliberately cheap to import: the point is a fast "nothing changed".
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from generator.checks.cache import CleanCache, content_key, read_regular_file
from generator.output import MARKER

KIND = "output"
MAX_FILE = 64 * 1024 * 1024  # far above anything a build writes (a template is at most 1 MB)


@dataclass(frozen=True)
class Built:
    """What a clean build of a blueprint wrote, and where."""

    name: str
    directory: Path
    files: dict[str, str]  # file name -> sha256 of its bytes
    # The audit's warnings, each as (file name, the rest of its line): printed again under the output
    # directory as the user names it.
    warnings: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "directory": str(self.directory), "files": self.files,
                           "warnings": self.warnings}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Built:
        data = json.loads(text)
        warnings = tuple((str(file), str(rest)) for file, rest in data.get("warnings", ()))
        return cls(str(data["name"]), Path(data["directory"]), {str(k): str(v) for k, v in data["files"].items()},
                   warnings)

    def warning_lines(self, out_dir: Path) -> list[str]:
        """The warnings as the build printed them, for this record read under OUT_DIR."""
        return [f"{out_dir / self.name / file}{rest}" for file, rest in self.warnings]


@cache
def tool_fingerprint() -> str:
    """Our package's files; every installed distribution's name and version (`.dist-info` and
    `.egg-info` entries) and `.pth` file on the import path; the import path itself; Python's version.

    Not covered: a dependency edited in place without a new version, or plain modules put on the path
    by hand; after such a change, build with `--no-cache`."""
    package = Path(__file__).resolve().parent
    ours = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    entries = [(Path(folder), entry) for folder in sys.path if os.path.isdir(folder) for entry in os.listdir(folder)]
    installed = sorted({entry for _, entry in entries if entry.endswith((".dist-info", ".egg-info"))})
    pth_files = sorted(folder / entry for folder, entry in entries if entry.endswith(".pth"))
    return content_key("tool", sys.version, [
        "\n".join(sys.path).encode(),
        "\n".join(installed).encode(),
        *(str(p).encode() + b"\0" + p.read_bytes() for p in pth_files),
        *(str(p.relative_to(package)).encode() + b"\0" + p.read_bytes() for p in ours),
    ])


def build_key(source: bytes, out_dir: Path, environment: str | None = None) -> str:
    """The key of one build: the blueprint's bytes, the tool, the output directory it writes under, and the
    environment it builds (a blueprint with environments builds one directory for each)."""
    parts = [source, str(out_dir.resolve()).encode()]
    if environment is not None:
        parts.append(b"environment " + environment.encode())
    return content_key(KIND, tool_fingerprint(), parts)


def remember(cache: CleanCache, source: bytes, out_dir: Path, name: str, files: Mapping[str, bytes],
             warnings: Sequence[tuple[str, str]] = (), environment: str | None = None) -> None:
    """Record a build that wrote `files` to OUT_DIR/NAME with no error, and the warnings it printed."""
    digests = {filename: hashlib.sha256(content).hexdigest() for filename, content in files.items()}
    built = Built(name, (out_dir / name).resolve(), digests, tuple(warnings))
    cache.remember_record(build_key(source, out_dir, environment), built.to_json())


def remember_environments(cache: CleanCache, source: bytes, out_dir: Path, environments: Sequence[str]) -> None:
    """Record that these bytes declare these environments: where up_to_date finds each one's record (the
    names are known without loading the blueprint, so an unchanged file costs no import)."""
    cache.remember_record(build_key(source, out_dir), json.dumps({"environments": list(environments)}))


def up_to_date(cache: CleanCache, source: bytes, out_dir: Path) -> list[Built] | None:
    """The records of the builds these exact inputs made (one, or one per environment), if every directory
    still holds exactly those files."""
    text = cache.recall_record(build_key(source, out_dir))
    if text is None:
        return None
    try:
        environments = json.loads(text).get("environments")
        texts = [text] if environments is None else \
            [cache.recall_record(build_key(source, out_dir, str(name))) for name in environments]
        records = [Built.from_json(record) for record in texts if record is not None]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if len(records) != len(texts) or not records:
        return None
    return records if all(_holds_exactly(built.directory, built.files) for built in records) else None


def _holds_exactly(directory: Path, files: Mapping[str, str]) -> bool:
    """Every file read afresh, as a regular file (never through a link, never waiting on a FIFO)."""
    if directory.is_symlink() or not directory.is_dir():
        return False
    try:
        present = set(os.listdir(directory))
        marker = directory / MARKER
        if present != {*files, MARKER} or marker.is_symlink() or not marker.is_file():
            return False
    except OSError:
        return False
    for name, digest in files.items():
        content = read_regular_file(directory / name, MAX_FILE)
        if content is None or hashlib.sha256(content).hexdigest() != digest:
            return False
    return True
