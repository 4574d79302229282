"""build_many: each blueprint of a batch gets one outcome, in the order given, and a batch with nothing to
build starts no cfn-lint and imports neither cfn-lint nor the generator."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import generator.pipeline
from generator.batch import NameTaken, Status, build_many
from generator.blueprint import BlueprintErrors
from generator.checks.lint import Linter
from generator.pipeline import ValidationFailed

REPOSITORY = Path(__file__).resolve().parents[1]
SHOP = """\
name: shop
network: {cidr: 10.1.0.0/16}
services:
  api: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080}
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP)
    return path


def statuses(paths: list[Path], out: Path, **options: bool) -> list[Status]:
    return [outcome.status for outcome in build_many(paths, out, **options)]


def test_each_file_gets_its_outcome_in_the_order_given(shop: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nservices: 3\n")
    out = tmp_path / "out"

    first = list(build_many([broken, shop], out))

    assert [outcome.status for outcome in first] == [Status.BAD_INPUT, Status.WRITTEN]
    assert isinstance(first[0].error, BlueprintErrors)
    assert first[1].result is not None and first[1].result.directory == out / "shop"
    assert statuses([shop, broken], out) == [Status.UP_TO_DATE, Status.BAD_INPUT]


def test_a_check_compares_without_writing(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert statuses([shop], out) == [Status.WRITTEN]
    assert statuses([shop], out, write=False) == [Status.MATCHES]
    (out / "shop" / "root.yaml").write_text("edited")

    [outcome] = build_many([shop], out, write=False)

    assert outcome.status is Status.STALE
    assert outcome.result is not None and outcome.result.stale == ["root.yaml"]
    assert (out / "shop" / "root.yaml").read_text() == "edited"


def test_the_second_file_with_a_name_is_refused_naming_the_first(shop: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin.yaml"
    twin.write_text(SHOP.replace("8080", "9090"))

    outcomes = list(build_many([shop, twin], tmp_path / "out"))

    assert [outcome.status for outcome in outcomes] == [Status.WRITTEN, Status.BAD_INPUT]
    assert outcomes[1].error == NameTaken("shop", shop)
    assert not (tmp_path / "out" / "shop" / "service-api.yaml").read_text().count("9090")


def test_a_file_given_twice_is_refused_both_times(shop: Path, tmp_path: Path) -> None:
    outcomes = list(build_many([shop, shop], tmp_path / "out"))
    assert [outcome.error for outcome in outcomes] == [NameTaken("shop", shop)] * 2
    assert not (tmp_path / "out").exists()


def test_templates_that_fail_validation_are_invalid(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ValidationFailed([])

    monkeypatch.setattr(generator.pipeline, "build", refuse)
    [outcome] = build_many([shop], tmp_path / "out")
    assert outcome.status is Status.INVALID and isinstance(outcome.error, ValidationFailed)


def test_timings_say_whether_the_build_was_skipped(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    [built] = build_many([shop], out)
    [skipped] = build_many([shop], out)
    assert built.timings() is not None and skipped.timings() is not None
    assert (built.timings() or {})["up_to_date"] is False
    assert {"generate", "lint", "audit", "write", "total"} <= set(built.timings() or {})
    assert skipped.timings() == {"up_to_date": True, "templates": 4, "linted": 0}


def test_an_up_to_date_batch_starts_no_linter(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    assert statuses([shop], out) == [Status.WRITTEN]

    def refuse(self: Linter) -> Linter:
        raise AssertionError("an up-to-date batch started cfn-lint")

    monkeypatch.setattr(Linter, "start", refuse)
    twin = tmp_path / "twin.yaml"
    twin.write_text(SHOP)
    assert statuses([shop, twin], out) == [Status.UP_TO_DATE, Status.BAD_INPUT]


def test_an_up_to_date_build_imports_neither_cfn_lint_nor_the_generator(shop: Path, tmp_path: Path) -> None:
    """The point of the freshness check is a fast "nothing changed": in a fresh process, as a user runs it."""
    out = tmp_path / "out"
    script = textwrap.dedent(f"""
        import sys
        from generator.cli import main
        main(["build", "-q", {str(shop)!r}, "-o", {str(out)!r}])
        heavy = ("cfnlint", "troposphere", "pydantic", "generator.pipeline", "generator.stacks",
                 "generator.blueprint")
        print(sorted({{name.split(".")[0] if not name.startswith("generator.") else ".".join(name.split(".")[:2])
                      for name in sys.modules if name.startswith(heavy)}}))
    """)

    def imported() -> str:
        done = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True,
                              timeout=120, check=True)
        return done.stdout.strip()

    assert "generator.pipeline" in imported()  # the first build generates and checks
    assert imported() == "[]"  # the second finds its output up to date


def test_cfn_lint_starts_before_the_generator_is_imported(shop: Path, tmp_path: Path) -> None:
    """The host forks a small process and loads cfn-lint's rules while this one imports and generates."""
    script = textwrap.dedent(f"""
        import sys
        from generator.checks.lint import Linter
        start = Linter.start
        heavy = ("troposphere", "pydantic", "generator.blueprint", "generator.stacks", "generator.pipeline")
        def first_start(self):
            if self._process is None:
                print(sorted(name for name in sys.modules if name.startswith(heavy)))
            return start(self)
        Linter.start = first_start
        from generator.cli import main
        sys.exit(main(["build", "-q", "--no-cache", {str(shop)!r}, "-o", {str(tmp_path / "out")!r}]))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.splitlines()[0] == "[]"
