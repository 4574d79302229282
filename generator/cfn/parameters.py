"""parameters.json: the root stack's parameters with their defaults, for the AWS CLI path.

Written as a JSON list of "Key=Value" strings, the one form `aws cloudformation deploy
--parameter-overrides file://parameters.json` reads in both AWS CLI v1 and v2 (v1, still what PyPI's
`awscli` is, takes only this form; v2 also takes CloudFormation's list of {"ParameterKey",
"ParameterValue"}, the form this file had before, and CodePipeline's {"Parameters": {...}}). Both
CLIs split each string at its first "=", so a value may itself hold "=" or ",". Nothing here reads the
file back (`blueprint deploy` takes the root template's own defaults), so no older form needs reading.
A fact about the root template, so here, below both the build that writes the file and `blueprint
deploy`, which checks --parameter against the same list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PARAMETERS = "parameters.json"


def root_parameters(root: Mapping[str, Any]) -> dict[str, str]:
    """Root parameter -> its default as CloudFormation reads it (a string), in declaration order.

    Every root parameter has a default by construction (stacks/root.py surfaces only defaulted child
    parameters); one without would be skipped, since there is nothing sensible to write for it.
    """
    parameters: dict[str, str] = {}
    for name, parameter in (root.get("Parameters") or {}).items():
        if "Default" not in parameter:
            continue
        default = parameter["Default"]
        if isinstance(default, bool):
            default = "true" if default else "false"
        elif isinstance(default, list):
            default = ",".join(str(item) for item in default)
        parameters[name] = str(default)
    return parameters


def parameters_file(root: Mapping[str, Any]) -> bytes:
    entries = [f"{key}={value}" for key, value in root_parameters(root).items()]
    return (json.dumps(entries, indent=2) + "\n").encode()

