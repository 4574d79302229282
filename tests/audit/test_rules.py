"""The rules themselves: each says what it is and why, names its SPEC item, and is documented."""

from __future__ import annotations

import re

import pytest

from generator.checks.audit import AuditRule, all_rules

from .mutations import REPO

RULES = all_rules()
DOCS = REPO / "docs" / "audit.md"


def test_rules_are_found_and_ids_are_unique() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) >= 20
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_rule_says_what_it_is_and_why(rule: AuditRule) -> None:
    assert re.fullmatch(r"SEC\d{3,4}", rule.id)
    for text in (rule.title, rule.reason, rule.invariant):
        assert isinstance(text, str) and text.strip()
    assert re.fullmatch(r"5\.(1[0-3]|[1-9])(, 5\.(1[0-3]|[1-9]))*", rule.invariant), "SPEC section 5 items"
    assert rule.level in ("error", "warning")


def test_every_spec_invariant_has_a_rule() -> None:
    covered = {item for rule in RULES for item in rule.invariant.split(", ")}
    assert covered == {f"5.{n}" for n in range(1, 14)}


def test_the_docs_list_every_rule() -> None:
    """docs/audit.md has a table row per rule: id, title, invariant and reason, as in the code."""
    rows = {cells[0]: cells for cells in _table_rows(DOCS.read_text(encoding="utf-8"))}
    for rule in RULES:
        assert rule.id in rows, f"docs/audit.md does not list {rule.id}"
        assert rows[rule.id][1:] == [rule.title, rule.invariant, rule.reason], f"docs/audit.md row of {rule.id}"
    assert set(rows) == {rule.id for rule in RULES}, "docs/audit.md lists rules the code does not have"


def _table_rows(markdown: str) -> list[list[str]]:
    rows = []
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and re.fullmatch(r"SEC\d+", cells[0]):
            rows.append(cells)
    return rows


def test_each_rule_is_one_module_named_by_its_id() -> None:
    """One file per rule, `secNNN_<what>.py`: all_rules() finds it there, and docs/audit.md is generated from it."""
    modules = sorted(type(rule).__module__.rsplit(".", 1)[1] for rule in RULES)
    assert len(modules) == len(set(modules)), "a module holds more than one rule"
    for rule in RULES:
        assert type(rule).__module__.rsplit(".", 1)[1].startswith(f"{rule.id.lower()}_")


def test_a_rule_that_does_not_fail_the_build_says_why() -> None:
    """The docs' level sentence points to the note of every warning-level rule for the reason."""
    lenient = [rule for rule in RULES if rule.level != "error"]
    assert lenient, "SEC901 (flow logs off) is a warning"
    for rule in lenient:
        assert f"`{rule.level}`" in rule.note(), f"{rule.id} says in its note why it is a {rule.level}"
