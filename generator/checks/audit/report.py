"""Audit findings as readable text, JSON for gates, or SARIF for GitHub code scanning."""

from __future__ import annotations

import json

from generator import __version__
from generator.checks.audit.rule import AuditRule, Finding
from generator.words import counted

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ecs-blueprint/ecs-blueprint/blob/main/docs/audit.md"


def as_text(findings: list[Finding], checked: int) -> str:
    lines = [finding.render() for finding in findings]
    errors = sum(1 for f in findings if f.level == "error")
    lines.append(f"audit: {counted(checked, 'template')}, {counted(errors, 'error')}, "
                 f"{counted(len(findings) - errors, 'warning')}")
    return "\n".join(lines) + "\n"


def as_json(findings: list[Finding], checked: int) -> str:
    document = {
        "templates": checked,
        "findings": [
            {"file": f.file, "line": f.line, "resource": f.logical_id, "rule": f.rule_id, "level": f.level,
             "title": f.title, "message": f.message}
            for f in findings
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def as_sarif(findings: list[Finding], rules: list[AuditRule]) -> str:
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "blueprint-audit",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [{
                    "id": rule.id,
                    "name": type(rule).__name__,
                    "shortDescription": {"text": rule.title},
                    "fullDescription": {"text": rule.reason},
                    "help": {"text": f"{rule.reason} (SPEC section {rule.invariant})"},
                    "defaultConfiguration": {"level": rule.level},
                } for rule in rules],
            }},
            "results": [{
                "ruleId": f.rule_id,
                "level": f.level,
                "message": {"text": f"{f.logical_id}: {f.message}"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f.file},
                    "region": {"startLine": f.line},
                }}],
            } for f in findings],
        }],
    }
    return json.dumps(document, indent=2) + "\n"
