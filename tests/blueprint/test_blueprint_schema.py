"""`blueprint schema` prints the JSON Schema editors use; the committed copy must never go stale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "schema" / "blueprint.schema.json"


def schema_output(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["schema"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def fields(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], bool]]:
    """(model, field, its schema, required) for the root and every definition."""
    models = [("Blueprint", schema), *schema["$defs"].items()]
    return [
        (model, name, spec, name in definition.get("required", []))
        for model, definition in models
        for name, spec in definition.get("properties", {}).items()
    ]


def test_schema_command_prints_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    output = schema_output(capsys)

    assert output == COMMITTED.read_text(), "schema/blueprint.schema.json is stale: run `blueprint schema` > it"


def test_schema_is_json_schema_that_forbids_unknown_keys(capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads(schema_output(capsys))

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["name", "services"]
    assert schema["additionalProperties"] is False
    assert all(definition.get("additionalProperties") is False
               for definition in schema["$defs"].values() if definition.get("type") == "object")


def test_every_field_has_a_description_and_every_optional_field_a_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    schema = json.loads(schema_output(capsys))

    found = fields(schema)
    assert len(found) > 50
    assert [(model, name) for model, name, spec, _ in found if not spec.get("description")] == []
    # An environment's overlay has no defaults: a key it leaves out keeps the blueprint's value.
    overlay = {(model, name) for model, name, _, _ in found
               if model.endswith("Overlay") or (model == "Environment" and name not in ("account", "region"))}
    assert overlay and all("default" not in spec for model, name, spec, _ in found if (model, name) in overlay)
    assert [(model, name) for model, name, spec, required in found
            if not required and "default" not in spec and (model, name) not in overlay] == []


def test_schema_defaults_match_the_documented_ones(capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads(schema_output(capsys))
    defs = schema["$defs"]

    assert defs["Network"]["properties"]["cidr"]["default"] == "10.0.0.0/16"
    assert defs["Network"]["properties"]["availability_zones"]["default"] == 2
    assert defs["Network"]["properties"]["nat_gateways"]["default"] == "per-az"
    assert defs["Network"]["properties"]["endpoints"]["default"] == []
    assert defs["Service"]["properties"]["cpu"]["default"] == 256
    assert defs["Service"]["properties"]["environment"]["default"] == {}
    assert schema["properties"]["network"]["default"]["flow_logs"] is True


def test_the_example_blueprint_points_editors_at_the_schema() -> None:
    example = ROOT / "blueprints" / "example.yaml"
    first_line = example.read_text().splitlines()[0]

    assert first_line == "# yaml-language-server: $schema=../schema/blueprint.schema.json"
    assert (example.parent / first_line.split("$schema=")[1]).resolve() == COMMITTED.resolve()
