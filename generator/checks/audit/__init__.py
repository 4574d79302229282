"""The posture audit: SPEC section 5's invariants as rules over a set of CloudFormation templates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from generator.checks.audit.facts import Facts
from generator.checks.audit.rule import AuditRule, Finding
from generator.checks.audit.rules import all_rules
from generator.checks.audit.templates import AuditInputError, Template, TemplateSet, load_files, rendered_template

__all__ = ["AuditInputError", "AuditRule", "Finding", "all_rules", "audit_files", "audit_rendered", "audit_templates"]


def audit_templates(templates: list[Template], rules: Iterable[AuditRule] | None = None) -> list[Finding]:
    facts = Facts(TemplateSet.of(templates))
    findings = {finding for rule in (rules or all_rules()) for finding in rule.check(facts)}
    return sorted(findings)


def audit_files(paths: Iterable[Path], display_names: dict[str, str] | None = None) -> list[Finding]:
    """Audit templates read from files (JSON or YAML, short or long form), as one nested set."""
    findings = audit_templates(load_files(paths))
    if not display_names:
        return findings
    return [
        Finding(display_names.get(f.file, f.file), f.line, f.logical_id, f.rule_id, f.level, f.title, f.message)
        for f in findings
    ]


def audit_rendered(documents: Mapping[str, tuple[dict[str, Any], bytes]]) -> list[Finding]:
    """Audit templates this tool rendered, by name: their data and the bytes rendered from it. Nothing is
    parsed (and cfn-lint, whose loader `audit_files` uses for any template, is not imported)."""
    return audit_templates([rendered_template(name, data, text) for name, (data, text) in documents.items()])
