"""No run loses a file (issue 10): `blueprint build` writes only inside OUTPUT/<name>/ directories it
made, never replaces anything else, lets one build at a time write a name, and puts right what a
killed build left behind. Each guarantee has a test here that fails without it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.checks.cache import ENV_DIR
from generator.cli import EXIT_OK, EXIT_USAGE, main
from generator.output import MARKER, OutputError, locked, recover

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


# A killed build is put right by the next one.

def kill_mid_swap(blueprint: Path, out: Path) -> None:
    """Run a build in another process and kill it (SIGKILL, so no clean-up runs) just after it moved
    the previous output aside and before it moved the new one in: the worst moment."""
    script = textwrap.dedent(f"""
        import os, signal
        import generator.output
        real = os.rename
        def rename(source, destination):
            real(source, destination)
            if ".old-" in str(destination):
                os.kill(os.getpid(), signal.SIGKILL)
        generator.output.os.rename = rename
        from generator.cli import main
        main(["build", {str(blueprint)!r}, "-o", {str(out)!r}, "-q"])
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_a_build_killed_mid_swap_loses_nothing_and_the_next_build_recovers(
    blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(blueprint, out, capsys)[0] == EXIT_OK
    previous = snapshot(out / "shop")
    blueprint.write_text(SHOP.replace("8080", "9090"))

    kill_mid_swap(blueprint, out)

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
