"""The blueprint format reference (docs/blueprint.md), rendered from the model itself.

The model's field descriptions are the single source: the JSON Schema, this reference and
`blueprint explain` all read them, so the docs cannot drift from what the loader accepts.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from generator.blueprint.annotations import unwrap
from generator.blueprint.model import Blueprint
from generator.blueprint.rules import TASK_DEFINITION_BYTES, TASK_DEFINITION_MARGIN

INTRO = """# Blueprint format 1: reference

Generated from the model (`generator/blueprint/model.py` and the blocks it imports) by
`blueprint schema --markdown`; a test keeps it current. Every key is optional unless marked **required**;
unknown keys are errors. Editors get completion and checking from the JSON Schema
(`schema/blueprint.schema.json`) through the `# yaml-language-server: $schema=...` line at the top of a blueprint.

Rules that involve several keys (checked after the types, each with its own error):

- `services.*.scaling`: `min <= count <= max`, and at least one target.
- `services.*.talks_to` names an existing `internal` service other than itself; callers never form a circle
  (each caller's stack is nested after its callee's).
- Two service names that map to the same CloudFormation logical ID (`api-2` and `api2`) are refused.
- `network.nat_gateways: none` needs the endpoints `s3`, `ecr`, `ecs` and `logs`, and images from a private ECR.
- `launch_type: ec2` needs `cluster.instances`; `launch_type: fargate` needs Fargate capacity; Fargate
  `cpu`/`memory` must be a pair Fargate offers.
- `network.cidr` is /16 to /24 and must hold the subnets: a /24 fits 2 AZs, a /23 fits 4 (subnets carved
  as described in the README).
- A service with `expose: public` or `internal` needs a `port`; `allowed_cidrs` is for public services only;
  `https`, `health_check` and `scaling.requests_per_target` need a load balancer.
- `access.bastion.allowed_cidrs` may not be the whole internet; a bastion without `key_name` needs
  `access.ssm`; `access.vpn.client_cidr` is /12 to /22 and does not overlap the VPC.
- a cluster has capacity (`instances`, or Fargate left on); `cluster.instances.min <= max`;
  `network.availability_zones` and `network.endpoints` list each item once,
  and the zones lie in one region; a name is not both in a service's `environment` and its `secrets`.
- `services.*.talks_to` gives the container `<CALLEE>_URL`; the service's own `environment` and `secrets` may
  not use that name.
- `services.*.permissions`: each `resource` one ARN of a kind the table knows, without wildcards, listed once,
  with an `access` level that kind has; `secrets_kms_key` needs `secrets`.
- `services.*.egress` needs awsvpc networking (the task group is the service's own), lists each rule once and
  does not repeat HTTPS to 0.0.0.0/0 (every task group has it).
- `services.*.reachable_from` is for internal services; `vpn` needs `access.vpn`; a CIDR lies outside the VPC;
  each source once.
- `tags` keys may not start with `aws:`; `description` fits the root stack's Description (1,024 bytes with
  the name around it: see `description` below).
- No text holds `${` (CloudFormation's tools read it as a reference; cfn-lint E1029 would fail the build).
- A service's task definition stays within ECS's TASK_KIB KiB: its image, command, environment, secrets
  and the blueprint's tags take at most TASK_BUDGET bytes (as JSON), the rest is kept for
  what the builder adds.
- Values mean what they say to any YAML reader: numbers are plain decimals (`010`, `0x1F`, `1_000` and `1:20`
  are refused, YAML 1.1 would read them as 8, 31, 1000 and 80) and booleans are `true` and `false` (`yes`,
  `no`, `on`, `off` are refused); `environment` and `tags` values are text, kept exactly as written.
- `environments.<env>`: an overlay of the blueprint's keys but `name` and `environments`, deep-merged (mappings
  merge, lists and values replace, `null` removes a key), the merged blueprint checked by every rule here, its
  errors at the overlay's lines; `account` is 12 digits in quotes; listed zones and ACM certificates lie in the
  environment's `region` (and certificates in its `account`). See docs/environments.md.
- a `catalog` fits one template: three resources per product (the application, network, cluster and each
  service), one per principal, the portfolio and the launch role, at most 500 (about 160 services).
""".replace("TASK_KIB", str(TASK_DEFINITION_BYTES // 1024)).replace(
    "TASK_BUDGET", f"{TASK_DEFINITION_BYTES - TASK_DEFINITION_MARGIN:,}")


def reference_markdown() -> str:
    sections = [INTRO]
    for path, model in _blocks(Blueprint, ""):
        title = f"`{path}`" if path else "Top level"
        sections.append(f"## {title}\n\n| key | type | default | meaning |\n|---|---|---|---|")
        for name, field in model.model_fields.items():
            default = "**required**" if field.is_required() else _default(field)
            description = (field.description or "").replace("|", "\\|")
            sections[-1] += f"\n| `{name}` | {_type_name(field.annotation)} | {default} | {description} |"
    return "\n\n".join(sections) + "\n"


def _blocks(model: type[BaseModel], path: str) -> list[tuple[str, type[BaseModel]]]:
    found = [(path, model)]
    for name, field in model.model_fields.items():
        inner, many = _inner_model(field.annotation)
        if inner is not None:
            child = f"{path}.{name}" if path else name
            found.extend(_blocks(inner, f"{child}.{many}" if many == "<name>" else f"{child}{many}"))
    return found


def _inner_model(annotation: Any) -> tuple[type[BaseModel] | None, str]:
    """The block a field holds, and how its path names one of many: `<name>` in a mapping, `[]` in a list."""
    annotation = unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, ""
    for origin, many, index in ((dict, "<name>", 1), (list, "[]", 0)):
        if typing.get_origin(annotation) is origin:
            value = unwrap(typing.get_args(annotation)[index])
            if isinstance(value, type) and issubclass(value, BaseModel):
                return value, many
    return None, ""


def _type_name(annotation: Any) -> str:
    annotation = _strip_annotated(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(_type_name(option) for option in options)
    if origin is typing.Literal:
        return " \\| ".join(f"`{value}`" for value in typing.get_args(annotation))
    if origin is list:
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if origin is dict:
        return f"mapping to {_type_name(typing.get_args(annotation)[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "block"
    return {int: "integer", str: "string", bool: "boolean"}.get(annotation, str(annotation))


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _default(field: Any) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
        if isinstance(value, BaseModel):
            return "(the block's defaults)"
        return f"`{value!r}`" if value not in ([], {}) else ("`[]`" if value == [] else "`{}`")
    if field.default is None or field.default is PydanticUndefined:
        return "none"
    if isinstance(field.default, bool):
        return f"`{str(field.default).lower()}`"
    return f"`{field.default}`"
