"""CIDRs by what they mean: which ones, alone or together, amount to "the internet".

A rule set that admits `0.0.0.0/1` and `128.0.0.0/1`, or `::0/0`, admits the internet as surely as
`0.0.0.0/0`. So does one that admits everything but a few never-routed test networks: "the internet" is
judged by size, not by exact cover. The public space is every address except the private, shared,
loopback, link-local, multicast and reserved IPv4 ranges, and IPv6's global unicast range `2000::/3`.
CIDRs are "the internet" when, together, they admit at least a sixteenth of the public space of their
family (`WORLD_SHARE`: about 231 million IPv4 addresses, fourteen /8s), or when any one of them admits more public
addresses than a /8 (IPv4) or a /11 (IPv6) holds. Carving small ranges out of the whole internet keeps it over the
threshold; no partner or office list comes near it.

Everything is counted over collapsed networks (`ipaddress.collapse_addresses`), so it is linear in the
number of CIDRs after sorting: thousands of prefix-list entries take milliseconds.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NOT_PUBLIC_V4 = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
                  "192.168.0.0/16", "224.0.0.0/3")
PUBLIC_V6 = (ipaddress.IPv6Network("2000::/3"),)
WORLD_SHARE = 16  # a sixteenth of a family's public addresses, together, is "the internet"
SHORTEST_PREFIX = {4: 8, 6: 11}  # one CIDR with more public addresses than a prefix this long is


def _public_v4() -> tuple[ipaddress.IPv4Network, ...]:
    remaining = [ipaddress.IPv4Network("0.0.0.0/0")]
    for excluded in map(ipaddress.IPv4Network, _NOT_PUBLIC_V4):
        remaining = [part for network in remaining for part in
                     ((network,) if not network.overlaps(excluded) else
                      () if network.subnet_of(excluded) else network.address_exclude(excluded))]
    return tuple(ipaddress.collapse_addresses(remaining))


PUBLIC_V4 = _public_v4()
PUBLIC = {4: PUBLIC_V4, 6: PUBLIC_V6}
_THRESHOLD = {version: sum(n.num_addresses for n in space) // WORLD_SHARE for version, space in PUBLIC.items()}


@lru_cache(maxsize=4096)
def network(cidr: str) -> Network | None:
    """The network a CIDR names, in any spelling (`::0/0`, `0:0::/0`), or None if it is not one."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except (ValueError, AttributeError):
        return None


@lru_cache(maxsize=4096)
def _public_pieces(found: Network) -> tuple[Network, ...]:
    """The public part of a network: public ranges are disjoint CIDRs, so each overlap is the smaller one."""
    pieces: list[Network] = []
    for public in PUBLIC[found.version]:
        if found.overlaps(public):  # type: ignore[arg-type]
            pieces.append(found if found.subnet_of(public) else public)  # type: ignore[arg-type]
    return tuple(pieces)


def public_part(cidr: str) -> bool:
    """Whether the CIDR reaches any public address."""
    found = network(cidr)
    return found is not None and bool(_public_pieces(found))


def public_addresses(cidrs: Iterable[str]) -> dict[int, int]:
    """How many public addresses of each family (4, 6) the CIDRs admit together, overlaps counted once."""
    pieces: dict[int, list[Network]] = {4: [], 6: []}
    for found in map(network, cidrs):
        if found is not None:
            pieces[found.version] += _public_pieces(found)
    return {version: sum(n.num_addresses for n in ipaddress.collapse_addresses(found))  # type: ignore[misc]
            for version, found in pieces.items()}


def _too_wide(cidr: str) -> bool:
    """One CIDR whose public part is more than a /8 (IPv4) or a /11 (IPv6) holds."""
    found = network(cidr)
    if found is None:
        return False
    widest = 2 ** (found.max_prefixlen - SHORTEST_PREFIX[found.version])
    return sum(piece.num_addresses for piece in _public_pieces(found)) > widest


def covers_internet(cidrs: Iterable[str]) -> bool:
    """Whether these CIDRs together are "the internet" (see the module's docstring for the threshold)."""
    cidrs = list(cidrs)
    if any(_too_wide(cidr) for cidr in cidrs):
        return True
    return any(count >= _THRESHOLD[version] for version, count in public_addresses(cidrs).items())


def is_world(cidr: str | None) -> bool:
    return cidr is not None and covers_internet((cidr,))


def internet_parts(cidrs: Iterable[str]) -> set[str]:
    """Which of these CIDRs are "the internet": each that is alone; when none is but they are together,
    every one of them that reaches public addresses."""
    cidrs = set(cidrs)
    alone = {cidr for cidr in cidrs if is_world(cidr)}
    if alone:
        return alone
    return {cidr for cidr in cidrs if public_part(cidr)} if covers_internet(cidrs) else set()
