"""The posture audit: SPEC section 5's invariants as rules over a set of CloudFormation templates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator.cfn.extensions import expand
from generator.cfn.facts import Facts
from generator.cfn.reader import TemplateReadError, read_template
from generator.cfn.templates import Template, TemplateSet, rendered_template
from generator.checks.audit.rule import AuditRule, Finding
from generator.checks.audit.rules import all_rules

__all__ = ["CANNOT_VERIFY", "AuditInputError", "AuditRule", "Finding", "TemplateSet", "all_rules", "audit_files",
           "audit_set", "audit_templates", "rendered_set"]


CANNOT_VERIFY = "SEC1301"


class AuditInputError(Exception):
    """A file that is not a readable CloudFormation template (the command line\'s exit 2)."""


def audit_set(templates: TemplateSet, strict: bool = False) -> list[Finding]:
    """Every rule over one nested set (its facts are shared with whoever else asked for them).

    What cannot be verified is a warning, or an error when `strict` (our own builds, `audit --strict`).
    The cannot-verify rule runs last: the other rules' reading is what finds the unverifiable."""
    rules = sorted(all_rules(), key=lambda rule: rule.id == CANNOT_VERIFY)
    found = {finding for rule in rules for finding in rule.check(Facts.of(templates))}
    if strict:
        found = {replace(f, level="error") if f.rule_id == CANNOT_VERIFY else f for f in found}
    return sorted(found)


def audit_templates(templates: list[Template], strict: bool = False) -> list[Finding]:
    return audit_set(TemplateSet.of(templates), strict)


def audit_files(paths: Iterable[Path], strict: bool = False) -> list[Finding]:
    """Audit templates read from files (JSON or YAML, short or long form), as one nested set. They are
    read with their position marks, so each finding has the line of its resource."""
    templates = []
    for path in paths:
        try:
            templates.append(Template(str(path), expand(str(path), read_template(path, marked=True))))
        except TemplateReadError as exc:
            raise AuditInputError(str(exc)) from None
    return audit_templates(templates, strict)


def rendered_set(templates: Mapping[str, dict[str, Any]], rendered: Mapping[str, bytes]) -> TemplateSet:
    """The set of templates this tool rendered, from their data, with lines read off the bytes rendered
    from it: nothing is parsed (and cfn-lint, which `audit_files` reads with, is not imported)."""
    return TemplateSet.of([rendered_template(name, data, rendered[name]) for name, data in templates.items()])
