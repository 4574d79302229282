"""The base of every block of the blueprint model: unknown keys are errors, values are not coerced."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from generator.blueprint.model import Blueprint


class Strict(BaseModel):
    """Unknown keys are errors; no silent type coercion ("8080" is not a port)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def resolved_defaults(self, blueprint: Blueprint) -> dict[str, Any]:
        """Defaults that depend on other keys, worked out for this blueprint as the stacks use them, by field
        name (`blueprint explain` shows them when the key is left out). A block whose defaults are all fixed
        values has none: a new field with a plain default needs nothing here."""
        return {}
