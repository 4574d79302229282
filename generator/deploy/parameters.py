"""`--parameter K=V` against the root template's declarations, before anything is uploaded: the key must be
a root parameter, and the value must pass the constraints CloudFormation would check when the change set
is created (AllowedValues, AllowedPattern, MinLength/MaxLength, MinValue/MaxValue, a Number's form), so a
typo is one line naming the option, not a stack operation that fails after the upload.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from generator.deploy.aws import DeployError

NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")  # an integer or a float, ASCII digits
LISTS = ("CommaDelimitedList", "List<Number>")  # checked item by item (AWS-typed lists: CloudFormation checks)


def check_parameters(given: Mapping[str, str], declared: Mapping[str, Mapping[str, Any]]) -> None:
    """Each given parameter is declared by the root, and its value passes the declaration's constraints."""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(declared) or "none"
        raise DeployError(f"unknown --parameter {unknown[0]}; the root stack takes: {known}")
    for key, value in given.items():
        problem = value_problem(value, declared[key])
        if problem:
            raise DeployError(f"--parameter {key}={value}: {problem}")


def value_problem(value: str, declaration: Mapping[str, Any]) -> str | None:
    """Why CloudFormation would refuse VALUE for a parameter so declared; None when it would not."""
    kind = str(declaration.get("Type", "String"))
    if kind not in ("String", "Number", *LISTS):
        return None  # AWS-specific and SSM types: CloudFormation looks the value up in the account
    if kind == "String":
        length = len(value)
        if "MinLength" in declaration and length < int(declaration["MinLength"]):
            return f"shorter than its MinLength of {declaration['MinLength']}"
        if "MaxLength" in declaration and length > int(declaration["MaxLength"]):
            return f"longer than its MaxLength of {declaration['MaxLength']}"
    for item in value.split(",") if kind in LISTS else [value]:
        problem = _item_problem(item, declaration, numeric=kind in ("Number", "List<Number>"))
        if problem:
            return problem if item == value else f"{item!r}: {problem}"
    return None


def _item_problem(item: str, declaration: Mapping[str, Any], *, numeric: bool) -> str | None:
    allowed = declaration.get("AllowedValues")
    if allowed is not None and item not in [cloudformation_string(value) for value in allowed]:
        return f"not one of its AllowedValues: {', '.join(cloudformation_string(value) for value in allowed)}"
    pattern = declaration.get("AllowedPattern")
    if isinstance(pattern, str) and not _matches(pattern, item):
        return f"does not match its AllowedPattern {pattern}"
    if numeric:
        if not NUMBER.fullmatch(item):
            return "not a number"
        number = Decimal(item)
        if "MinValue" in declaration and number < Decimal(cloudformation_string(declaration["MinValue"])):
            return f"less than its MinValue of {cloudformation_string(declaration['MinValue'])}"
        if "MaxValue" in declaration and number > Decimal(cloudformation_string(declaration["MaxValue"])):
            return f"more than its MaxValue of {cloudformation_string(declaration['MaxValue'])}"
    return None


def cloudformation_string(value: object) -> str:
    """A template scalar as CloudFormation reads it: YAML's true is "true", 1.0 stays "1.0"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _matches(pattern: str, value: str) -> bool:
    """CloudFormation's patterns are Java's; one Python cannot read is left to CloudFormation to judge."""
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return True
