"""The blueprint format: loading YAML with positions, the typed model, and its errors."""

from generator.blueprint.errors import BlueprintError, BlueprintErrors
from generator.blueprint.load import load_blueprint, load_blueprint_bytes, read_blueprint
from generator.blueprint.model import Blueprint

__all__ = ["Blueprint", "BlueprintError", "BlueprintErrors", "load_blueprint", "load_blueprint_bytes",
           "read_blueprint"]
