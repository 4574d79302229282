"""`blueprint diff --git REV`: the base is the blueprints at a git revision, built in a scratch worktree
that is gone afterwards; the head is the working tree's output/."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from generator.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main

from .helpers import SHOP, edit, write_output

COUNT_3 = edit(SHOP, "    port: 8080\n    count: 2\n  admin", "    port: 8080\n    count: 3\n  admin")


def git(repository: Path, *arguments: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.com",
                           "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *arguments],
                          cwd=repository, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose last commit raised `images` from 2 tasks to 3, with output/ built from it."""
    git(tmp_path, "init", "--quiet")
    (tmp_path / "blueprints").mkdir()
    blueprint = tmp_path / "blueprints" / "shop.yaml"
    blueprint.write_text(SHOP)
    git(tmp_path, "add", "blueprints")
    git(tmp_path, "commit", "--quiet", "-m", "shop")
    blueprint.write_text(COUNT_3)
    git(tmp_path, "commit", "--quiet", "-am", "more images")
    write_output(tmp_path / "output", COUNT_3)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_git_revision_is_built_and_compared_with_output(repository: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["diff", "--git", "HEAD~", "--format", "json"]) == EXIT_OK

    report = json.loads(capsys.readouterr().out)
    stacks = {s["file"]: s for s in report["applications"][0]["stacks"]}
    [service] = stacks["service-images.yaml"]["resources"]
    assert (service["logical_id"], service["effect"]) == ("Service", "in-place")
    assert service["changes"][0]["path"] == "/DesiredCount"
    assert git(repository, "worktree", "list").count("\n") == 1  # the scratch worktree is gone
    assert git(repository, "status", "--porcelain", "blueprints") == ""


def test_git_revision_gates_a_replacement(repository: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (repository / "output" / "shop").rename(repository / "built")
    write_output(repository / "output", edit(COUNT_3, "10.0.0.0/16", "10.1.0.0/16"))

    assert main(["diff", "--git", "HEAD", "--fail-on", "replacement"]) == EXIT_INVALID
    assert "REPLACED" in capsys.readouterr().out
    assert main(["diff", "--git", "HEAD", str(repository / "built"), "--fail-on", "any"]) == EXIT_OK
    assert capsys.readouterr().out == "No changes to the generated templates.\n"


def test_an_unknown_revision_is_bad_input(repository: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["diff", "--git", "no-such-branch"]) == EXIT_USAGE
    assert "no-such-branch" in capsys.readouterr().err
    assert git(repository, "worktree", "list").count("\n") == 1


def test_a_revision_whose_blueprint_does_not_load_is_a_revision_error(repository: Path) -> None:
    from generator.revision import RevisionError, build_revision

    (repository / "blueprints" / "shop.yaml").write_text("name: shop\nservices: 3\n")
    git(repository, "commit", "--quiet", "-am", "broken")
    with pytest.raises(RevisionError, match=r"^blueprints/shop.yaml at HEAD does not load:\nblueprints/shop.yaml:"):
        build_revision("HEAD", cwd=repository)
    assert build_revision("HEAD~", cwd=repository)["shop"]["root.yaml"]["Resources"]
    assert git(repository, "worktree", "list").count("\n") == 1


def test_a_revision_with_no_blueprint_for_the_glob_is_refused(repository: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (repository / "infra").mkdir()
    git(repository, "mv", "blueprints/shop.yaml", "infra/shop.yaml")
    git(repository, "commit", "--quiet", "-m", "blueprints elsewhere")

    # Nothing matches blueprints/*.yaml, in the working tree or at HEAD: every gate refuses, none passes.
    gates = ["--fail-on", "replacement", "--fail-on", "removal"]
    assert main(["diff", "--git", "HEAD", *gates]) == EXIT_USAGE
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "no blueprint in the working tree matches blueprints/*.yaml" in line
    # The working tree has them back, HEAD does not.
    (repository / "blueprints" / "shop.yaml").write_text(COUNT_3)
    assert main(["diff", "--git", "HEAD", *gates]) == EXIT_USAGE
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "no blueprint at HEAD matches blueprints/*.yaml" in line
    assert git(repository, "worktree", "list").count("\n") == 1
    # Named, they are found.
    assert main(["diff", "--git", "HEAD", "--blueprints", "infra/*.yaml", *gates]) == EXIT_OK
    assert capsys.readouterr().out == "No changes to the generated templates.\n"
