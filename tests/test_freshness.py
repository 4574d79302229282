"""`blueprint build` with nothing changed does nothing: same blueprint bytes, same tool, and an output
directory still holding exactly what the last clean build wrote. Any other case builds in full."""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.freshness
from generator.checks.lint import Linter
from generator.cli import EXIT_OK, EXIT_USAGE, main
from generator.output import MARKER

SMALL = """\
name: shop
network: {cidr: 10.1.0.0/16}
services:
  api: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080, expose: public}
"""


@pytest.fixture
def built(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    blueprint = tmp_path / "shop.yaml"
    blueprint.write_text(SMALL)
    out = tmp_path / "out"
    assert main(["build", str(blueprint), "-o", str(out)]) == EXIT_OK
    assert "wrote" in capsys.readouterr().out
    return blueprint, out


def build(blueprint: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code = main(["build", str(blueprint), "-o", str(out), *extra])
    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err
    return captured.out


def no_linting(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Linter) -> Linter:
        raise AssertionError("an up-to-date build started cfn-lint")

    monkeypatch.setattr(Linter, "start", refuse)


def test_an_unchanged_build_touches_nothing_and_starts_no_linter(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    blueprint, out = built
    before = {p.name: p.stat().st_mtime_ns for p in (out / "shop").iterdir()}
    inode = (out / "shop").stat().st_ino
    no_linting(monkeypatch)
    assert "is up to date" in build(blueprint, out, capsys)
    assert {p.name: p.stat().st_mtime_ns for p in (out / "shop").iterdir()} == before
    assert (out / "shop").stat().st_ino == inode


@pytest.mark.parametrize("change", ["edit", "add", "remove", "marker"])
def test_a_changed_output_directory_is_built_again(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str], change: str,
) -> None:
    blueprint, out = built
    directory = out / "shop"
    original = (directory / "root.yaml").read_bytes()
    names = sorted(p.name for p in directory.iterdir())
    if change == "edit":
        (directory / "root.yaml").write_bytes(original + b"# edited\n")
    elif change == "add":
        (directory / "notes.txt").write_text("mine")
    elif change == "remove":
        (directory / "root.yaml").unlink()
    if change == "marker":  # not ours any more: the full build refuses to replace it
        (directory / MARKER).unlink()
        assert main(["build", str(blueprint), "-o", str(out)]) == EXIT_USAGE
        assert "refusing to replace it" in capsys.readouterr().err
        return
    assert "wrote" in build(blueprint, out, capsys)
    assert (directory / "root.yaml").read_bytes() == original
    assert sorted(p.name for p in directory.iterdir()) == names


def test_an_edited_blueprint_is_built_again(built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    blueprint, out = built
    blueprint.write_text(SMALL.replace("port: 8080", "port: 9090"))
    assert "wrote" in build(blueprint, out, capsys)
    assert "9090" in (out / "shop" / "service-api.yaml").read_text()
    assert "is up to date" in build(blueprint, out, capsys)


def test_another_tool_builds_again(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A change to our source, to any installed package or to Python changes the fingerprint."""
    blueprint, out = built
    monkeypatch.setattr(generator.freshness, "tool_fingerprint", lambda: "another version")
    assert "wrote" in build(blueprint, out, capsys)


def test_the_fingerprint_covers_our_source_and_the_installed_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil
    import sys

    def fingerprint() -> str:
        generator.freshness.tool_fingerprint.cache_clear()
        return generator.freshness.tool_fingerprint()

    try:
        before = fingerprint()
        assert fingerprint() == before
        site = tmp_path / "site"
        (site / "extra-1.0.dist-info").mkdir(parents=True)
        monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
        installed = fingerprint()
        assert installed != before  # another package installed
        (site / "extra-1.0.dist-info").rename(site / "extra-1.1.dist-info")
        assert fingerprint() != installed  # upgraded
        copy = tmp_path / "generator"
        shutil.copytree(Path(generator.freshness.__file__).parent, copy,
                        ignore=shutil.ignore_patterns("__pycache__"))
        monkeypatch.setattr(generator.freshness, "__file__", str(copy / "freshness.py"))
        ours = fingerprint()
        assert ours == fingerprint()
        (copy / "cfn" / "render.py").write_text((copy / "cfn" / "render.py").read_text() + "\n# edited\n")
        assert fingerprint() != ours  # our source edited
    finally:
        generator.freshness.tool_fingerprint.cache_clear()


def test_another_output_directory_or_no_cache_builds(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    blueprint, out = built
    assert "wrote" in build(blueprint, tmp_path / "elsewhere", capsys)
    assert "wrote" in build(blueprint, out, capsys, "--no-cache")


@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_a_build_with_accepted_warnings_is_up_to_date_and_still_prints_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, quiet: list[str],
) -> None:
    """`network.flow_logs: false` is an accepted warning (SEC901): an unchanged build takes the fast path
    and prints the warning exactly as the full build did, under the output directory as named."""
    blueprint = tmp_path / "quiet.yaml"
    blueprint.write_text("name: quiet\nnetwork: {flow_logs: false}\n"
                         "services:\n  api: {image: nginx, port: 80, expose: public}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(blueprint), "-o", "out", *quiet]) == EXIT_OK
    full = capsys.readouterr()
    assert full.err.startswith("out/quiet/network.yaml:") and "warning: SEC901" in full.err
    no_linting(monkeypatch)
    assert main(["build", str(blueprint), "-o", "out", *quiet]) == EXIT_OK
    fast = capsys.readouterr()
    assert fast.err == full.err
    assert fast.out == ("" if quiet else f"{blueprint}: out/quiet/ is up to date (built from this blueprint by "
                        "this exact tool; 1 audit warning)\n")
    assert main(["build", str(blueprint), "-o", str(tmp_path / "out"), *quiet]) == EXIT_OK  # named otherwise
    assert capsys.readouterr().err == full.err.replace("out/", f"{tmp_path / 'out'}/", 1)


def test_an_up_to_date_blueprint_still_counts_for_taken_names(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    blueprint, out = built
    twin = tmp_path / "twin.yaml"
    twin.write_text(SMALL.replace("port: 8080", "port: 9090"))
    assert main(["build", str(blueprint), str(twin), "-o", str(out)]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert "is up to date" in captured.out
    assert f"`shop` is also the name of {blueprint}" in captured.err
    assert "8080" in (out / "shop" / "service-api.yaml").read_text()


def test_an_edited_service_image_relints_only_that_service_s_template(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
) -> None:
    blueprint, out = built
    blueprint.write_text(SMALL.replace("nginx:1.27", "nginx:1.28"))
    assert "lint and audit clean; 1 template linted" in build(blueprint, out, capsys)
    assert "nginx:1.28" in (out / "shop" / "service-api.yaml").read_text()


def test_a_build_on_a_terminal_says_what_cfn_lint_is_doing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    blueprint = tmp_path / "shop.yaml"
    blueprint.write_text(SMALL)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["build", str(blueprint), "-o", str(tmp_path / "out"), "--no-cache"]) == EXIT_OK
    err = capsys.readouterr().err
    assert f"{blueprint}: generated 4 templates in" in err
    assert "cfn-lint is checking 4 of them (0 known clean) on" in err
    assert main(["build", "-q", str(blueprint), "-o", str(tmp_path / "other"), "--no-cache"]) == EXIT_OK
    assert capsys.readouterr().err == ""


def test_a_file_given_twice_is_refused_even_when_up_to_date(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
) -> None:
    blueprint, out = built
    assert main(["build", str(blueprint), str(blueprint), "-o", str(out)]) == EXIT_USAGE
    assert "is also the name of" in capsys.readouterr().err


def test_a_marker_that_is_a_link_is_not_up_to_date(built: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    blueprint, out = built
    marker = out / "shop" / MARKER
    elsewhere = tmp_path / "marker"
    elsewhere.write_bytes(marker.read_bytes())
    marker.unlink()
    marker.symlink_to(elsewhere)
    assert main(["build", str(blueprint), "-o", str(out)]) == EXIT_USAGE  # the full build refuses it
    assert "refusing to replace it" in capsys.readouterr().err
