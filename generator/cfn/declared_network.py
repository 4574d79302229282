"""An existing network a template set is deployed into, as the blueprint declared it: which of the root's
parameters hold the VPC, its block, and the subnets declared private or public.

The stacks write it into the root template's Metadata (generator/stacks/existing_network.py); the audit
reads it back (network_facts.py), takes the declared subnets at their word, the one declaration it trusts,
and says so (SEC1401); `blueprint deploy` reads it to know which values to check against the account's
routes before anything is created.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

METADATA_KEY = "EcsBlueprint::ExistingNetwork"
ZONES = ("private", "public")


@dataclass(frozen=True)
class DeclaredNetwork:
    """Parameter names: the VPC's id, its block (None when no stack needs it), and the subnet lists by zone."""

    vpc: str
    cidr: str | None
    subnets: Mapping[str, str]  # parameter -> private | public

    def as_metadata(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"VpcId": self.vpc}
        if self.cidr is not None:
            entry["VpcCidr"] = self.cidr
        for zone in ZONES:
            named = [name for name, declared in self.subnets.items() if declared == zone]
            if named:
                entry[f"{zone.capitalize()}Subnets"] = named
        return entry


def declared_network(template: Mapping[str, Any]) -> DeclaredNetwork | None:
    """The declaration in a template's Metadata, or None when it has none (or one this tool did not write)."""
    metadata = template.get("Metadata")
    entry = metadata.get(METADATA_KEY) if isinstance(metadata, Mapping) else None
    if not isinstance(entry, Mapping) or not isinstance(entry.get("VpcId"), str):
        return None
    subnets: dict[str, str] = {}
    for zone in ZONES:
        named = entry.get(f"{zone.capitalize()}Subnets") or []
        subnets.update((name, zone) for name in named if isinstance(name, str) and name not in subnets)
    cidr = entry.get("VpcCidr")
    return DeclaredNetwork(entry["VpcId"], cidr if isinstance(cidr, str) else None, subnets)
