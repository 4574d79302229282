"""A blueprint's environments: each overlay deep-merged over the blueprint's own keys, with a merged map of
where every value came from, and validated like any blueprint, so its errors point at the overlay's lines.

The merge: mappings merge key by key, lists and values replace, `null` removes the key (back to its
default). The blueprint's own keys are validated first, as a blueprint of their own; an environment's
errors are then of two kinds. A value the overlay wrote that is wrong is reported at the overlay's line,
under `environments.<env>.<path>`. A value of the blueprint's own that only fails once merged (`count: 2`
below the overlay's `scaling.min: 4`) is the overlay's doing too: it is reported at the overlay key nearest
to it (the longest shared key path), naming the blueprint's own line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from generator.blueprint.environment import NOT_OVERLAID, OWN_KEYS, Target
from generator.blueprint.errors import BlueprintError, KeyPath, format_key_path
from generator.blueprint.model import Blueprint
from generator.blueprint.source import Positions

ENVIRONMENTS = "environments"
Place = tuple[int, int]
# The loader's check of one blueprint's data (of this environment): the model and the rules across keys.
Validate = Callable[[Any, Positions, Target | None], tuple[Blueprint | None, list[BlueprintError]]]


def load_environments(raw: Any, positions: Positions, base: Blueprint | None, base_failed: bool,
                      validate: Validate) -> tuple[dict[str, Blueprint], list[BlueprintError]]:
    """Each environment's merged and validated blueprint, by name, and the errors found in them (already
    placed in the file). `base`: the blueprint of the file's own keys, None when those do not validate;
    `base_failed`: the blueprint's own keys have errors (then only the overlays' own mistakes are added: the
    others are those errors again)."""
    overlays = raw.get(ENVIRONMENTS) if isinstance(raw, dict) else None
    if not isinstance(overlays, dict):
        return {}, []  # the model reports what is wrong with the key itself
    shared = {key: value for key, value in raw.items() if key != ENVIRONMENTS}
    built: dict[str, Blueprint] = {}
    errors: list[BlueprintError] = []
    for name, overlay in overlays.items():
        if not isinstance(overlay, dict) or (base is not None and name not in base.environments):
            continue  # not a mapping, or not a name: the model reports it
        environment = Overlay(name, overlay, positions)
        errors += environment.refused_keys()
        merged, merged_positions = environment.merge(shared)
        own = base.environments[name] if base is not None else None
        target = Target(name, own.account, own.region) if own is not None else Target(name)
        blueprint, found = validate(merged, merged_positions, target)
        errors += [placed for error in found if (placed := environment.place(error, base_failed)) is not None]
        if blueprint is None or base is None:
            continue
        for path, message, key in _regional(blueprint, target):
            placed = environment.place(merged_positions.error(path, message), base_failed, own_key=key)
            errors += [placed] if placed is not None else []
        built[name] = blueprint
    return built, errors


class Overlay:
    """One environment's overlay, where its values sit in the file, and the merge of it over the blueprint."""

    def __init__(self, name: str, body: dict[str, Any], positions: Positions) -> None:
        self.name = name
        self.prefix: KeyPath = (ENVIRONMENTS, name)
        self.positions = positions
        self.body = {key: value for key, value in body.items() if key not in OWN_KEYS and key not in NOT_OVERLAID}
        # Every place in the file the overlay's keys and values sit, by their path in the merged blueprint.
        self.values = _under(positions.values, self.prefix)
        self.keys = {path: place for path, place in _under(positions.keys, self.prefix).items()
                     if path and path[0] not in OWN_KEYS}
        self.places = set(self.values.values()) | set(self.keys.values())

    def refused_keys(self) -> list[BlueprintError]:
        return [self.positions.error((*self.prefix, key), _refusal(key, self.name), key=True)
                for key in NOT_OVERLAID if key in self.keys_written()]

    def keys_written(self) -> set[str]:
        return {str(path[0]) for path in _under(self.positions.keys, self.prefix)}

    def merge(self, shared: dict[str, Any]) -> tuple[dict[str, Any], Positions]:
        """The merged data, and where each of its keys and values was written: the overlay's place for what
        it wrote, the blueprint's for the rest (a mapping both write keeps the blueprint's own place)."""
        replaced: set[KeyPath] = set()
        merged = _merge(shared, self.body, (), replaced)
        kept = Positions(
            {path: place for path, place in self.positions.values.items() if _kept(path, replaced)},
            {path: place for path, place in self.positions.keys.items() if _kept(path, replaced)},
        )
        return merged, Positions({**self.values, **kept.values}, {**self.keys, **kept.keys})

    def place(self, error: BlueprintError, base_failed: bool, *, own_key: str | None = None) -> BlueprintError | None:
        """The error as the file shows it: under `environments.<env>.`, at the overlay line it comes from;
        None for an error of the blueprint's own keys, which the blueprint's own check reports. `own_key`: the
        environment's own key (region, account) a value of the blueprint's own does not fit."""
        path = (*self.prefix, *error.path)
        if (error.line, error.column) in self.places:
            return BlueprintError(error.line, error.column, path, error.message)
        if error.path in self.keys:  # a key the overlay removed (`null`), or whose value it wrote
            return BlueprintError(*self.keys[error.path], path, error.message)
        if base_failed:
            return None
        own = f"`{format_key_path(error.path)}` is the blueprint's own, on line {error.line}"
        if own_key is not None:  # a value of the blueprint's own that does not fit where this environment deploys
            line, column = self.positions.locate((*self.prefix, own_key), key=True)
        else:
            line, column = self._nearest(error.path)
        return BlueprintError(line, column, path, f"{error.message} (in environment `{self.name}`; {own})")

    def _nearest(self, path: KeyPath) -> Place:
        """The overlay key sharing the longest key path with `path`, or the environment's own key when none
        shares any. On a tie, a key the overlay sets beside the value (`scaling` for `count`) before a mapping
        both hold (`api`), the shallowest, the first in the file."""
        best: tuple[int, int, int] | None = None
        place = self.positions.locate(self.prefix, key=True)
        for written, where in self.keys.items():
            shared = _shared_length(written, path)
            rank = (shared, len(written) > shared, -len(written))
            if shared and (best is None or rank > best):
                best, place = rank, where
        return place


