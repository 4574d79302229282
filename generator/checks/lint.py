"""cfn-lint, in process, with one rule set loaded per process (loading rules is the slow part).

Templates are linted from files so that nested-stack parameter checks (E3043) can open the
children through their relative TemplateURL. W3002 ("this template uses a local path") is exactly
what we want for `aws cloudformation package`, so it is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

IGNORED_RULES = ("W3002",)


@dataclass(frozen=True, order=True)
class LintFinding:
    filename: str
    line: int
    column: int
    rule: str
    level: str
    message: str

    def render(self) -> str:
        return f"{self.filename}:{self.line}:{self.column}: {self.level}: {self.rule} {self.message}"


@cache
def _runner():  # type: ignore[no-untyped-def]
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    config = ConfigMixIn(cli_args=[], regions=["us-east-1"], ignore_checks=list(IGNORED_RULES))
    return Runner(config)


def lint_file(path: Path, display_name: str | None = None) -> list[LintFinding]:
    """Errors and warnings cfn-lint finds in one template file (informational notes dropped)."""
    from cfnlint.runner import run_template_by_file_path

    runner = _runner()
    findings = []
    for match in run_template_by_file_path(str(path), runner.config, runner.rules, False):
        level = match.rule.severity.lower()
        if level not in ("error", "warning"):
            continue
        findings.append(LintFinding(
            display_name or str(path), match.linenumber, match.columnnumber, match.rule.id, level, match.message,
        ))
    return sorted(findings)


def lint_files(paths: list[Path], display_names: dict[Path, str] | None = None) -> list[LintFinding]:
    names = display_names or {}
    return [finding for path in paths for finding in lint_file(path, names.get(path))]
