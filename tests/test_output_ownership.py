"""No run loses a file (issue 10): `blueprint build` writes only inside OUTPUT/<name>/ directories it
made, never replaces anything else, lets one build at a time write a name, and puts right what a
killed build left behind. Each guarantee has a test here that fails without it.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import generator.output
from generator.checks.cache import ENV_DIR
from generator.cli import EXIT_OK, EXIT_USAGE, main
from generator.output import MARKER, OutputError, is_whole, locked, recover

REPOSITORY = Path(__file__).resolve().parents[1]

SHOP = """\
name: shop
services:
  api: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080}
  worker: {image: public.ecr.aws/nginx/nginx:1.27}
"""


@pytest.fixture(autouse=True)
def _shared_check_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds here remember clean templates across tests (a cache only remembers clean results)."""
    monkeypatch.setenv(ENV_DIR, str(tmp_path_factory.getbasetemp() / "ownership-cache"))


def snapshot(directory: Path) -> dict[str, bytes | str | None]:
    """Every entry under `directory`, hidden ones included: file bytes, a link's target, None for a directory."""
    entries: dict[str, bytes | str | None] = {}
    for path in sorted(directory.rglob("*")):
        name = str(path.relative_to(directory))
        if path.is_symlink():
            entries[name] = f"-> {os.readlink(path)}"
        else:
            entries[name] = None if path.is_dir() else path.read_bytes()
    return entries


def build(blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["build", str(blueprint), "-o", str(out), "-q"])
    return code, capsys.readouterr().err


@pytest.fixture
def blueprint(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP)
    return path


@pytest.fixture
def out(tmp_path: Path) -> Path:
    directory = tmp_path / "output"
    directory.mkdir()
    return directory


# Only directories this tool made are replaced.

def test_a_symlink_where_the_output_goes_is_left_alone_and_so_is_its_target(
    blueprint: Path, out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / MARKER).write_text("even with a marker\n")
    (elsewhere / "precious.txt").write_text("keep me\n")
    (out / "shop").symlink_to(elsewhere)
    before, before_elsewhere = snapshot(out), snapshot(elsewhere)

    code, err = build(blueprint, out, capsys)

    assert code == EXIT_USAGE
    assert f"{out / 'shop'} exists and is a symbolic link, so not a directory this tool made" in err
    assert snapshot(out) == before
    assert snapshot(elsewhere) == before_elsewhere


