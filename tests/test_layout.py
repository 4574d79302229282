"""The code keeps the shape STYLE.md asks for: small modules, a command line that only parses."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "generator"
MAX_LINES = 500


def test_no_module_is_over_500_lines() -> None:
    long = {str(path.relative_to(PACKAGE)): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_command_line_imports_no_builder_or_check() -> None:
    """cli/ parses arguments and maps outcomes to exit codes; it reaches the work only through the
    pipeline, review and deploy layers' entry points, never the stack builders or cfn-lint."""
    for path in (PACKAGE / "cli").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for forbidden in ("generator.stacks", "cfnlint", "troposphere", "generator.checks.lint"):
            assert forbidden not in text, (path.name, forbidden)
