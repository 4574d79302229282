"""The docs that are generated from code stay in step with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.blueprint.model import Blueprint
from generator.blueprint.reference import reference_markdown
from generator.checks.audit import all_rules
from generator.checks.audit import reference as audit_reference
from generator.checks.audit.reference import audit_markdown
from generator.stacks.scanner import ALLOWED_SKIPS

ROOT = Path(__file__).resolve().parent.parent


def test_blueprint_reference_is_current() -> None:
    committed = (ROOT / "docs" / "blueprint.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), "run `blueprint schema --markdown > docs/blueprint.md`"


def test_reference_documents_every_key_of_every_block() -> None:
    text = reference_markdown()
    for name in Blueprint.model_fields:
        assert f"| `{name}` |" in text
    for name in ("allowed_cidrs", "client_cidr", "requests_per_target", "ssl_policy", "grace_seconds", "volume_gb"):
        assert f"| `{name}` |" in text


def test_audit_reference_is_current() -> None:
    committed = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    assert committed == audit_markdown(), f"run `make docs` or `{audit_reference.COMMAND}`"
    assert audit_reference.COMMAND in committed.split("-->")[0], "the header says how to regenerate the page"


def test_audit_reference_documents_every_rule_from_its_class() -> None:
    """Each rule's row (id, title, SPEC item, reason) and note come from the class, so a new rule is a new row."""
    text = audit_markdown()
    for rule in all_rules():
        assert f"| {rule.id} | {rule.title} | {rule.invariant} | {rule.reason} |" in text
        if rule.note():
            assert f"- **{rule.id}**: " in text
            assert _prose(text).count(rule.note()) == 1, f"the note of {rule.id}"


def test_audit_reference_follows_the_rules_it_is_given() -> None:
    rules = all_rules()
    without_first = audit_markdown(rules[1:])
    assert f"| {rules[0].id} |" in audit_markdown(rules)
    assert f"| {rules[0].id} |" not in without_first
    errors_only = [rule for rule in rules if rule.level == "error"]
    assert "every rule is `error` (it fails the build)." in _prose(audit_markdown(errors_only))
    warned = sorted((rule.id for rule in rules if rule.level == "warning"), key=lambda rule_id: int(rule_id[3:]))
    listed = ", ".join(warned[:-1]) + " and " + warned[-1] if len(warned) > 1 else "".join(warned)
    assert warned and f"(it fails the build) except {listed}," in _prose(audit_markdown(rules))


def test_audit_reference_prose_names_only_rules_that_exist() -> None:
    """The hand-written prose and the notes cross-refer to rules by id; a renamed or removed rule fails here."""
    known = {rule.id for rule in all_rules()}
    named = set(re.findall(r"\bSEC\d+\b", audit_markdown()))
    assert named - known == set()


def _prose(markdown: str) -> str:
    """The text with its line wrapping undone."""
    return " ".join(markdown.split())


def test_scanner_skips_are_all_documented_with_their_reasons() -> None:
    text = (ROOT / "docs" / "scanner.md").read_text(encoding="utf-8")
    for check_id, reason in ALLOWED_SKIPS.items():
        assert check_id in text
        assert reason in text
    documented = set(re.findall(r"^\| (CKV\w+) \|", text, flags=re.MULTILINE))
    assert documented == set(ALLOWED_SKIPS), "docs/scanner.md lists a skip the code no longer allows, or misses one"


def test_the_readme_error_example_is_what_the_loader_says(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """README's example of located errors: the example blueprint with its two mistakes, run for real."""
    from generator.cli import EXIT_USAGE, main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"previous output untouched:\n\n```text\n(.*?)```", readme, re.S)
    assert shown, "README lost its error example"
    example = (ROOT / "blueprints" / "example.yaml").read_text(encoding="utf-8")
    broken = example.replace("  nat_gateways: per-az", "  nat_gateway: per-az", 1)
    broken = broken.replace("    port: 8080", '    port: "8080"', 1)
    assert broken.count("nat_gateway:") == 1 and broken.count('"8080"') == 1
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "example.yaml").write_text(broken, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "blueprints/example.yaml", "-o", str(tmp_path / "out")]) == EXIT_USAGE
    assert capsys.readouterr().err == shown.group(1)
