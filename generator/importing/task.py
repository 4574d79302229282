"""The keys every Copilot workload shares (image, size, platform, variables, secrets, command) in blueprint terms."""

from __future__ import annotations

import re
import shlex
from typing import Any

from generator.blueprint.types import ENV_NAME_PATTERN, IMAGE_PATTERN, SECRET_ARN_PATTERN
from generator.importing.context import Context, Converted, Place
from generator.importing.manifest import APPLICATION_NAME, ENVIRONMENT_NAME, VARIABLE, View, describe

_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "arm64": "arm64", "arm": "arm64"}


def task_fields(view: View, name: str, context: Context) -> Converted:
    converted = Converted()
    fields = converted.fields
    _image(view, converted)
    for key, low, high in (("cpu", 128, 16384), ("memory", 128, 122880)):
        if view.has(key):
            number = view.integer(key, low=low, high=high)
            if number is not None:
                fields[key] = number
    _platform(view, fields)
    _variables(view, converted, context)
    _secrets(view, converted, context)
    _command(view, fields)
    return converted


def _image(view: View, converted: Converted) -> None:
    image = view.raw("image")
    if image is None:
        return
    if not isinstance(image, dict):
        view.leave("image", reason=f"expected a mapping with location or build, got {describe(image)}")
        return
    if view.has("image", "location"):
        location = view.text("image", "location")
        if location is not None and re.fullmatch(IMAGE_PATTERN, location):
            converted.fields["image"] = location
            return
        if location is not None:
            view.leave("image", "location", reason=f"{location!r} is not a container image reference")
    # Built from a Dockerfile, or named in a way the blueprint cannot take (each reported): a placeholder.
    converted.needs_image = view.environment is None


def _platform(view: View, fields: dict[str, Any]) -> None:
    platform = view.raw("platform")
    if platform is None:
        return
    if isinstance(platform, dict):
        keys: tuple[str, ...] = ("platform", "architecture")
        osfamily = view.text("platform", "osfamily")
        if osfamily is not None and osfamily.lower() != "linux":
            view.leave("platform", "osfamily", reason="tasks run Linux here (no Windows containers)")
        architecture = view.text(*keys)
    else:
        keys = ("platform",)
        text = view.text(*keys)
        if text is None:
            return
        family, _, architecture = text.partition("/")
        if family.lower() != "linux":
            view.leave(*keys, reason=f"{text}: tasks run Linux here (no Windows containers)")
            return
    if architecture is None:
        return
    resolved = _ARCHITECTURES.get(architecture.lower())
    if resolved is None:
        view.leave(*keys, reason=f"{architecture!r} is not x86_64 or arm64")
    elif resolved == "arm64":
        fields["architecture"] = "arm64"


def _variables(view: View, converted: Converted, context: Context) -> None:
    variables = view.raw("variables")
    if variables is None:
        return
    if not isinstance(variables, dict):
        view.leave("variables", reason=f"expected a mapping of names to values, got {describe(variables)}")
        return
    environment: dict[str, str] = {}
    for key, value in variables.items():
        if isinstance(value, (dict, list)):
            continue  # from_cfn and odd forms are left for the report, with their reasons
        if not re.fullmatch(ENV_NAME_PATTERN, key):
            view.leave("variables", key, reason="not an environment variable name (letters, digits and _)")
            continue
        text = "" if value is None else value if isinstance(value, str) else str(value).lower() if isinstance(
            value, bool) else str(value)
        view.take("variables", key)
        if _per_environment(view, text):
            for env, filled in _filled_per_environment(view, context, text).items():
                converted.for_environment(env, "environment")[key] = filled
            continue
        filled = view.filled(text, "variables", key)
        if filled is not None:
            environment[key] = filled
    if environment:
        converted.fields["environment"] = environment


def _per_environment(view: View, text: str) -> bool:
    """Whether a value of the base manifest names the environment, and so has one value per environment."""
    names = set(VARIABLE.findall(text))
    return view.environment is None and ENVIRONMENT_NAME in names and names <= {APPLICATION_NAME, ENVIRONMENT_NAME}


def _filled_per_environment(view: View, context: Context, text: str) -> dict[str, str]:
    if not context.environments:
        return {}
    return {env: text.replace("${" + APPLICATION_NAME + "}", context.application)
            .replace("${" + ENVIRONMENT_NAME + "}", env) for env in context.environments}


