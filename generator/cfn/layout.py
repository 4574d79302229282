"""The layout of the YAML this tool renders (generator/cfn/render.py): block style, each top-level section
key at column 0, everything inside it indented, logical IDs two spaces in. Enough to find a section or a
resource's line in the text without parsing it. And which files a template nests, which is read from its
data only: a string a user wrote can say "TemplateURL:" in the text. Deliberately cheap to import."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from generator.cfn.artifacts import STACK_TYPE

_TOP_LEVEL_KEY = re.compile(rb"^[^\s#]", re.MULTILINE)
_LOGICAL_ID = re.compile(rb"^  ([A-Za-z0-9]+):", re.MULTILINE)


def section(text: bytes, key: str) -> tuple[int, int] | None:
    """Where the top-level section `key` (its own line included) starts and ends in `text`."""
    start = re.search(rb"^" + re.escape(key.encode()) + rb":", text, re.MULTILINE)
    if start is None:
        return None
    end = _TOP_LEVEL_KEY.search(text, start.end())
    return start.start(), end.start() if end else len(text)


def entry_lines(text: bytes, key: str) -> dict[str, int]:
    """Each entry of a top-level section (a logical ID, say) -> the (1-based) line it is declared on."""
    span = section(text, key)
    if span is None:
        return {}
    start, end = span
    first_line = text.count(b"\n", 0, start) + 1
    return {match.group(1).decode(): first_line + text.count(b"\n", start, match.start())
            for match in _LOGICAL_ID.finditer(text, start, end)}


def nested_files(template: Mapping[str, Any]) -> dict[str, str]:
    """Logical ID -> relative file name, for each nested stack (a `Resources` entry of type
    AWS::CloudFormation::Stack) whose TemplateURL is a local file, not a URL."""
    resources = template.get("Resources")
    found = {}
    for logical_id, resource in (resources if isinstance(resources, Mapping) else {}).items():
        if not isinstance(resource, Mapping) or resource.get("Type") != STACK_TYPE:
            continue
        properties = resource.get("Properties")
        url = properties.get("TemplateURL") if isinstance(properties, Mapping) else None
        if isinstance(url, str) and "://" not in url:
            found[str(logical_id)] = url
    return found
