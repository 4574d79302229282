"""examples/github-workflow.yml is a valid GitHub Actions workflow that runs the review commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "examples" / "github-workflow.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"  # in the `test` extra


def steps() -> list[dict[str, object]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    [job] = workflow["jobs"].values()
    return job["steps"]


def test_the_workflow_is_valid_for_github_actions() -> None:
    """Against the GitHub Actions workflow schema check-jsonschema ships (no network needed)."""
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_refuses_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "workflow.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:"))
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(broken)],
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0


def test_the_workflow_checks_audits_and_comments_the_diff() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    found = steps()
    uses = [str(step.get("uses", "")) for step in found]
    runs = [str(step.get("run", "")) for step in found]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert next(s for s in found if str(s.get("uses", "")).startswith("actions/checkout@"))["with"] == \
        {"fetch-depth": 0}
    assert next(s for s in found if str(s.get("uses", "")).startswith("actions/setup-python@"))["with"][
        "python-version"] == "3.11"
    assert "make check" in runs
    assert any("blueprint audit output/*/*.yaml --format sarif --output audit.sarif" in r for r in runs)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    diff = next(s for s in found if "--format markdown" in str(s.get("run", "")))
    assert 'blueprint diff --git "origin/$BASE_REF"' in str(diff["run"])
    assert diff["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    assert diff["if"] == "github.event_name == 'pull_request'"
    assert any("gh pr comment" in r and "--body-file diff.md" in r for r in runs)
    assert any("--fail-on replacement" in r for r in runs)