def test_a_regular_file_where_the_output_goes_is_left_alone(
    blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (out / "shop").write_text("my notes\n")

    code, err = build(blueprint, out, capsys)

    assert code == EXIT_USAGE
    assert f"{out / 'shop'} exists and is not a directory" in err
    assert snapshot(out) == {"shop": b"my notes\n"}


@pytest.mark.parametrize("fake_marker", ["directory", "symlink", "missing"])
def test_a_directory_without_a_real_marker_file_is_left_alone(
    fake_marker: str, blueprint: Path, out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = out / "shop"
    mine.mkdir()
    (mine / "root.yaml").write_text("somebody's own template\n")
    if fake_marker == "directory":
        (mine / MARKER).mkdir()
    elif fake_marker == "symlink":
        (tmp_path / "a-file").write_text("x\n")
        (mine / MARKER).symlink_to(tmp_path / "a-file")
    before = snapshot(out)

    code, err = build(blueprint, out, capsys)

    assert code == EXIT_USAGE
    assert f"{mine} exists but was not made by `blueprint build` (no {MARKER} marker file); refusing" in err
    assert snapshot(out) == before


# A rebuild leaves exactly what the blueprint generates.

def test_the_templates_of_a_removed_service_disappear(
    blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(blueprint, out, capsys)[0] == EXIT_OK
    assert (out / "shop" / "service-worker.yaml").is_file()

    blueprint.write_text(SHOP.replace("  worker: {image: public.ecr.aws/nginx/nginx:1.27}\n", ""))
    assert build(blueprint, out, capsys)[0] == EXIT_OK

    assert not (out / "shop" / "service-worker.yaml").exists()
    assert (out / "shop" / "service-api.yaml").is_file()
    assert "worker" not in (out / "shop" / "root.yaml").read_text()
    assert sorted(path.name for path in out.iterdir()) == ["shop"]  # no staging, no lock left behind


# A killed build is put right by the next one; the target name never goes missing.

KILL_AFTER = {
    # the two-rename fallback (no atomic exchange): killed after the previous output was moved aside
    "rename": """
real = os.rename
def rename(source, destination):
    real(source, destination)
    if ".old-" in str(destination):
        os.kill(os.getpid(), signal.SIGKILL)
generator.output.os.rename = rename
generator.output._exchange = lambda first, second: False
""",
    # the atomic exchange: killed after it, before the previous output (now in staging) is removed
    "exchange": """
real = generator.output._exchange
def exchange(first, second):
    assert real(first, second), "this system has no atomic exchange"
    os.kill(os.getpid(), signal.SIGKILL)
generator.output._exchange = exchange
""",
}


def kill_mid_swap(blueprint: Path, out: Path, step: str) -> None:
    """Run a build in another process and kill it (SIGKILL, so no clean-up runs) just after the given step
    of its commit: the worst moment."""
    script = "import os, signal\nimport generator.output\n" + KILL_AFTER[step] + textwrap.dedent(f"""
        from generator.cli import main
        main(["build", {str(blueprint)!r}, "-o", {str(out)!r}, "-q"])
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_a_build_killed_between_the_two_renames_loses_nothing_and_the_next_build_recovers(
    blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(blueprint, out, capsys)[0] == EXIT_OK
    previous = snapshot(out / "shop")
    blueprint.write_text(SHOP.replace("8080", "9090"))

    kill_mid_swap(blueprint, out, "rename")

    assert not (out / "shop").exists()
    hidden = sorted(path.name for path in out.iterdir())
    assert any(name.startswith(".shop.old-") for name in hidden), hidden
    assert any(name.startswith(".shop.new-") for name in hidden), hidden
    retired = next(out.glob(".shop.old-*"))
    assert snapshot(retired) == previous  # the previous output, whole, only moved aside

    with locked(out, "shop"):  # what the next build does first: the previous output goes back in place
        recover(out, "shop")
    assert snapshot(out / "shop") == previous
    assert sorted(path.name for path in out.iterdir()) == ["shop"]

    assert build(blueprint, out, capsys)[0] == EXIT_OK
    assert "9090" in (out / "shop" / "service-api.yaml").read_text()
    assert sorted(path.name for path in out.iterdir()) == ["shop"]


def test_a_build_killed_right_after_the_exchange_leaves_the_new_output_in_place(
    blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(blueprint, out, capsys)[0] == EXIT_OK
    previous = snapshot(out / "shop")
    blueprint.write_text(SHOP.replace("8080", "9090"))

    kill_mid_swap(blueprint, out, "exchange")

    assert "9090" in (out / "shop" / "service-api.yaml").read_text()  # never missing, whole and new
    assert is_whole(out / "shop")
    (swapped_out,) = out.glob(".shop.new-*")
    assert snapshot(swapped_out) == previous
    with locked(out, "shop"):
        recover(out, "shop")
    assert sorted(path.name for path in out.iterdir()) == ["shop"]


def test_an_interrupt_between_the_two_renames_puts_the_previous_output_back(
    blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build(blueprint, out, capsys)[0] == EXIT_OK
    before = snapshot(out)
    blueprint.write_text(SHOP.replace("8080", "9090"))
    real = os.rename

    def rename(source: Path, destination: Path) -> None:
        if Path(source).name.startswith(".shop.new-"):
            raise KeyboardInterrupt
        real(source, destination)

    monkeypatch.setattr(generator.output.os, "rename", rename)
    monkeypatch.setattr(generator.output, "_exchange", lambda first, second: False)
    code, err = build(blueprint, out, capsys)
    assert (code, err) == (130, "blueprint: interrupted; output left as it was\n")
    assert snapshot(out) == before


def damage(directory: Path, how: str, tmp_path: Path) -> None:
    """Break a retired output directory the ways a half-finished removal, an edit or an old tool leave one."""
    if how == "a file missing":
        (directory / "service-api.yaml").unlink()
    elif how == "a file changed":
        with (directory / "root.yaml").open("a") as handle:
            handle.write("# edited\n")
    elif how == "a file added":
        (directory / "notes.txt").write_text("x\n")
    elif how == "a file is a link":
        (tmp_path / "copy").write_bytes((directory / "root.yaml").read_bytes())
        (directory / "root.yaml").unlink()
        (directory / "root.yaml").symlink_to(tmp_path / "copy")
    elif how == "a marker without digests":
        (directory / MARKER).write_text("Generated by `blueprint build`; this directory is replaced whole on every "
                                        "build.\n")
    elif how == "a marker with a bad line":
        with (directory / MARKER).open("a") as handle:
            handle.write("not a digest line\n")
    elif how == "a marker that is a link":
        (tmp_path / "marker").write_bytes((directory / MARKER).read_bytes())
        (directory / MARKER).unlink()
        (directory / MARKER).symlink_to(tmp_path / "marker")
    elif how == "no marker":
        (directory / MARKER).unlink()
    else:
        raise AssertionError(how)


DAMAGES = ["a file missing", "a file changed", "a file added", "a file is a link", "a marker without digests",
           "a marker with a bad line", "a marker that is a link", "no marker"]


@pytest.mark.parametrize("how", DAMAGES)
def test_recovery_restores_only_a_retired_directory_whole_by_its_markers_digests(
    how: str, blueprint: Path, out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(blueprint, out, capsys)[0] == EXIT_OK
    whole = snapshot(out / "shop")
    older, newer = out / ".shop.old-0123456789abcdef", out / ".shop.old-fedcba9876543210"
    shutil.copytree(out / "shop", older, symlinks=True)
    os.rename(out / "shop", newer)
    os.utime(older, ns=(1, 1))  # the damaged one is the newest: recovery must not just take the newest
    damage(newer, how, tmp_path)
    assert not is_whole(newer) and is_whole(older)

    with locked(out, "shop"):
        recover(out, "shop")

    assert snapshot(out / "shop") == whole
    assert sorted(path.name for path in out.iterdir()) == ["shop"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_retired_directory_that_is_not_whole_is_never_put_in_place(
    how: str, blueprint: Path, out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(blueprint, out, capsys)[0] == EXIT_OK
    retired = out / ".shop.old-0123456789abcdef"
    os.rename(out / "shop", retired)
    damage(retired, how, tmp_path)

    with locked(out, "shop"):
        recover(out, "shop")

    assert not (out / "shop").exists() and list(out.iterdir()) == []


def test_the_marker_lists_every_file_with_its_sha256(blueprint: Path, out: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert build(blueprint, out, capsys)[0] == EXIT_OK
    directory = out / "shop"
    lines = (directory / MARKER).read_text().splitlines()[1:]
    files = sorted(path.name for path in directory.iterdir() if path.name != MARKER)
    assert lines == [f"{hashlib.sha256((directory / name).read_bytes()).hexdigest()}  {name}" for name in files]


def test_the_exchange_falls_back_to_two_renames_where_the_filesystem_cannot_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def renameat2(errno_value: int) -> Callable[..., int]:
        def call(*args: object) -> int:
            ctypes.set_errno(errno_value)
            return -1
        return call

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    for unsupported in (errno.EINVAL, errno.ENOSYS):
        monkeypatch.setattr(generator.output, "_renameat2", lambda value=unsupported: renameat2(value))
        assert generator.output._exchange(first, second) is False
    monkeypatch.setattr(generator.output, "_renameat2", lambda: renameat2(errno.EACCES))
    with pytest.raises(PermissionError):
        generator.output._exchange(first, second)
    monkeypatch.setattr(generator.output, "_renameat2", lambda: None)
    assert generator.output._exchange(first, second) is False


def test_stale_staging_directories_of_a_name_are_removed_by_its_next_build(
    blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = [".shop.new-0123456789abcdef", ".shop.old-0123456789abcdef", ".shop.old-k2_x9abc"]
    for name in stale:
        (out / name).mkdir()
        (out / name / "root.yaml").write_text("half written\n")
    kept = [".other.new-0123456789abcdef", ".shop.new-not-ours", ".shop.notes", "shop-notes"]
    for name in kept:
        (out / name).mkdir()
        (out / name / "mine.txt").write_text("keep\n")
    (out / ".shop.new-fedcba9876543210").symlink_to(out / "shop-notes")  # a link is never followed

    assert build(blueprint, out, capsys)[0] == EXIT_OK

    assert sorted(path.name for path in out.iterdir()) == sorted(
        ["shop", *kept, ".shop.new-fedcba9876543210"])
    for name in kept:
        assert (out / name / "mine.txt").read_text() == "keep\n"


# One build at a time: a second build of the same name fails at once, naming the first.

HOLD_LOCK = """
import sys, time
from pathlib import Path
from generator.output import locked
with locked(Path(sys.argv[1]), "shop"):
    print("holding", flush=True)
    time.sleep(120)
"""


def test_a_second_build_while_another_holds_the_name_fails_at_once_naming_it(
    blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(blueprint, out, capsys)[0] == EXIT_OK
    before = snapshot(out)
    blueprint.write_text(SHOP.replace("8080", "9090"))
    other = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], cwd=REPOSITORY,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None
        assert other.stdout.readline() == "holding\n"

        code, err = build(blueprint, out, capsys)

        assert code == EXIT_USAGE
        assert (f"error: another `blueprint build` (process {other.pid}) is writing {out / 'shop'} right now; "
                "wait for it to finish and build again") in err
        assert snapshot(out) == {**before, ".shop.lock": f"{other.pid}\n".encode()}
    finally:
        other.kill()
        other.wait(timeout=30)

    # The lock died with its holder: the next build runs, and leaves no lock file behind.
    assert build(blueprint, out, capsys)[0] == EXIT_OK
    assert "9090" in (out / "shop" / "service-api.yaml").read_text()
    assert sorted(path.name for path in out.iterdir()) == ["shop"]


def test_the_lock_is_per_name(out: Path) -> None:
    with locked(out, "shop"), locked(out, "blog"):
        assert sorted(path.name for path in out.iterdir()) == [".blog.lock", ".shop.lock"]
    assert list(out.iterdir()) == []


def test_a_lock_file_that_is_a_symlink_is_not_followed(out: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (out / ".shop.lock").symlink_to(victim)
    with pytest.raises(OutputError, match="is a symbolic link; refusing to follow it"), locked(out, "shop"):
        pass
    assert victim.read_text() == "precious\n"


def test_the_committed_output_is_whole_by_its_markers() -> None:
    """`make templates` writes the digests; a marker left from an older build (or a hand edit) shows here."""
    directories = sorted(path for path in (REPOSITORY / "output").iterdir() if path.is_dir())
    assert directories
    assert [path.name for path in directories if not is_whole(path)] == []
