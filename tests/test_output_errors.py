"""A filesystem that cannot take the output is one located line and exit 2, never a traceback, and the
previous output stays as it was (issue 16): a file where the output directory goes, a read-only
filesystem, a full disk.

Read-only and full filesystems are real: a small tmpfs mounted in a private mount namespace
(`unshare -m`), which disappears with the process. (Tests run as root here, where permission bits
mean nothing, so a mode-0500 directory would not stand in for a read-only filesystem.) Where
namespaces are not allowed, those tests are skipped and the injected-errno tests below still run.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import pytest

import generator.output
from generator.checks.cache import ENV_DIR
from generator.cli import EXIT_OK, EXIT_USAGE, main

REPOSITORY = Path(__file__).resolve().parents[1]

SHOP = """\
name: shop
services:
  api: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080, expose: public}
"""


@pytest.fixture(autouse=True)
def _shared_check_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DIR, str(tmp_path_factory.getbasetemp() / "output-errors-cache"))


@pytest.fixture
def blueprint(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP)
    return path


def build(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    return err


# A file where the output directory (or one of its parents) goes.

@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("where", ["FILE", "FILE/sub", "FILE/a/b", "LINK-TO-FILE", "LINK-TO-FILE/sub"])
def test_a_file_where_the_output_directory_goes_is_one_line_and_exit_2(
    command: str, where: str, blueprint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "FILE").write_text("my notes\n")
    (tmp_path / "LINK-TO-FILE").symlink_to(tmp_path / "FILE")
    out = tmp_path / where

    code, stdout, err = build(capsys, command, str(blueprint), "-o", str(out))

    assert (code, stdout) == (EXIT_USAGE, "")
    first = where.split("/")[0]
    expected = (f"{out} exists and is not a directory" if "/" not in where
                else f"cannot create {out}: {tmp_path / first} is not a directory")
    assert one_line(err) == f"blueprint: error: -o/--output: {expected}" + ("; choose another output directory\n"
                                                                            if "/" not in where else "\n")
    assert (tmp_path / "FILE").read_text() == "my notes\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["FILE", "LINK-TO-FILE", "shop.yaml"]


# Errors of the filesystem, injected with the errno the system gives, where the build meets them.

def failing(errno_value: int, real: object, on_call: int = 1) -> object:
    calls = 0

    def call(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == on_call:
            raise OSError(errno_value, os.strerror(errno_value))
        return real(*args, **kwargs)  # type: ignore[operator]

    return call


def test_a_read_only_filesystem_with_no_output_directory_yet_is_one_line(
    blueprint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "output"
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        # Only the output directory is on the read-only filesystem (the cache may be created elsewhere first).
        if self == out:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", mkdir)
    code, _, err = build(capsys, "build", str(blueprint), "-o", str(out))
    assert code == EXIT_USAGE
    assert one_line(err) == f"{blueprint}: error: cannot create {out}: Read-only file system\n"


@pytest.mark.parametrize(("function", "on_call"), [("pwrite", 1), ("fsync", 1), ("fsync", 3), ("mkdir", 1)])
def test_a_full_disk_while_writing_leaves_the_previous_output_and_says_so(
    function: str, on_call: int, blueprint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "output"
    assert build(capsys, "build", str(blueprint), "-o", str(out), "-q")[0] == EXIT_OK
    before = {path.name: path.read_bytes() for path in (out / "shop").iterdir()}
    blueprint.write_text(SHOP.replace("8080", "9090"))
    if function == "mkdir":  # the staging directory
        monkeypatch.setattr(Path, "mkdir", failing(errno.ENOSPC, Path.mkdir))
    else:
        monkeypatch.setattr(generator.output.os, function, failing(errno.ENOSPC, getattr(os, function), on_call))

    code, stdout, err = build(capsys, "build", str(blueprint), "-o", str(out))

    assert (code, stdout) == (EXIT_USAGE, "")
    assert one_line(err).startswith(f"{blueprint}: error: cannot write {out / 'shop'}: No space left on device")
    assert err.endswith(f"; {out / 'shop'} is left as it was\n")
    assert {path.name: path.read_bytes() for path in (out / "shop").iterdir()} == before
    assert sorted(path.name for path in out.iterdir()) == ["shop"]


# The same on real filesystems: a tmpfs in a private mount namespace.

@cache
def private_mounts() -> str | None:
    """None when this machine lets us mount a tmpfs in a private mount namespace, else why not."""
    if shutil.which("unshare") is None:
        return "no unshare(1)"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, text=True)
    return None if probe.returncode == 0 else f"cannot mount in a private namespace: {probe.stderr.strip()}"


DRIVER = """
import contextlib, hashlib, io, json, os, subprocess, sys
from pathlib import Path
from generator.cli import main

