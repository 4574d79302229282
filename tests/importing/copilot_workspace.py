"""Helpers for the import tests: a Copilot workspace written from inline manifests, and one import run
through the command line (exit status, the blueprint it wrote, the report lines)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import yaml

from generator.cli import main

HERE = Path(__file__).resolve().parent
WORKSPACES = HERE / "workspaces"
LEFT_OUT = re.compile(r"^(?P<file>[^:]+):(?P<line>[0-9]+):(?P<column>[0-9]+): left out: (?P<rest>.+)$")


def workspace(root: Path, manifests: dict[str, str], application: str = "shop") -> Path:
    """A workspace under `root`: `copilot/.workspace` and each manifest by its path under copilot/."""
    (root / "copilot").mkdir(parents=True, exist_ok=True)
    (root / "copilot" / ".workspace").write_text(f"application: {application}\n", encoding="utf-8")
    for relative, text in manifests.items():
        path = root / "copilot" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run(directory: Path, output: Path) -> tuple[int, dict[str, Any] | None, list[str]]:
    """`blueprint import copilot DIR -o FILE`: exit status, the blueprint written, the report's lines."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        status = main(["import", "copilot", str(directory), "-o", str(output)])
    lines = stderr.getvalue().splitlines()
    written = yaml.safe_load(output.read_text(encoding="utf-8")) if output.exists() else None
    return status, written, lines


def left_out(lines: list[str], directory: Path) -> list[str]:
    """Report lines with the workspace's folder cut off the file names: `copilot/web/manifest.yml:3:1: ...`."""
    prefix = str(directory) + "/"
    for line in lines:
        assert LEFT_OUT.match(line), line
    return [line.removeprefix(prefix) for line in lines]
