"""The build pipeline: deterministic bytes, atomic writes, lint as a gate, ownership, `blueprint check`."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from troposphere import Ref, Template, ec2

import generator.output
import generator.pipeline
from generator.checks.cache import ENV_DIR, CleanCache, default_directory
from generator.cli import EXIT_INVALID, EXIT_OK, main
from generator.output import MARKER, OutputError
from generator.pipeline import BuildResult, ValidationFailed, build

REPOSITORY = Path(__file__).resolve().parents[1]

# Everything whose order could leak from a dict or a set: tags, zones, endpoints, CIDRs and
# environment variables out of alphabetical order, several services that call each other.
RICH = """\
name: shop
description: Shop API, its catalog and a worker
tags: {zeta: last, alpha: first, team: platform}
network:
  cidr: 10.42.0.0/20
  availability_zones: [us-east-1c, us-east-1a, us-east-1b]
  nat_gateways: single
  endpoints: [sts, s3, logs, ecr, ssm]
cluster:
  instances: {type: t3.small, min: 1, max: 3}
  fargate: true
access:
  bastion: {allowed_cidrs: [203.0.113.0/24, 198.51.100.0/24]}
services:
  web:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    expose: public
    talks_to: [catalog]
    environment: {ZED: "2", ALPHA: "1"}
  catalog: {image: public.ecr.aws/nginx/nginx:1.27, port: 9000, expose: internal}
  worker: {image: public.ecr.aws/nginx/nginx:1.27, launch_type: fargate}
"""

SMALL = """\
name: shop
network: {cidr: 10.1.0.0/16}
services:
  api: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080}
"""


def write_blueprint(directory: Path, text: str) -> Path:
    path = directory / "shop.yaml"
    path.write_text(text)
    return path


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every entry under `directory`, hidden ones included: file bytes, or None for a directory."""
    if not directory.exists():
        return {}
    return {
        str(path.relative_to(directory)): None if path.is_dir() else path.read_bytes()
        for path in sorted(directory.rglob("*"))
    }


def failing_on_call(number: int, real: Callable[..., object]) -> Callable[..., object]:
    calls = 0

    def wrapper(*args: object) -> object:
        nonlocal calls
        calls += 1
        if calls == number:
            raise OSError(28, "No space left on device (injected)")
        return real(*args)

    return wrapper


