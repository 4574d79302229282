"""The JSON Schema of an environment (`environments.<env>`): its own keys, and the blueprint's keys as an
overlay, a partial blueprint in which every key is optional and `null` (which removes a key) is allowed.

The model holds an overlay as free keys (environments.py checks them once merged), so its schema is made
here from the blueprint's own: each block the overlay reaches gets an `...Overlay` copy with nothing
required and no defaults (a key an overlay leaves out keeps the blueprint's value), so an editor completes
and checks an overlay as it does the blueprint.
"""

from __future__ import annotations

from typing import Any

from generator.blueprint.environment import NOT_OVERLAID

ENVIRONMENT_DEF = "Environment"
SUFFIX = "Overlay"
_SHOWN = ("title", "description", "default")  # kept beside `anyOf`, where editors look for them


def add_overlay_schema(document: dict[str, Any]) -> None:
    """Give the Environment definition of the blueprint's schema `document` the overlay's keys, in place."""
    defs: dict[str, Any] = document["$defs"]
    copies: dict[str, Any] = {}

    def partial(node: Any) -> Any:
        if isinstance(node, list):
            return [partial(item) for item in node]
        if not isinstance(node, dict):
            return node
        # A list replaces the blueprint's whole, so its items are complete: they keep the full blocks.
        copied = {key: value if key == "items" else partial(value) for key, value in node.items()}
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            copied["$ref"] = f"#/$defs/{name}{SUFFIX}"
            if name not in copies:
                copies[name] = None  # before the copy: a block may reach itself
                copies[name] = _optional(partial(defs[name]))
        if isinstance(node.get("additionalProperties"), dict):  # a mapping: `null` removes an entry
            copied["additionalProperties"] = _nullable(copied["additionalProperties"])
        if isinstance(node.get("patternProperties"), dict):  # a mapping by name (services)
            copied["patternProperties"] = {key: _nullable(value) for key, value in copied["patternProperties"].items()}
        return copied

    overlay = {key: _nullable(_no_default(partial(value))) for key, value in document["properties"].items()
               if key not in NOT_OVERLAID}
    environment = defs[ENVIRONMENT_DEF]
    environment["properties"] = {**overlay, **environment["properties"]}
    environment["additionalProperties"] = False
    defs.update({f"{name}{SUFFIX}": copy for name, copy in copies.items()})


def _optional(block: dict[str, Any]) -> dict[str, Any]:
    block.pop("required", None)
    if "title" in block:
        block["title"] += f" ({SUFFIX.lower()})"
    if "properties" in block:
        block["properties"] = {key: _nullable(_no_default(value)) for key, value in block["properties"].items()}
    return block


def _no_default(schema: dict[str, Any]) -> dict[str, Any]:
    """A key an overlay leaves out keeps the blueprint's value, not the default: an overlay shows none."""
    schema.pop("default", None)
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if any(option.get("type") == "null" for option in schema.get("anyOf", [])):
        return schema
    shown = {key: schema[key] for key in _SHOWN if key in schema}
    rest = {key: value for key, value in schema.items() if key not in _SHOWN}
    return {**shown, "anyOf": [rest, {"type": "null"}]}
