"""What converting one manifest needs to know about the rest of the workspace, and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Place:
    """Where an environment deploys, when its manifest says (Copilot keeps it outside the workspace)."""

    account: str | None = None
    region: str | None = None


@dataclass
class Context:
    application: str
    environments: dict[str, Place] = field(default_factory=dict)
    domains: dict[tuple[str | None, str], str] = field(default_factory=dict)

    def claim_domain(self, environment: str | None, domain: str, service: str) -> str:
        """The service that has `domain` (in that environment): the first to ask for it."""
        return self.domains.setdefault((environment, domain), service)


@dataclass
class Converted:
    """A workload's blueprint keys, and the keys that differ per environment (by environment name)."""

    fields: dict[str, Any] = field(default_factory=dict)
    per_environment: dict[str, dict[str, Any]] = field(default_factory=dict)
    needs_image: bool = False  # the manifest builds its image: the base gets a placeholder

    def for_environment(self, environment: str, key: str) -> dict[str, Any]:
        value: dict[str, Any] = self.per_environment.setdefault(environment, {}).setdefault(key, {})
        return value
