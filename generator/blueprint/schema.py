"""The JSON Schema of the blueprint format, for editors (yaml-language-server) and docs."""

from __future__ import annotations

import json

from generator.blueprint.model import Blueprint

SCHEMA_ID = "https://github.com/ecs-blueprint/schema/blueprint-1.json"


def schema() -> dict[str, object]:
    document = Blueprint.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ECS application blueprint, format 1",
        **{key: value for key, value in document.items() if key != "title"},
    }


def schema_json() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"