MOUNT, BLUEPRINT = Path(sys.argv[1]), Path(sys.argv[2])

def build(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["build", str(BLUEPRINT), *args])
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}

def snapshot(directory):
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}

def fill(leave_pages):
    with open(MOUNT / "filler", "wb") as handle:
        try:
            while True:
                handle.write(b"\\0" * 65536)
                handle.flush()
        except OSError:
            pass
    os.truncate(MOUNT / "filler", max(0, os.path.getsize(MOUNT / "filler") - leave_pages * 4096))

results = {}
"""


def in_private_tmpfs(tmp_path: Path, blueprint: Path, steps: str, size: str = "2m") -> dict[str, object]:
    """Run DRIVER + STEPS with a fresh tmpfs of SIZE at tmp_path/mnt, in a private mount namespace; the
    steps put what they saw in `results`, returned here."""
    reason = private_mounts()
    if reason is not None:
        pytest.skip(reason)
    mount = tmp_path / "mnt"
    mount.mkdir()
    script = DRIVER + textwrap.dedent(steps) + "\nprint(json.dumps(results))\n"
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f'mount -t tmpfs -o size={size} tmpfs "$1" && shift && exec "$@"', "sh",
         str(mount), sys.executable, "-c", script, str(mount), str(blueprint)],
        capture_output=True, text=True, timeout=300, cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
    )
    assert done.returncode == 0, done.stderr
    assert list(mount.iterdir()) == []  # the tmpfs was the namespace's only
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("where", ["output", "."])
def test_a_read_only_filesystem_really_mounted_is_one_line_and_exit_2(
    where: str, blueprint: Path, tmp_path: Path
) -> None:
    results = in_private_tmpfs(tmp_path, blueprint, f"""
        subprocess.run(["mount", "-o", "remount,ro", str(MOUNT)], check=True)
        results["build"] = build("-o", str(MOUNT / {where!r}))
        results["left"] = sorted(os.listdir(MOUNT))
    """)
    run = results["build"]
    assert isinstance(run, dict)
    assert (run["code"], run["out"]) == (EXIT_USAGE, "")
    assert "Read-only file system" in one_line(run["err"])
    assert results["left"] == []


def test_a_read_only_filesystem_holding_the_previous_output_leaves_it_and_says_so(
    blueprint: Path, tmp_path: Path
) -> None:
    results = in_private_tmpfs(tmp_path, blueprint, """
        results["first"] = build("-o", str(MOUNT / "output"), "-q")
        before = snapshot(MOUNT)
        BLUEPRINT.write_text(BLUEPRINT.read_text().replace("8080", "9090"))
        subprocess.run(["mount", "-o", "remount,ro", str(MOUNT)], check=True)
        results["again"] = build("-o", str(MOUNT / "output"))
        results["intact"] = snapshot(MOUNT) == before
    """)
    assert results["first"] == {"code": EXIT_OK, "out": "", "err": ""}
    again = results["again"]
    assert isinstance(again, dict)
    assert again["code"] == EXIT_USAGE and again["out"] == ""
    assert "Read-only file system" in one_line(again["err"])
    assert results["intact"] is True


@pytest.mark.parametrize("free_pages", [0, 2, 6])
def test_a_really_full_disk_leaves_the_previous_output_intact_and_the_report_says_it_failed(
    free_pages: int, blueprint: Path, tmp_path: Path
) -> None:
    results = in_private_tmpfs(tmp_path, blueprint, f"""
        output = MOUNT / "output"
        results["first"] = build("-o", str(output), "-q")
        before = snapshot(output)
        BLUEPRINT.write_text(BLUEPRINT.read_text().replace("8080", "9090"))
        fill({free_pages})
        results["again"] = build("-o", str(output))
        results["intact"] = snapshot(output) == before
        results["left"] = sorted(os.listdir(output))
    """)
    assert results["first"] == {"code": EXIT_OK, "out": "", "err": ""}
    again = results["again"]
    assert isinstance(again, dict)
    assert (again["code"], again["out"]) == (EXIT_USAGE, "")
    assert "No space left on device" in one_line(again["err"])
    assert results["intact"] is True
    assert results["left"] == ["shop"]  # no staging directory or lock file left behind
