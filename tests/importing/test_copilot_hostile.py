"""`blueprint import copilot` on hostile workspaces: a manifest that is a device, a pipe or a link out of the
workspace, a file past the size cap, a `type` that is no text. Each is a reported line (or exit 2 for the
`.workspace` itself), never a hang, a traceback or the content of a file outside the workspace."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from copilot_workspace import left_out, run, workspace
from shared import deadline

BACKEND = "name: api\ntype: Backend Service\nimage: {location: nginx, port: 80}\n"
needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="devices, pipes and links of POSIX")


@pytest.fixture(autouse=True)
def never_hangs() -> Iterator[None]:
    """A read that never ends fails the test after a minute instead of hanging the suite."""
    if sys.platform == "win32":
        yield
        return
    with deadline(60, "the import hangs"):
        yield


@needs_posix
@pytest.mark.parametrize("kind", ["pipe", "directory", "link to a directory"])
def test_a_manifest_that_is_no_regular_file_is_reported_without_being_read(tmp_path: Path, kind: str) -> None:
    """Opening a pipe for reading waits for a writer: the import would hang."""
    root = workspace(tmp_path / "ws", {"web/manifest.yml": BACKEND.replace("api", "web")})
    manifest = root / "copilot" / "api" / "manifest.yml"
    manifest.parent.mkdir(parents=True)
    if kind == "pipe":
        os.mkfifo(manifest)
    elif kind == "directory":
        manifest.mkdir()
    else:
        manifest.symlink_to(root / "copilot" / "web")
    status, written, lines = run(root, tmp_path / "out.yaml")
    assert status == 1 and written is not None and list(written["services"]) == ["web"]
    assert left_out(lines, root) == [
        "copilot/api/manifest.yml:1:1: left out: the whole file: not a regular file; a manifest is a YAML file"]


@needs_posix
@pytest.mark.parametrize("where", ["environments/dev/manifest.yml", "api/manifest.yml", "device"])
def test_a_manifest_linked_from_outside_the_workspace_is_not_read(tmp_path: Path, where: str) -> None:
    """Not a file of the machine read into the blueprint, nor /dev/zero read forever."""
    outside = Path("/dev/zero") if where == "device" else tmp_path / "secret.yml"
    if where == "device":
        where = "api/manifest.yml"
    else:
        outside.write_text(BACKEND.replace("nginx", "leaked"), encoding="utf-8")
    root = workspace(tmp_path / "ws", {"web/manifest.yml": BACKEND.replace("api", "web")})
    manifest = root / "copilot" / where
    manifest.parent.mkdir(parents=True)
    manifest.symlink_to(outside)
    status, written, lines = run(root, tmp_path / "out.yaml")
    assert status == 1 and "leaked" not in str(written)
    assert left_out(lines, root) == [f"copilot/{where}:1:1: left out: the whole file: a link to {outside}, outside "
                                     "the workspace; copy the file in instead"]


@needs_posix
def test_a_manifest_linked_within_the_workspace_is_read(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"shared/api.yml": BACKEND})
    (root / "copilot" / "api").mkdir()
    (root / "copilot" / "api" / "manifest.yml").symlink_to(root / "copilot" / "shared" / "api.yml")
    status, written, lines = run(root, tmp_path / "out.yaml")
    assert (status, lines) == (0, []) and written is not None and written["services"]["api"]["image"] == "nginx"


@needs_posix
def test_a_huge_manifest_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"api/manifest.yml": BACKEND})
    with (root / "copilot" / "api" / "manifest.yml").open("r+b") as file:
        file.truncate(8 << 30)  # 8 GiB that take no disk; read whole, they would take 8 GiB of memory
    status, _, lines = run(root, tmp_path / "out.yaml")
    assert status == 1
    assert left_out(lines, root) == ["copilot/api/manifest.yml:1:1: left out: the whole file: file is "
                                     "8,589,934,592 bytes; a manifest may be at most 1 MiB"]


@pytest.mark.parametrize("kind", ["[Backend Service]", "{a: b}", "1", "null", "true", "''"])
def test_a_type_that_is_no_text_leaves_the_manifest_out(tmp_path: Path, kind: str) -> None:
    root = workspace(tmp_path / "ws", {"api/manifest.yml": f"name: api\ntype: {kind}\n",
                                       "web/manifest.yml": BACKEND.replace("api", "web")})
    status, written, lines = run(root, tmp_path / "out.yaml")
    assert status == 1 and written is not None and list(written["services"]) == ["web"]
    [line] = left_out(lines, root)
    assert line.startswith("copilot/api/manifest.yml:2:1: left out: type: not a Copilot service or job type"), line


@needs_posix
@pytest.mark.parametrize("kind", ["device", "outside", "huge"])
def test_a_workspace_file_that_cannot_be_taken_is_exit_2_with_its_place(tmp_path: Path, kind: str) -> None:
    root = workspace(tmp_path / "ws", {"api/manifest.yml": BACKEND})
    marker = root / "copilot" / ".workspace"
    marker.unlink()
    if kind == "device":
        marker.symlink_to("/dev/zero")
    elif kind == "outside":
        (tmp_path / "elsewhere").write_text("application: shop\n", encoding="utf-8")
        marker.symlink_to(tmp_path / "elsewhere")
    else:
        marker.write_text("application: shop\n#" + "x" * (2 << 20) + "\n", encoding="utf-8")
    status, written, lines = run(root, tmp_path / "out.yaml")
    assert status == 2 and written is None
    assert len(lines) == 1 and lines[0].startswith(f"{marker}:1:1: error: "), lines
