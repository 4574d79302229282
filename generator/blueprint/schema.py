"""The JSON Schema of the blueprint format, for editors (yaml-language-server) and docs."""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from generator.blueprint.environment_schema import add_overlay_schema
from generator.blueprint.model import Blueprint

SCHEMA_ID = "https://github.com/ecs-blueprint/schema/blueprint-1.json"


class _EveryDefault(GenerateJsonSchema):
    """Pydantic leaves out defaults made by a factory (`[]`, `{}`, a block's own defaults); editors
    should show those too."""

    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        factory = schema.get("default_factory")
        if factory is not None and not schema.get("default_factory_takes_data"):
            return factory()  # type: ignore[call-arg]
        return super().get_default_value(schema)


def schema() -> dict[str, object]:
    document = Blueprint.model_json_schema(mode="validation", schema_generator=_EveryDefault)
    add_overlay_schema(document)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ECS application blueprint, format 1",
        **{key: value for key, value in document.items() if key != "title"},
    }


def schema_json() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"
