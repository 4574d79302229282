"""A blueprint path that names no regular file, or a file of gigabytes, is refused at once with a located line
and exit 2 (build, check, publish, explain): before, `build /dev/zero` read until memory ran out (11 GB), a named
pipe hung forever, and a 3 GB sparse file was read whole before its size was refused."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from shared import deadline

from generator.cli import EXIT_USAGE, main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="devices, pipes and sparse files of POSIX")


@pytest.fixture(autouse=True)
def never_hangs() -> Iterator[None]:
    """A read that never ends fails the test after a minute instead of hanging the suite."""
    with deadline(60, "reading the blueprint hangs"):
        yield


def hostile(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "photos.yaml"
    if kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "pipe":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:  # 8 GiB that take no disk: read whole, they would take 8 GiB of memory
        with path.open("wb") as file:
            file.truncate(8 << 30)
    return path


@pytest.mark.parametrize("kind", ["device", "pipe", "sparse"])
@pytest.mark.parametrize("command", [["build", "-o", "{out}"], ["check", "-o", "{out}"], ["explain"]])
def test_a_blueprint_that_is_no_regular_file_or_huge_is_one_located_line(
        tmp_path: Path, kind: str, command: list[str]) -> None:
    path = hostile(tmp_path, kind)
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        status = main([part.format(out=tmp_path / "out") for part in command] + [str(path)])
    lines = stderr.getvalue().splitlines()
    assert status == EXIT_USAGE, lines
    expected = ("file is 8,589,934,592 bytes; a blueprint may be at most 1 MiB" if kind == "sparse"
                else "not a regular file; a blueprint is a YAML file")
    assert lines == [f"{path}:1:1: error: {expected}"]
    assert not (tmp_path / "out").exists()
