"""Flow logs are on by default (SPEC 5.9); turning them off is a deliberate opt-out that builds with
the audit's warning (that every later build prints it again: tests/test_freshness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import EXIT_OK, main


def test_a_blueprint_without_flow_logs_builds_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    blueprint = tmp_path / "quiet.yaml"
    blueprint.write_text("name: quiet\nnetwork: {flow_logs: false}\n"
                         "services:\n  api: {image: nginx, port: 80, expose: public}\n")

    assert main(["build", str(blueprint), "-o", str(tmp_path / "out"), "--no-cache"]) == EXIT_OK

    captured = capsys.readouterr()
    assert "warning: SEC901 Vpc: VPC without flow logs" in captured.err
    assert "1 audit warning;" in captured.out  # singular: one warning
    assert (tmp_path / "out" / "quiet" / "network.yaml").is_file()