def _secrets(view: View, converted: Converted, context: Context) -> None:
    secrets = view.raw("secrets")
    if secrets is None:
        return
    if not isinstance(secrets, dict):
        view.leave("secrets", reason=f"expected a mapping of names to secrets, got {describe(secrets)}")
        return
    arns: dict[str, str] = {}
    for key, value in secrets.items():
        if not re.fullmatch(ENV_NAME_PATTERN, key):
            view.leave("secrets", key, reason="not an environment variable name (letters, digits and _)")
            continue
        if isinstance(value, dict) and set(value) == {"secretsmanager"}:
            keys: tuple[str, ...] = ("secrets", key, "secretsmanager")
        elif isinstance(value, str):
            keys = ("secrets", key)
        else:
            continue  # from_cfn and odd forms: the report says why
        raw = view.take(*keys)
        if not isinstance(raw, str):
            view.leave(*keys, reason=f"expected text, got {describe(raw)}")
            continue
        if raw.startswith("arn:"):
            arn = view.filled(raw, *keys)
            if arn is not None and re.fullmatch(SECRET_ARN_PATTERN, arn):
                arns[key] = arn
            elif arn is not None:
                view.leave(*keys, reason=f"{arn!r} is not a Secrets Manager or SSM parameter ARN")
        elif keys[-1] == "secretsmanager":
            view.leave(*keys, reason=f"Secrets Manager secret named {raw!r}: its ARN ends in a suffix only AWS "
                       "knows; write the secret's ARN")
        else:
            _parameter(view, converted, context, key, raw, arns)
    if arns:
        converted.fields["secrets"] = arns


def _parameter(view: View, converted: Converted, context: Context, key: str, name: str,
               arns: dict[str, str]) -> None:
    """An SSM parameter named without its ARN: the ARN needs the account and region, which only an
    environment manifest can give (Copilot looks them up when it deploys)."""
    keys = ("secrets", key)
    names = set(VARIABLE.findall(name))
    if not names <= {APPLICATION_NAME, ENVIRONMENT_NAME}:
        view.filled(name, *keys)  # reports the variable Copilot fills in from the shell
        return
    environments = [view.environment] if view.environment is not None else sorted(context.environments)
    unplaced = [env for env in environments if not _placed(context.environments.get(env))]
    if not environments or unplaced:
        where = f"environment {', '.join(unplaced)} names no" if unplaced else "no environment manifest gives an"
        view.leave(*keys, reason=f"SSM parameter {name!r}: the blueprint takes ARNs, and {where} account and "
                   "region; write arn:aws:ssm:REGION:ACCOUNT:parameter/NAME")
        return
    for env in environments:
        place = context.environments[env]
        filled = name.replace("${" + APPLICATION_NAME + "}", context.application).replace(
            "${" + ENVIRONMENT_NAME + "}", env)
        partition = "aws-cn" if str(place.region).startswith("cn-") else "aws-us-gov" if str(
            place.region).startswith("us-gov-") else "aws"
        arn = f"arn:{partition}:ssm:{place.region}:{place.account}:parameter/{filled.lstrip('/')}"
        if not re.fullmatch(SECRET_ARN_PATTERN, arn):
            view.leave(*keys, reason=f"{arn!r} is not an SSM parameter ARN the blueprint accepts")
            return
        if view.environment is not None:
            arns[key] = arn
        else:
            converted.for_environment(env, "secrets")[key] = arn


def _placed(place: Place | None) -> bool:
    return place is not None and place.account is not None and place.region is not None


def _command(view: View, fields: dict[str, Any]) -> None:
    command = view.raw("command")
    if command is None:
        return
    if isinstance(command, list):
        parts = [view.text("command", index) for index in range(len(command))]
        if all(part is not None for part in parts) and parts:
            fields["command"] = parts
        return
    text = view.text("command")
    if text is None:
        return
    try:
        parts = shlex.split(text)
    except ValueError as exc:
        view.leave("command", reason=f"cannot split into words: {exc}")
        return
    if parts:
        fields["command"] = parts
    else:
        view.leave("command", reason="an empty command")

