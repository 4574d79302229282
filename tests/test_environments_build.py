"""A blueprint with environments builds OUTPUT/<name>-<env>/ for each, and nothing else: each linted, audited
and checked like any build; the two directories differ exactly by the overlays; `blueprint diff` between them
shows those differences and nothing more (issue 19)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from shared import REPO

from generator.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main

FIXTURE = REPO / "tests" / "fixtures" / "environments.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("envs") / "output"
    assert main(["build", "-q", "--no-cache", "-o", str(out), str(FIXTURE)]) == EXIT_OK
    return out


def templates(directory: Path) -> dict[str, dict[str, Any]]:
    return {path.name: yaml.safe_load(path.read_text()) for path in sorted(directory.glob("*.yaml"))}


def differing_resources(one: Path, other: Path) -> dict[str, set[str]]:
    """By template file: the logical IDs that are not identical in the two directories (added, removed, changed)."""
    found: dict[str, set[str]] = {}
    left, right = templates(one), templates(other)
    assert set(left) == set(right)
    for name in left:
        mine, theirs = left[name]["Resources"], right[name]["Resources"]
        differing = {lid for lid in {*mine, *theirs} if mine.get(lid) != theirs.get(lid)}
        if differing:
            found[name] = differing
    return found


def test_each_environment_builds_its_own_directory_and_nothing_else(built: Path) -> None:
    assert sorted(path.name for path in built.iterdir() if not path.name.startswith(".")) == \
        ["photos-dev", "photos-prod"]
    for environment in ("dev", "prod"):
        assert (built / f"photos-{environment}" / "root.yaml").is_file()


def test_the_two_directories_differ_exactly_by_the_overlays(built: Path) -> None:
    dev, prod = built / "photos-dev", built / "photos-prod"
    assert differing_resources(dev, prod) == {
        # The nested stacks whose templates differ (their TemplateURL is one file name, their content another).
        "network.yaml": {"NatGateway2", "NatGateway2Eip", "PrivateDefaultRoute2"},  # nat_gateways single -> per-az
        "service-api.yaml": {"Service", "ScalableTarget", "CpuScalingPolicy"},  # count and scaling
    }
    dev_api, prod_api = (templates(side)["service-api.yaml"]["Resources"] for side in (dev, prod))
    counts = [api["Service"]["Properties"]["DesiredCount"] for api in (dev_api, prod_api)]
    assert counts == [1, 4]
    scaling = prod_api["ScalableTarget"]["Properties"]
    assert (scaling["MinCapacity"], scaling["MaxCapacity"]) == (4, 20)
    nat = {side.name: sorted(lid for lid, resource in templates(side)["network.yaml"]["Resources"].items()
                             if resource["Type"] == "AWS::EC2::NatGateway") for side in (dev, prod)}
    assert nat == {"photos-dev": ["NatGateway1"], "photos-prod": ["NatGateway1", "NatGateway2"]}
    # The worker, the cluster, everything the overlays leave alone, is byte for byte the same.
    for name in ("cluster.yaml", "service-worker.yaml"):
        assert (dev / name).read_bytes() == (prod / name).read_bytes()


def test_the_root_stack_says_which_environment_it_is(built: Path) -> None:
    for environment in ("dev", "prod"):
        root = templates(built / f"photos-{environment}")["root.yaml"]
        assert f"(environment {environment})" in root["Description"]


def test_diff_between_environments_shows_only_what_the_overlays_change(built: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["diff", str(built / "photos-dev"), str(built / "photos-prod"), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    (application,) = report["applications"]
    changed = {(stack["file"], resource["logical_id"]) for stack in application["stacks"]
               for resource in stack["resources"]}
    assert changed == {
        ("root.yaml", "Network"), ("root.yaml", "ApiService"),  # the nested stacks whose templates change
        ("network.yaml", "NatGateway2"), ("network.yaml", "NatGateway2Eip"), ("network.yaml", "PrivateDefaultRoute2"),
        ("service-api.yaml", "Service"), ("service-api.yaml", "ScalableTarget"),
        ("service-api.yaml", "CpuScalingPolicy"),
    }


def test_check_verifies_every_environment(built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "output"
    shutil.copytree(built, out)
    assert main(["check", "-o", str(out), str(FIXTURE)]) == EXIT_OK
    prod = out / "photos-prod" / "service-api.yaml"
    prod.write_text(prod.read_text().replace("DesiredCount: 4", "DesiredCount: 5"))
    capsys.readouterr()
    assert main(["check", "-o", str(out), str(FIXTURE)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"{out / 'photos-prod'}/ is stale" in err
    assert "photos-dev/ is stale" not in err


def test_an_unchanged_blueprint_with_environments_is_up_to_date(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "output"
    assert main(["build", "-o", str(out), str(FIXTURE)]) == EXIT_OK
    capsys.readouterr()
    assert main(["build", "-o", str(out), str(FIXTURE)]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 1)[1].split(" is ")[0] for line in lines] == \
        [f"{out / 'photos-dev'}/", f"{out / 'photos-prod'}/"]
    assert all("is up to date (built from this blueprint" in line for line in lines)
    (out / "photos-dev" / "root.yaml").write_text("edited")  # one directory edited: that one is built again
    assert main(["build", "-o", str(out), str(FIXTURE)]) == EXIT_OK
    assert "wrote" in capsys.readouterr().out


def test_an_environments_directory_taken_by_another_blueprint_is_refused(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("name: photos-dev\nservices:\n  api: {image: nginx}\n")
    assert main(["check", "-o", str(tmp_path / "out"), str(FIXTURE), str(other)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"{other}:1:1: error: name: `photos-dev` is also the name of {FIXTURE}" in err


def test_a_wrong_overlay_is_refused_at_its_line_by_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blueprint = tmp_path / "photos.yaml"
    blueprint.write_text(FIXTURE.read_text().replace("services: {api: {count: 1}}", "services: {api: {cuont: 1}}"))
    assert main(["build", "-o", str(tmp_path / "out"), str(blueprint)]) == EXIT_USAGE
    line = next(number for number, text in enumerate(blueprint.read_text().splitlines(), 1) if "cuont" in text)
    assert capsys.readouterr().err.startswith(f"{blueprint}:{line}:")
    assert not (tmp_path / "out").exists()


def test_explain_and_diagram_take_an_environment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(FIXTURE), "--env", "prod", "--format", "json"]) == EXIT_OK
    explained = json.loads(capsys.readouterr().out)
    assert (explained["environment"], explained["environments"]) == ("prod", [])
    assert main(["explain", str(FIXTURE)]) == EXIT_OK
    assert "which its environments (dev, prod) share" in capsys.readouterr().out
    assert main(["diagram", str(FIXTURE), "--env", "dev"]) == EXIT_OK
    assert "photos-dev" in capsys.readouterr().out
    assert main(["explain", str(FIXTURE), "--env", "staging"]) == EXIT_USAGE
    assert "no such environment; it has dev, prod" in capsys.readouterr().err
    assert main(["explain", str(REPO / "blueprints" / "example.yaml"), "--env", "dev"]) == EXIT_USAGE
    assert "declares no environments" in capsys.readouterr().err
