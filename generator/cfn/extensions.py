"""`Transform: AWS::LanguageExtensions` as the audit reads it: `Fn::ForEach` entries under `Resources`
expanded by cfn-lint's own implementation of the transform, so the resources they make are audited
like any other. What it cannot expand stays as written, and the audit reports it as unverifiable."""

from __future__ import annotations

from typing import Any

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"


def expand(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The template with its `Fn::ForEach` loops expanded, when it declares the transform and cfn-lint
    can expand them; otherwise the template unchanged. Expanded keys keep their position marks."""
    declared = data.get("Transform")
    declared = declared if isinstance(declared, list) else [declared]
    resources = data.get("Resources")
    if LANGUAGE_EXTENSIONS not in declared or not isinstance(resources, dict) or \
            not any(str(key).startswith("Fn::ForEach::") for key in resources):
        return data
    from cfnlint.template import Template  # imported late: only templates that use the transform pay for it
    from cfnlint.template.transforms._language_extensions import language_extension

    try:
        problems, expanded = language_extension(Template(name, data, ["us-east-1"]))
    except Exception:  # cfn-lint's transform reports most failures as problems, not all
        return data
    return expanded if not problems and isinstance(expanded, dict) else data
