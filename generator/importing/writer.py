"""The imported blueprint as YAML: a header comment saying where it came from and what to do next, then the
keys in the order they were built (deterministic: the same workspace gives the same bytes)."""

from __future__ import annotations

from typing import Any

import yaml

from generator.importing.report import Report
from generator.words import counted


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as people write YAML (PyYAML's default puts them flush)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def blueprint_yaml(blueprint: dict[str, Any], report: Report, application: str) -> str:
    left_out = len(set(report.items))
    header = [
        f"# Blueprint imported from the AWS Copilot application {application} by `blueprint import copilot`.",
        f"# {counted(left_out, 'item')} left out (the report on stderr names each with its manifest line)."
        if left_out else "# Nothing was left out.",
    ]
    placeholders = sorted(
        f"{section}.{name}" for section in ("services", "jobs")
        for name, fields in blueprint.get(section, {}).items() if fields.get("image", "").startswith("placeholder.")
    )
    if placeholders:
        header.append("# Placeholder images (the report says why): build or name each image, then set `image` of "
                      + ", ".join(placeholders) + ".")
    body = yaml.dump(blueprint, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=1000)
    return "\n".join(header) + "\n" + body