@pytest.fixture(scope="module")
def check_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CLI remembers clean templates; one cache for this module, out of the user's home.

    A cache only ever remembers clean results, so sharing it makes later builds faster and never
    lets a broken template through.
    """
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _cli_uses_check_cache(check_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DIR, str(check_cache))


def cached_build(blueprint: Path, out: Path) -> BuildResult:
    """build() as the CLI calls it, with the clean-result cache (this module's)."""
    return build(blueprint, out, cache=CleanCache(default_directory()))


@pytest.fixture(scope="module")
def reference_output(tmp_path_factory: pytest.TempPathFactory, check_cache: Path) -> Path:
    """SMALL built once per module (a build lints and audits, which is the slow part)."""
    directory = tmp_path_factory.mktemp("reference")
    build(write_blueprint(directory, SMALL), directory / "output", cache=CleanCache(check_cache))
    return directory / "output"


@pytest.fixture
def built(tmp_path: Path, reference_output: Path) -> tuple[Path, Path]:
    """SMALL as built by an earlier run, in tmp/output: (blueprint path, output directory)."""
    out = tmp_path / "output"
    shutil.copytree(reference_output, out)
    return write_blueprint(tmp_path, SMALL), out


# Determinism

def test_the_same_blueprint_builds_byte_identical_files(reference_output: Path, tmp_path: Path) -> None:
    cached_build(write_blueprint(tmp_path, SMALL), tmp_path / "again")
    assert {"root.yaml", "network.yaml", MARKER} <= set(snapshot(reference_output / "shop"))
    assert snapshot(tmp_path / "again" / "shop") == snapshot(reference_output / "shop")


def hash_in_process(seed: str, text: str) -> int:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", f"print(hash({text!r}))"], env=env,
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_processes_with_different_hash_seeds_build_byte_identical_files(tmp_path: Path) -> None:
    # The premise: string hashes, and so the order of sets, differ between the two processes.
    assert hash_in_process("1", "shop-network") != hash_in_process("2", "shop-network")
    blueprint = write_blueprint(tmp_path, RICH)
    # Checked once here, so the builds below find their templates in the clean-result cache, unless
    # their bytes differ. Both run side by side, from the same code on disk.
    cached_build(blueprint, tmp_path / "here")
    builds = {
        seed: subprocess.Popen(
            [sys.executable, "-m", "generator.cli", "build", str(blueprint), "-o", str(tmp_path / seed), "-q"],
            cwd=REPOSITORY, env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for seed in ("1", "2")
    }
    for process in builds.values():
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    first, second = snapshot(tmp_path / "1" / "shop"), snapshot(tmp_path / "2" / "shop")
    assert {"root.yaml", "network.yaml", "cluster.yaml", MARKER} <= set(first)
    assert first == second


# Atomic writes

def test_rebuilding_replaces_the_directory_whole(built: tuple[Path, Path]) -> None:
    blueprint, out = built
    before = snapshot(out / "shop")
    (out / "shop" / "leftover.yaml").write_text("from an older build\n")
    cached_build(blueprint, out)
    assert snapshot(out / "shop") == before
    assert sorted(p.name for p in out.iterdir()) == ["shop"]


def test_the_output_directory_gets_the_permissions_mkdir_gives(tmp_path: Path) -> None:
    out = tmp_path / "output"
    cached_build(write_blueprint(tmp_path, SMALL), out)
    (out / "made-by-mkdir").mkdir()
    assert stat.S_IMODE((out / "shop").stat().st_mode) == stat.S_IMODE((out / "made-by-mkdir").stat().st_mode)


def test_a_failure_while_staging_leaves_the_previous_output_untouched(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    blueprint, out = built
    before = snapshot(out)
    blueprint.write_text(SMALL.replace("10.1.0.0/16", "10.2.0.0/16"))  # so a partial write would show
    monkeypatch.setattr(generator.output, "_write", failing_on_call(2, generator.output._write))
    with pytest.raises(OutputError, match="injected"):
        cached_build(blueprint, out)
    assert snapshot(out) == before, "the old output changed, or a staging directory was left behind"


def test_a_failure_while_swapping_restores_the_previous_output(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    blueprint, out = built
    before = snapshot(out)
    blueprint.write_text(SMALL.replace("10.1.0.0/16", "10.2.0.0/16"))
    real_rename = os.rename

    def rename(source: str | Path, destination: str | Path) -> None:
        if Path(source).name.startswith(".shop.new-"):
            raise OSError(5, "Input/output error (injected)")
        real_rename(source, destination)

    monkeypatch.setattr(generator.output.os, "rename", rename)
    monkeypatch.setattr(generator.output, "_exchange", lambda first, second: False)  # the two-rename fallback
    with pytest.raises(OutputError, match="injected"):
        cached_build(blueprint, out)
    assert snapshot(out) == before


# Lint is a gate

@pytest.fixture
def broken_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the pipeline's network.yaml fail lint: a subnet in a VPC that does not exist."""
    real = generator.pipeline.build_templates

    def build_templates(blueprint: object) -> dict[str, Template]:
        templates = real(blueprint)
        templates["network.yaml"].add_resource(
            ec2.Subnet("BrokenSubnet", VpcId=Ref("NoSuchVpc"), CidrBlock="10.1.250.0/24")
        )
        return templates

    monkeypatch.setattr(generator.pipeline, "build_templates", build_templates)


@pytest.mark.usefixtures("broken_network")
def test_a_lint_failure_raises_validation_failed_and_writes_nothing(built: tuple[Path, Path]) -> None:
    blueprint, out = built
    before = snapshot(out)
    with pytest.raises(ValidationFailed) as failed:
        cached_build(blueprint, out)
    errors = [finding for finding in failed.value.findings if finding.level == "error"]
    assert errors
    # Findings name the file as it would have been written, not the staging copy.
    assert {finding.filename for finding in errors} == {str(out / "shop" / "network.yaml")}
    assert snapshot(out) == before


@pytest.mark.usefixtures("broken_network")
def test_a_lint_failure_on_a_first_build_leaves_no_directory(tmp_path: Path) -> None:
    blueprint = write_blueprint(tmp_path, SMALL)
    out = tmp_path / "output"
    with pytest.raises(ValidationFailed):
        cached_build(blueprint, out)
    assert snapshot(out) == {}


# Ownership

def test_refuses_to_replace_a_directory_without_the_marker(tmp_path: Path) -> None:
    blueprint = write_blueprint(tmp_path, SMALL)
    out = tmp_path / "output"
    (out / "shop").mkdir(parents=True)
    (out / "shop" / "notes.txt").write_text("somebody else's\n")
    before = snapshot(out)
    with pytest.raises(OutputError, match=MARKER):
        cached_build(blueprint, out)
    assert snapshot(out) == before


def test_refuses_to_replace_a_file_where_the_directory_would_go(tmp_path: Path) -> None:
    blueprint = write_blueprint(tmp_path, SMALL)
    out = tmp_path / "output"
    out.mkdir()
    (out / "shop").write_text("not a directory\n")
    with pytest.raises(OutputError):
        cached_build(blueprint, out)
    assert snapshot(out) == {"shop": b"not a directory\n"}


# blueprint check

def test_check_exits_0_when_the_output_is_up_to_date(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    blueprint, out = built
    assert main(["check", str(blueprint), "-o", str(out)]) == EXIT_OK
    assert "up to date" in capsys.readouterr().out


def test_check_exits_1_naming_the_file_that_was_edited(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    blueprint, out = built
    edited = out / "shop" / "network.yaml"
    edited.write_bytes(edited.read_bytes().replace(b"10.1.0.0/16", b"10.9.0.0/16"))
    assert main(["check", str(blueprint), "-o", str(out)]) == EXIT_INVALID
    stale = [line for line in capsys.readouterr().err.splitlines() if ": stale:" in line]
    assert stale == [f"{edited}: stale: differs from what {blueprint} generates"]


def test_check_names_missing_and_unexpected_files(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    blueprint, out = built
    (out / "shop" / "root.yaml").unlink()
    (out / "shop" / "old-service.yaml").write_text("{}\n")
    assert main(["check", str(blueprint), "-o", str(out)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"{out / 'shop' / 'root.yaml'}: stale" in err
    assert f"{out / 'shop' / 'old-service.yaml'}: stale" in err
    assert "network.yaml: stale" not in err


def test_check_writes_nothing(built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blueprint, out = built
    edited = out / "shop" / "network.yaml"
    edited.write_bytes(edited.read_bytes() + b"# edited by hand\n")
    before = snapshot(out)
    # The directories' own times too: a scratch file made and removed in them would show there.
    mtimes = {path: path.stat().st_mtime_ns for path in [out, *out.rglob("*")]}
    # Check lints in a scratch directory of the system's temporary directory; it must go too.
    scratch = tmp_path / "system-tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert main(["check", str(blueprint), "-o", str(out), "-q"]) == EXIT_INVALID
    assert snapshot(out) == before
    assert {path: path.stat().st_mtime_ns for path in [out, *out.rglob("*")]} == mtimes
    assert list(scratch.iterdir()) == []


def test_check_without_any_output_is_stale_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blueprint = write_blueprint(tmp_path, SMALL)
    out = tmp_path / "output"
    assert main(["check", str(blueprint), "-o", str(out)]) == EXIT_INVALID
    assert not out.exists()
    assert f"{out / 'shop' / 'root.yaml'}: stale" in capsys.readouterr().err


def test_libyaml_and_pure_python_emitters_write_the_same_bytes() -> None:
    """Output is byte-identical on machines whose PyYAML lacks libyaml."""
    import yaml

    from generator.blueprint import load_blueprint
    from generator.cfn.render import render_data
    from generator.pipeline import documents

    for name in ("example.yaml", "storefront.yaml"):
        data = documents(load_blueprint(Path(__file__).resolve().parent.parent / "blueprints" / name))
        for document in data.values():
            assert render_data(document, yaml.SafeDumper) == render_data(document, yaml.CSafeDumper)


def test_a_second_blueprint_with_a_taken_name_writes_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from generator.cli import EXIT_USAGE, main

    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("name: same\nservices:\n  api: {image: nginx, port: 80}\n")
    second.write_text("name: same\nservices:\n  web: {image: nginx, port: 81}\n")
    out = tmp_path / "out"

    assert main(["build", str(first), str(second), "-o", str(out)]) == EXIT_USAGE

    assert "also the name of" in capsys.readouterr().err
    assert (out / "same" / "service-api.yaml").is_file()  # the first one's output, not replaced
    assert not (out / "same" / "service-web.yaml").exists()
