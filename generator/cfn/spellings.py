"""Text a template computes (an ARN, user data, a policy written as JSON), spelled out as the audit
reads it: every literal spelling the value may have, with `*` for each part computed at deploy time.

`TemplateSet.resolve` gives a text only when every part of it is literal. An ARN such as
`arn:${AWS::Partition}:iam::aws:policy/${Name}` still says what it names, so the IAM reading needs the
spelling with the computed part as a wildcard: `arn:*:iam::aws:policy/AdministratorAccess`. A `*` is
what IAM itself would make of "anything", so a rule judging the spelling fails closed.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from generator.cfn.templates import Lit, Res, TemplateSet

ANYTHING = "*"
MAX_SPELLINGS = 64  # past this, the parts that vary are spelled `*`
_REFERENCE = re.compile(r"\$\{([^!}][^}]*)\}")


def spellings(templates: TemplateSet, file: str, value: Any, _depth: int = 0) -> list[str | Res]:
    """Every spelling `value` (in `file`) may have: texts with `*` for what is computed, or a resource of
    the set it names as a whole (`Ref`/`GetAtt` of it: its own name or ARN, never a wildcard)."""
    if _depth > 20:
        return [ANYTHING]
    if isinstance(value, str | int | float | bool):
        return [str(value).lower() if isinstance(value, bool) else str(value)]
    if not isinstance(value, dict) or len(value) != 1:
        return [ANYTHING]
    (function, argument), = value.items()
    if function == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
        return _distinct([*spellings(templates, file, argument[1], _depth + 1),
                          *spellings(templates, file, argument[2], _depth + 1)])
    if function == "Fn::Sub":
        return _sub(templates, file, argument, _depth)
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 and \
            isinstance(argument[1], list) and isinstance(argument[0], str):
        return _product(argument[0], [spellings(templates, file, part, _depth + 1) for part in argument[1]])
    found: list[str | Res] = []
    for item in templates.resolve(file, value):
        if isinstance(item, Lit) and not isinstance(item.value, dict | list):
            found.append(str(item.value))
        elif isinstance(item, Res):
            found.append(item)
        else:  # a parameter that may be anything, a pseudo parameter, an import: anything
            found.append(ANYTHING)
    return _distinct(found) or [ANYTHING]


def texts(templates: TemplateSet, file: str, value: Any) -> list[str]:
    """`spellings`, with a resource of the set spelled as its logical ID (a name no wildcard matches)."""
    return [item if isinstance(item, str) else f"<{item.id}>" for item in spellings(templates, file, value)]


def _sub(templates: TemplateSet, file: str, argument: Any, depth: int) -> list[str | Res]:
    text, variables = argument, {}
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
        text, variables = argument
    if not isinstance(text, str):
        return [ANYTHING]
    parts: list[list[str | Res]] = []
    for index, segment in enumerate(_REFERENCE.split(text)):
        if index % 2 == 0:  # re.split alternates literal text and the captured reference name
            parts.append([segment.replace("${!", "${")])
        elif segment in variables:
            parts.append(spellings(templates, file, variables[segment], depth + 1))
        elif segment.startswith("AWS::"):
            parts.append([ANYTHING])  # the partition, region, account or stack: computed at deploy time
        else:
            target, _, attribute = segment.partition(".")
            reference = {"Fn::GetAtt": [target, attribute]} if attribute else {"Ref": target}
            parts.append(spellings(templates, file, reference, depth + 1))
    return _product("", parts)


def _product(delimiter: str, parts: list[list[str | Res]]) -> list[str | Res]:
    if len(parts) == 1:
        return parts[0]
    count = 1
    for part in parts:
        count *= max(len(part), 1)
    spelled = [[item if isinstance(item, str) else f"<{item.id}>" for item in part] for part in parts]
    if count > MAX_SPELLINGS:  # one spelling, a part with several replaced by `*`: its literal text kept
        spelled = [part if len(part) == 1 else [ANYTHING] for part in spelled]
    return _distinct([delimiter.join(combination) for combination in itertools.product(*spelled)])


def _distinct(values: list[str | Res]) -> list[str | Res]:
    return list(dict.fromkeys(values))

