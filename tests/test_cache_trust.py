"""The cache cannot lie: whoever can write the cache directory can cost a build time, never make a failing
build pass, hide an edited output, hang a build or make it read without bound. Entries are written here
as an adversary would: forged, altered, moved between keys, made with another user's secret, replaced by
a FIFO, a link or a huge file."""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shared
from troposphere import GetAZs, Ref, Select, Template, ec2

import generator.checks.cache
import generator.pipeline
from generator import freshness
from generator.checks.cache import ENV_DIR, CleanCache, read_regular_file
from generator.cli import EXIT_INVALID, EXIT_OK, main
from generator.output import MARKER

SMALL = """\
name: shop
network: {cidr: 10.1.0.0/16}
services:
  api: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080, expose: public}
"""
TEMPLATES = 4  # root, network, cluster, one service
GIB = 1024**3


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(ENV_DIR, str(directory))
    return directory


@pytest.fixture
def built(tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """SMALL built clean with an empty cache: (blueprint, output directory); the cache holds its entries."""
    blueprint = tmp_path / "shop.yaml"
    blueprint.write_text(SMALL)
    out = tmp_path / "out"
    assert run(blueprint, out, capsys)[0] == EXIT_OK
    return blueprint, out


def run(blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["build", str(blueprint), "-o", str(out), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def entries(cache_dir: Path) -> dict[str, Path]:
    """Every entry file in the cache, by key."""
    return {path.name: path for path in cache_dir.glob("??/*") if not path.name.startswith(".")}


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())} if directory.is_dir() else {}


def looked_up(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(kind, key) of every entry the build asks the cache for, from now on."""
    asked: list[tuple[str, str]] = []
    real = CleanCache._recall

    def spy(self: CleanCache, kind: str, key: str) -> bytes | None:
        asked.append((kind, key))
        return real(self, kind, key)

    monkeypatch.setattr(CleanCache, "_recall", spy)
    return asked


def break_the_tool(monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    """Generate a network template that fails cfn-lint (a subnet in a VPC that does not exist) or, lint
    clean, fails the posture audit (an unencrypted volume: SEC802)."""
    real = generator.pipeline.build_templates

    def build_templates(blueprint: object) -> dict[str, Template]:
        templates = real(blueprint)
        if failure == "lint":
            bad = ec2.Subnet("BrokenSubnet", VpcId=Ref("NoSuchVpc"), CidrBlock="10.1.250.0/24")
        else:
            bad = ec2.Volume("PlainVolume", AvailabilityZone=Select(0, GetAZs("")), Size=10)
        templates["network.yaml"].add_resource(bad)
        return templates

    monkeypatch.setattr(generator.pipeline, "build_templates", build_templates)


def forge(style: str, cache_dir: Path, tmp_path: Path, kind: str, key: str, record: str,
          genuine: dict[str, bytes]) -> None:
    """Write at `key` an entry of `kind` saying "clean" (or, for a record, `record`), as `style` forges it."""
    body = "" if kind == "clean" else record
    path = cache_dir / key[:2] / key
    path.parent.mkdir(parents=True, exist_ok=True)
    if style == "unauthenticated":  # the format before entries were authenticated
        path.write_text(f"{kind} {key}\n{body}")
    elif style == "made-up mac":
        path.write_text(f"{kind} {key} {'0' * 64}\n{body}")
    elif style == "moved from another key":  # a genuine entry of the same kind, its key rewritten
        header, _, stored = genuine[kind].partition(b"\n")
        other = header.split(b" ")[1]
        path.write_bytes(header.replace(other, key.encode()) + b"\n" + (stored if kind == "clean" else body.encode()))
    else:  # well formed, by the same tool run with another user's secret
        other = CleanCache(cache_dir, secret=tmp_path / "someone-else" / "cache-key")
        if kind == "clean":
            other.remember_clean(key)
        else:
            other.remember_record(key, record)


FORGERIES = ["unauthenticated", "made-up mac", "moved from another key", "another user's secret"]


def genuine_entries(cache_dir: Path) -> dict[str, bytes]:
    """One genuine entry of each kind, as the clean build wrote them."""
    found: dict[str, bytes] = {}
    for path in entries(cache_dir).values():
        content = path.read_bytes()
        found.setdefault(content.split(b" ", 1)[0].decode(), content)
    assert set(found) == {"clean", "record"}
    return found


@pytest.mark.parametrize("failure", ["lint", "audit"])
def test_forged_verdicts_and_records_never_pass_a_failing_build(
    built: tuple[Path, Path], cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, failure: str,
) -> None:
    blueprint, out = built
    genuine = genuine_entries(cache_dir)
    before = snapshot(out / "shop")
    # The record a forger would want: "this (failing) blueprint built exactly what out/shop holds now".
    record = freshness.Built("shop", (out / "shop").resolve(),
                             {name: hashlib.sha256(content).hexdigest()
                              for name, content in before.items() if name != MARKER}).to_json()
    blueprint.write_text(SMALL + "# the same blueprint, built by a tool that now generates a failing template\n")
    break_the_tool(monkeypatch, failure)
    asked = looked_up(monkeypatch)
    assert run(blueprint, out, capsys)[0] == EXIT_INVALID
    assert {kind for kind, _ in asked} == {"clean", "record"}
    for style in FORGERIES:
        for kind, key in set(asked):
            forge(style, cache_dir, tmp_path, kind, key, record, genuine)
        code, _, err = run(blueprint, out, capsys)
        assert code == EXIT_INVALID, style
        assert f"{out / 'shop' / 'network.yaml'}:" in err and "nothing written" in err, style
        assert ("SEC802 PlainVolume" if failure == "audit" else "NoSuchVpc") in err, style
        assert snapshot(out / "shop") == before, style


def test_an_edited_output_is_built_again_whatever_the_cache_says(
    built: tuple[Path, Path], cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    blueprint, out = built
    genuine = genuine_entries(cache_dir)
    original = (out / "shop" / "root.yaml").read_bytes()
    edited = original + b"# edited by hand\n"
    key = freshness.build_key(blueprint.read_bytes(), out)
    record = freshness.Built.from_json(genuine["record"].partition(b"\n")[2].decode())
    lie = freshness.Built(record.name, record.directory,
                          {**record.files, "root.yaml": hashlib.sha256(edited).hexdigest()}).to_json()
    for style in [*FORGERIES, "genuine header, altered digests"]:
        (out / "shop" / "root.yaml").write_bytes(edited)
        if style == "genuine header, altered digests":
            (cache_dir / key[:2] / key).write_bytes(genuine["record"].partition(b"\n")[0] + b"\n" + lie.encode())
        else:
            forge(style, cache_dir, tmp_path, "record", key, lie, genuine)
        code, stdout, _ = run(blueprint, out, capsys)
        assert code == EXIT_OK and "wrote" in stdout, style
        assert (out / "shop" / "root.yaml").read_bytes() == original, style
    assert "is up to date" in run(blueprint, out, capsys)[1]  # the genuine record, written again, is used


@pytest.fixture
def deadline() -> Iterator[None]:
    """A build that blocks (on a FIFO, say) fails the test instead of hanging the suite."""
    with shared.deadline(180, "the build blocked"):
        yield


def _fifo(path: Path, tmp_path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _zero(path: Path, tmp_path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


def _huge(path: Path, tmp_path: Path) -> None:
    with path.open("r+b") as file:  # its genuine entry first, then a hole up to 2 GiB: sparse, cheap
        file.truncate(2 * GIB)


def _link_to_itself(path: Path, tmp_path: Path) -> None:
    """The genuine entry, moved elsewhere and linked to: a link is never followed, even to the truth."""
    moved = tmp_path / "moved" / path.name
    moved.parent.mkdir(exist_ok=True)
    path.rename(moved)
    path.symlink_to(moved)


def _directory(path: Path, tmp_path: Path) -> None:
    path.unlink()
    path.mkdir()


HOSTILE: dict[str, Callable[[Path, Path], None]] = {
    "fifo": _fifo, "link to /dev/zero": _zero, "2 GiB file": _huge, "link to the genuine entry": _link_to_itself,
    "directory": _directory,
}


@pytest.mark.usefixtures("deadline")
@pytest.mark.parametrize("hostile", [*HOSTILE, "linked subdirectory"])
def test_hostile_files_at_every_key_neither_hang_nor_balloon_nor_count(
    built: tuple[Path, Path], cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], hostile: str,
) -> None:
    blueprint, out = built
    found = entries(cache_dir)
    assert len(found) == TEMPLATES + 2  # each template's lint verdict, the audit's, the build's record
    if hostile == "linked subdirectory":
        for folder in {path.parent for path in found.values()}:
            folder.rename(tmp_path / f"moved-{folder.name}")
            folder.symlink_to(tmp_path / f"moved-{folder.name}")
    else:
        for path in found.values():
            HOSTILE[hostile](path, tmp_path)
    (out / "shop" / "root.yaml").write_bytes(b"# edited\n")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, stdout, err = run(blueprint, out, capsys)
    assert code == EXIT_OK, err
    assert f"{TEMPLATES} templates linted" in stdout  # not one verdict trusted
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 200 * 1024  # KiB: nothing read whole
    if hostile in ("directory", "linked subdirectory"):
        return  # nothing can be written there: the cache costs speed from now on, never a verdict
    assert "is up to date" in run(blueprint, out, capsys)[1]  # genuine entries replaced each hostile one
    assert all(stat.S_ISREG(path.lstat().st_mode) and path.lstat().st_size < 1024 * 1024
               for path in entries(cache_dir).values())


def test_a_full_cache_disk_leaves_no_temporary_file(
    tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    blueprint = tmp_path / "shop.yaml"
    blueprint.write_text(SMALL)
    real = generator.checks.cache._write_all

    def full(fd: int, content: bytes) -> None:
        real(fd, content[: len(content) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(generator.checks.cache, "_write_all", full)
    for _ in range(2):  # nothing could be remembered: built (and linted) in full both times
        code, stdout, err = run(blueprint, tmp_path / "out", capsys)
        assert code == EXIT_OK and f"{TEMPLATES} templates linted" in stdout, err
    assert [p for p in cache_dir.rglob("*") if p.is_file()] == []


def test_a_full_state_disk_leaves_no_temporary_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def full(fd: int, content: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(generator.checks.cache, "_write_all", full)
    cache = CleanCache(tmp_path / "cache")
    cache.remember_clean("a" * 64)
    assert not cache.is_clean("a" * 64)
    assert list((tmp_path / "state").rglob("*.tmp")) == []
    assert not (tmp_path / "cache").exists()


# The secret: made private on first use; a secret anyone else could have read or written turns the cache off.

def test_the_secret_is_made_private_and_outside_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    cache = CleanCache(tmp_path / "cache")
    cache.remember_clean("b" * 64)
    secret = tmp_path / "state" / "ecs-blueprint" / "cache-key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(secret.parent.stat().st_mode) == 0o700
    assert CleanCache(tmp_path / "cache").is_clean("b" * 64)  # another build, the same secret
    assert not list((tmp_path / "cache").rglob("cache-key"))
    assert secret.read_bytes() not in (tmp_path / "cache" / "bb" / ("b" * 64)).read_bytes()


def _readable_by_others(secret: Path, tmp_path: Path) -> None:
    secret.chmod(0o644)


def _a_link(secret: Path, tmp_path: Path) -> None:
    secret.rename(tmp_path / "elsewhere")
    secret.symlink_to(tmp_path / "elsewhere")


def _not_a_secret(secret: Path, tmp_path: Path) -> None:
    secret.write_text("short")


def _someone_else_s(secret: Path, tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("only root can give a file away")
    os.chown(secret, 65534, 65534)


@pytest.mark.parametrize("spoil", [_readable_by_others, _a_link, _not_a_secret, _someone_else_s])
def test_a_secret_others_could_know_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: Callable[[Path, Path], None],
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    CleanCache(tmp_path / "cache").remember_clean("c" * 64)
    secret = tmp_path / "state" / "ecs-blueprint" / "cache-key"
    assert CleanCache(tmp_path / "cache").is_clean("c" * 64)
    spoil(secret, tmp_path)
    cache = CleanCache(tmp_path / "cache")
    assert not cache.is_clean("c" * 64)
    cache.remember_clean("d" * 64)
    assert not (tmp_path / "cache" / "dd").exists()


def test_a_secret_inside_the_cache_directory_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "shared"))
    cache = CleanCache(tmp_path / "shared")  # BLUEPRINT_CACHE_DIR pointed at the state directory
    cache.remember_clean("e" * 64)
    assert not cache.is_clean("e" * 64)
    assert not (tmp_path / "shared" / "ee").exists()


# Cache files are read as regular files only.

@pytest.mark.usefixtures("deadline")
def test_only_a_regular_file_under_the_cap_is_read(tmp_path: Path) -> None:
    regular = tmp_path / "regular"
    regular.write_bytes(b"x" * 10)
    assert read_regular_file(regular, 10) == b"x" * 10
    assert read_regular_file(regular, 9) is None
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(regular)
    (tmp_path / "zero").symlink_to("/dev/zero")
    with (tmp_path / "huge").open("wb") as file:
        file.truncate(2 * GIB)
    for name in ("fifo", "link", "zero", "huge", "missing"):
        assert read_regular_file(tmp_path / name, 1024) is None, name
    assert read_regular_file(tmp_path, 1024) is None
    assert read_regular_file("/dev/null", 1024) is None
