"""Counts in messages read as English: one template, two templates, no templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks.audit.report import as_text
from generator.cli import EXIT_OK, main
from generator.words import counted, plural


@pytest.mark.parametrize("count, noun, said", [
    (0, "template", "0 templates"),
    (1, "template", "1 template"),
    (2, "template", "2 templates"),
    (1, "audit warning", "1 audit warning"),
    (3, "audit warning", "3 audit warnings"),
    (1, "process", "1 process"),
    (2, "process", "2 processes"),
    (1200, "resource", "1,200 resources"),
])
def test_a_count_takes_the_singular_only_for_one(count: int, noun: str, said: str) -> None:
    assert counted(count, noun) == said


def test_plural_leaves_the_noun_for_one() -> None:
    assert plural("file", 1) == "file" and plural("file", 0) == "files"


def test_the_audit_summary_counts_in_english() -> None:
    assert as_text([], 1) == "audit: 1 template, 0 errors, 0 warnings\n"


def test_a_build_of_one_template_set_reports_counts_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """One accepted warning (flow logs off, SEC901) is "1 audit warning"; the files are many."""
    blueprint = tmp_path / "quiet.yaml"
    blueprint.write_text("name: quiet\nnetwork: {flow_logs: false}\n"
                         "services:\n  api: {image: nginx, port: 80, expose: public}\n")
    assert main(["build", str(blueprint), "-o", str(tmp_path / "out"), "--no-cache"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "(6 files, 1 audit warning; 4 templates linted)" in out, out
