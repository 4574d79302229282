"""The posture audit: SPEC section 5's invariants as rules over a set of CloudFormation templates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator.cfn.templates import AuditInputError, Template, TemplateSet, load_files, rendered_template
from generator.checks.audit.rule import AuditRule, Finding
from generator.checks.audit.rules import all_rules

__all__ = ["CANNOT_VERIFY", "AuditInputError", "AuditRule", "Finding", "TemplateSet", "all_rules", "audit_files",
           "audit_set", "audit_templates", "rendered_set"]


CANNOT_VERIFY = "SEC1301"


def audit_set(templates: TemplateSet, strict: bool = False) -> list[Finding]:
    """Every rule over one nested set (its facts are shared with whoever else asked for them).

    What cannot be verified is a warning, or an error when `strict` (our own builds, `audit --strict`).
    The cannot-verify rule runs last: the other rules' reading is what finds the unverifiable."""
    rules = sorted(all_rules(), key=lambda rule: rule.id == CANNOT_VERIFY)
    found = {finding for rule in rules for finding in rule.check(templates.facts)}
    if strict:
        found = {replace(f, level="error") if f.rule_id == CANNOT_VERIFY else f for f in found}
    return sorted(found)


def audit_templates(templates: list[Template], strict: bool = False) -> list[Finding]:
    return audit_set(TemplateSet.of(templates), strict)


def audit_files(paths: Iterable[Path], strict: bool = False) -> list[Finding]:
    """Audit templates read from files (JSON or YAML, short or long form), as one nested set."""
    return audit_templates(load_files(paths), strict)


def rendered_set(templates: Mapping[str, dict[str, Any]], rendered: Mapping[str, bytes]) -> TemplateSet:
    """The set of templates this tool rendered, from their data, with lines read off the bytes rendered
    from it: nothing is parsed (and cfn-lint, whose loader `audit_files` uses, is not imported)."""
    return TemplateSet.of([rendered_template(name, data, rendered[name]) for name, data in templates.items()])
