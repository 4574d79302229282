"""load -> build -> check (cfn-lint, posture audit) -> write, for one blueprint file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.blueprint import Blueprint, load_blueprint
from generator.checks.audit import Finding, audit_files
from generator.checks.lint import LintFinding, lint_files
from generator.output import MARKER, staged
from generator.render import render
from generator.stacks.application import build_templates


class ValidationFailed(Exception):
    """Generated templates fail lint or the posture audit; nothing was written."""

    def __init__(self, findings: list[LintFinding] | list[Finding]) -> None:
        self.findings = findings
        super().__init__("\n".join(finding.render() for finding in findings))


@dataclass
class BuildResult:
    blueprint: Blueprint
    directory: Path
    files: dict[str, bytes]
    stale: list[str] = field(default_factory=list)


def generate(blueprint: Blueprint) -> dict[str, bytes]:
    """Blueprint to the bytes of every file of its output directory."""
    return {filename: render(template) for filename, template in build_templates(blueprint).items()}


def build(blueprint_path: Path, out_dir: Path, *, write: bool = True) -> BuildResult:
    """Validate, generate, lint in a staging directory, and (when `write`) swap it into place."""
    blueprint = load_blueprint(blueprint_path)
    files = generate(blueprint)
    target = out_dir / blueprint.name
    result = BuildResult(blueprint, target, files)
    with staged(out_dir, blueprint.name, files, scratch=not write) as stage:
        paths = [stage.path(filename) for filename in files]
        names = {stage.path(filename): str(target / filename) for filename in files}
        findings = lint_files(paths, names)
        if findings:
            raise ValidationFailed(findings)
        audit = [f for f in audit_files(paths, {str(p): n for p, n in names.items()}) if f.level == "error"]
        if audit:
            raise ValidationFailed(audit)
        if write:
            stage.commit()
        else:
            result.stale = stale_files(target, files)
    return result


def stale_files(target: Path, files: dict[str, bytes]) -> list[str]:
    """Files of `target` that differ from `files`, are missing, or should not be there."""
    stale = [name for name, content in sorted(files.items())
             if not (target / name).is_file() or (target / name).read_bytes() != content]
    if target.is_dir():
        extra = sorted(p.name for p in target.iterdir() if p.name not in files and p.name != MARKER)
        stale.extend(extra)
    return stale
