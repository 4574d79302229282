"""What `blueprint diff` reads: JSON and YAML sets alike (stacks paired by name, nested TemplateURLs naming
.json files followed), and nothing in a set vanishes silently: a file the reader refuses, or one that
looks like a broken template, fails the diff (exit 2) with the reason; other files are named."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from generator.cfn.reader import read_template
from generator.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main

from .helpers import SHOP, edit, write_output


def as_json_set(directory: Path, suffix: str = ".json") -> Path:
    """The application's templates written as JSON (root.json, network.json...), the YAML ones removed."""
    for path in sorted(directory.glob("*.yaml")):
        template = read_template(path)
        for entry in template["Resources"].values():
            url = (entry.get("Properties") or {}).get("TemplateURL")
            if entry["Type"] == "AWS::CloudFormation::Stack" and isinstance(url, str):
                entry["Properties"]["TemplateURL"] = url.removesuffix(".yaml") + suffix
        path.with_suffix(suffix).write_text(json.dumps(template, indent=1), encoding="utf-8")
        path.unlink()
    return directory


def test_the_same_set_written_as_json_is_no_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    yaml_set = write_output(tmp_path / "yaml", SHOP)
    json_set = write_output(tmp_path / "json", SHOP)
    as_json_set(json_set / "shop")
    template_set = write_output(tmp_path / "template", SHOP)
    as_json_set(template_set / "shop", ".template")

    for base, head in ((yaml_set, json_set), (json_set, yaml_set), (json_set, template_set)):
        assert main(["diff", str(base), str(head), "--fail-on", "any", "--fail-on", "removal"]) == EXIT_OK
        assert capsys.readouterr().out == "No changes to the generated templates.\n"


def test_nested_template_urls_naming_json_files_are_followed(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    base = write_output(tmp_path / "base", SHOP)
    as_json_set(base / "shop")
    head = write_output(tmp_path / "head", edit(SHOP, "cidr: 10.0.0.0/16", "cidr: 10.1.0.0/16"))
    as_json_set(head / "shop")

    assert main(["diff", str(base), str(head), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    stacks = {s["file"]: s for s in report["applications"][0]["stacks"]}
    # Across nested stacks: the service's security group takes the VPC through root.json's parameters.
    group = next(r for r in stacks["service-api.json"]["resources"] if r["logical_id"] == "LoadBalancerSecurityGroup")
    assert group["effect"] == "replacement" and group["cascaded"]
    root = next(r for r in stacks["root.json"]["resources"] if r["logical_id"] == "Network")
    assert any("nested stack update: network.json changed" in c["reason"] for c in root["changes"])


def test_yaml_and_json_of_one_stack_in_one_directory_are_refused(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    base = write_output(tmp_path / "base", SHOP)
    head = write_output(tmp_path / "head", SHOP)
    (head / "shop" / "network.json").write_text(json.dumps(read_template(head / "shop" / "network.yaml")))

    assert main(["diff", str(base), str(head)]) == EXIT_USAGE
    assert "network.json and network.yaml are both templates of stack 'network'" in capsys.readouterr().err


BROKEN = {
    "broken YAML": ("network.yaml", "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n\tProperties: {}\n", "line 4"),
    "broken JSON": ("network.json", '{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC",}}', "line "),
    "a key twice": ("network.yaml", "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n  Vpc:\n    Type: X\n", "Duplicate"),
    "not UTF-8": ("network.yaml", "Resources:\n  Vpc: \udcff\n", "not UTF-8"),
    "empty": ("network.yaml", "", "empty"),
    "truncated to its header": ("network.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nDescription: x\n",
                                "no Resources mapping"),
    "a list": ("network.yaml", "- Resources\n", "a list"),
    "a single value": ("network.yaml", "Resources\n", "a single value"),
    "too deep": ("network.yaml", "Resources: " + "[" * 200 + "]" * 200 + "\n", "deeper"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("side", ["base", "head"])
def test_a_template_that_cannot_be_read_fails_the_diff_with_its_reason(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, side: str) -> None:
    base = write_output(tmp_path / "base", SHOP)
    head = write_output(tmp_path / "head", SHOP)
    name, text, reason = BROKEN[case]
    broken = (base if side == "base" else head) / "shop"
    (broken / "network.yaml").unlink()
    (broken / name).write_bytes(text.encode("utf-8", errors="surrogateescape"))

    for gate in ("removal", "any", "replacement"):  # never phantom removals or additions, whatever the gate
        assert main(["diff", str(base), str(head), "--fail-on", gate]) == EXIT_USAGE
        captured = capsys.readouterr()
        assert captured.out == ""
        [line] = captured.err.strip().splitlines()[-1:]
        assert f"{side}/shop/{name}" in line and reason in line and "Traceback" not in captured.err


@pytest.mark.parametrize("kind", ["fifo", "dangling link"])
def test_a_template_name_that_is_no_regular_file_fails_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               kind: str) -> None:
    base = write_output(tmp_path / "base", SHOP)
    head = write_output(tmp_path / "head", SHOP)
    odd = head / "shop" / "network.yaml"
    odd.unlink()
    if kind == "fifo":
        os.mkfifo(odd)  # opening it would wait for a writer for ever
    else:
        odd.symlink_to(tmp_path / "nowhere.yaml")

    assert main(["diff", str(base), str(head), "--fail-on", "removal"]) == EXIT_USAGE
    assert "head/shop/network.yaml: not a regular file" in capsys.readouterr().err


def test_files_that_are_recognisably_no_templates_are_passed_over_and_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write_output(tmp_path / "base", SHOP)  # holds parameters.json: passed over without a word
    head = write_output(tmp_path / "head", SHOP)
    # The form builds wrote before issue 19 ("Key=Value" strings now), as an older revision holds it.
    (base / "shop" / "parameters.json").write_text('[{"ParameterKey": "A", "ParameterValue": "1"}]')
    (head / "shop" / "shop.yaml").write_text(SHOP)  # a blueprint beside the templates
    (head / "shop" / "config.json").write_text('{"Parameters": {"Env": "prod"}, "Tags": {"team": "a"}}')

    assert main(["diff", str(base), str(head), "--fail-on", "any"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.out == "No changes to the generated templates.\n"
    assert "shop/shop.yaml (not a CloudFormation template)" in captured.err
    assert "parameters.json" not in captured.err and "config.json" not in captured.err


def test_a_gate_never_passes_when_no_application_is_on_both_sides(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    base = write_output(tmp_path / "base", SHOP)
    head = write_output(tmp_path / "head", edit(SHOP, "name: shop", "name: store"))

    assert main(["diff", str(base), str(head)]) == EXIT_OK  # a report of what comes and goes
    assert "store (new application)" in capsys.readouterr().out
    for gate in ("replacement", "may-replace"):
        assert main(["diff", str(base), str(head), "--fail-on", gate]) == EXIT_USAGE
        assert "nothing was compared" in capsys.readouterr().err
    assert main(["diff", str(base / "shop"), str(head / "store"), "--fail-on", "replacement"]) == EXIT_OK


def test_a_removed_stack_still_fails_the_removal_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write_output(tmp_path / "base", SHOP)
    head = write_output(tmp_path / "head", SHOP)
    (head / "shop" / "service-admin.yaml").unlink()

    assert main(["diff", str(base), str(head), "--fail-on", "removal"]) == EXIT_INVALID
    assert "service-admin.yaml (removed)" in capsys.readouterr().out