def _merge(base: Any, overlay: dict[str, Any], path: KeyPath, replaced: set[KeyPath]) -> dict[str, Any]:
    merged = dict(base) if isinstance(base, dict) else {}
    for key, value in overlay.items():
        here = (*path, key)
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value, here, replaced)
            continue
        replaced.add(here)
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _under(places: dict[KeyPath, Place], prefix: KeyPath) -> dict[KeyPath, Place]:
    """The places under `prefix`, by their path below it."""
    size = len(prefix)
    return {path[size:]: place for path, place in places.items() if path[:size] == prefix and len(path) > size}


def _kept(path: KeyPath, replaced: set[KeyPath]) -> bool:
    """Whether the blueprint's own place of `path` stands in the merged blueprint."""
    if path[:1] == (ENVIRONMENTS,):
        return False
    return not any(path[:length] in replaced for length in range(1, len(path) + 1))


def _shared_length(one: KeyPath, other: KeyPath) -> int:
    length = 0
    for mine, theirs in zip(one, other, strict=False):
        if mine != theirs:
            break
        length += 1
    return length


def _refusal(key: str, environment: str) -> str:
    if key == "name":
        return (f"an environment cannot change the blueprint's name; environment `{environment}` builds to "
                f"OUTPUT/<name>-{environment}/")
    return "environments do not nest; declare every environment under the blueprint's own `environments`"


def _regional(blueprint: Blueprint, target: Target) -> Iterator[tuple[KeyPath, str, str]]:
    """Values that name a region or an account, checked against where the environment deploys: listed
    availability zones, and ACM certificates (a load balancer or VPN endpoint takes only its own region's
    certificates of its own account)."""
    zones = blueprint.network.availability_zones
    if target.region is not None and isinstance(zones, list):
        for index, zone in enumerate(zones):
            if zone[:-1] != target.region:
                yield ("network", "availability_zones", index), \
                    f"{zone} is not in region {target.region}, where environment `{target.name}` deploys", "region"
    certificates: list[tuple[KeyPath, str]] = [
        (("services", name, "https", "certificate_arn"), service.https.certificate_arn)
        for name, service in blueprint.services.items()
        if service.https is not None and service.https.certificate_arn is not None  # else the stack requests one
    ]
    if blueprint.access.vpn is not None:
        certificates += [(("access", "vpn", key), getattr(blueprint.access.vpn, key))
                         for key in ("server_certificate_arn", "client_certificate_arn")]
    for path, arn in certificates:
        region, account = arn.split(":")[3:5]
        if target.region is not None and region != target.region:
            yield path, (f"the certificate is in region {region}; environment `{target.name}` deploys to "
                         f"{target.region}; ACM certificates serve only their own region"), "region"
        elif target.account is not None and account != target.account:
            yield path, (f"the certificate belongs to account {account}; environment `{target.name}` deploys to "
                         f"account {target.account}"), "account"
