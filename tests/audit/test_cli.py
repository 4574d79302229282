"""`blueprint audit TEMPLATE...`: text, JSON and SARIF reports, exit codes 0/1/2, and the build gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from troposphere import ImportValue

import generator.pipeline
from generator.checks.audit import all_rules
from generator.checks.cache import CleanCache
from generator.checks.lint import Linter, PendingLint
from generator.cli import main

from .conftest import Corpus
from .mutations import EXAMPLE, REPO, load_corpus

BASTION_OPEN = next(m for m in load_corpus() if m.name == "bastion-ssh-from-the-world")
RULE_IDS = [rule.id for rule in all_rules()]


def audit(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["audit", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def broken(corpus: Corpus) -> list[Path]:
    """The example with the bastion's SSH rule opened to 0.0.0.0/0 (SEC601 and SEC602)."""
    files, _ = corpus.run(BASTION_OPEN)
    return files


def line_of(path: Path, logical_id: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1)
                if line.strip() == f"{logical_id}:")


def test_a_clean_set_exits_0_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = audit(capsys, *sorted(EXAMPLE.glob("*.yaml")))
    assert (code, out, err) == (0, "audit: 6 templates, 0 errors, 0 warnings\n", "")


def test_text_report_names_file_line_rule_and_resource(capsys: pytest.CaptureFixture[str], broken: list[Path]) -> None:
    code, out, _ = audit(capsys, *broken)
    access = next(path for path in broken if path.name == "access.yaml")
    line = line_of(access, "BastionSecurityGroupSshIn1")
    assert code == 1
    assert out.splitlines() == [
        f"{access}:{line}: error: SEC601 BastionSecurityGroupSshIn1: SSH open to 0.0.0.0/0; list the networks "
        "that need it, or use SSM Session Manager",
        f"{access}:{line}: error: SEC602 BastionSecurityGroupSshIn1: admits 0.0.0.0/0 into a group used by "
        "bastion; only an internet-facing load balancer's group may",
        "audit: 6 templates, 2 errors, 0 warnings",
    ]


def test_json_report(capsys: pytest.CaptureFixture[str], broken: list[Path]) -> None:
    code, out, _ = audit(capsys, *broken, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["templates"] == 6
    assert [(f["rule"], f["resource"], Path(f["file"]).name, f["level"]) for f in report["findings"]] == [
        ("SEC601", "BastionSecurityGroupSshIn1", "access.yaml", "error"),
        ("SEC602", "BastionSecurityGroupSshIn1", "access.yaml", "error"),
    ]
    assert all(isinstance(f["line"], int) and f["title"] and f["message"] for f in report["findings"])


def test_json_report_of_a_clean_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = audit(capsys, *sorted(EXAMPLE.glob("*.yaml")), "--format", "json")
    assert code == 0
    assert json.loads(out) == {"templates": 6, "findings": []}


def test_sarif_report_has_the_shape_code_scanning_reads(capsys: pytest.CaptureFixture[str],
                                                         broken: list[Path]) -> None:
    code, out, _ = audit(capsys, *broken, "--format", "sarif")
    sarif = json.loads(out)
    assert code == 1
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    assert len(sarif["runs"]) == 1
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["name"] and driver["version"]
    assert [rule["id"] for rule in driver["rules"]] == RULE_IDS
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = sarif["runs"][0]["results"]
    assert [result["ruleId"] for result in results] == ["SEC601", "SEC602"]
    access = next(path for path in broken if path.name == "access.yaml")
    for result in results:
        assert result["level"] == "error"
        assert "BastionSecurityGroupSshIn1" in result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == str(access)
        assert location["region"]["startLine"] == line_of(access, "BastionSecurityGroupSshIn1")


def test_output_file_takes_the_report(capsys: pytest.CaptureFixture[str], broken: list[Path],
                                      tmp_path: Path) -> None:
    report = tmp_path / "audit.sarif"
    code, out, _ = audit(capsys, *broken, "--format", "sarif", "--output", report)
    assert (code, out) == (1, "")
    assert json.loads(report.read_text())["runs"][0]["results"]


NOT_TEMPLATES = {
    "a blueprint": (REPO / "blueprints" / "example.yaml").read_bytes(),
    "an empty file": b"",
    "a YAML list": b"- Resources: {}\n",
    "Resources that is not a mapping": b"Resources: [1, 2]\n",
    "broken JSON": b'{"Resources": {',
    "binary": bytes(range(256)),
}


@pytest.mark.parametrize("content", NOT_TEMPLATES.values(), ids=NOT_TEMPLATES.keys())
def test_a_file_that_is_not_a_template_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               content: bytes) -> None:
    path = tmp_path / "input.yaml"
    path.write_bytes(content)
    code, out, err = audit(capsys, EXAMPLE / "root.yaml", path)
    assert code == 2
    assert out == ""
    assert err.startswith("blueprint: error: ") and str(path) in err
    assert "Traceback" not in err


def test_a_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = audit(capsys, EXAMPLE / "root.yaml", tmp_path / "nope.yaml")
    assert (code, out) == (2, "")
    assert err == f"blueprint: error: no such template: {tmp_path / 'nope.yaml'}\n"


def test_no_templates_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["audit"])
    assert exit_.value.code == 2


@pytest.mark.parametrize(("cidr", "finding"), [
    ("0.0.0.0/0", "error: SEC601 BastionSecurityGroupSshIn1"),
    # Our own templates must be fully verifiable: a CIDR the audit cannot resolve fails the build.
    (ImportValue("office-cidr"),
     "error: SEC1301 BastionSecurityGroupSshIn1: cannot verify: its CidrIp is computed"),
], ids=["breaks-an-invariant", "cannot-be-verified"])
def test_build_refuses_templates_the_audit_fails(cidr: object, finding: str, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A blueprint whose generated templates fail the audit: exit 1, the findings, nothing written."""
    real = generator.pipeline.build_templates

    def build_templates(blueprint: object) -> dict[str, object]:
        templates = real(blueprint)
        templates["access.yaml"].resources["BastionSecurityGroupSshIn1"].CidrIp = cidr
        return templates

    monkeypatch.setattr(generator.pipeline, "build_templates", build_templates)
    # Lint is not under test: every template is submitted and none is linted.
    monkeypatch.setattr(Linter, "submit", lambda self, paths, *args: PendingLint(self, None, [], {}, CleanCache(None)))
    out = tmp_path / "output"
    code = main(["build", str(REPO / "blueprints" / "example.yaml"), "-o", str(out), "--no-cache"])
    _, err = capsys.readouterr()
    assert code == 1
    assert finding in err
    assert str(out / "photos" / "access.yaml") in err  # the file as it would have been written
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("name", sorted(m.name for m in load_corpus() if m.name.startswith("cannot-verify-")))
def test_cannot_verify_is_a_warning_unless_strict(name: str, capsys: pytest.CaptureFixture[str],
                                                  corpus: Corpus) -> None:
    files, findings = corpus.run(next(m for m in load_corpus() if m.name == name))
    unverified = [f for f in findings if f.rule_id == "SEC1301"]
    assert unverified and all(f.level == "warning" and "cannot verify: " in f.message for f in unverified)
    strict_code, out, _ = audit(capsys, "--strict", *files)
    assert strict_code == 1
    assert all(" error: SEC1301 " in line for line in out.splitlines() if " SEC1301 " in line)
    if all(f.level == "warning" for f in findings):
        assert audit(capsys, *files)[0] == 0
