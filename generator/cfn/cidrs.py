"""CIDRs by what they mean: which ones, alone or together, amount to "the whole internet".

A rule set that admits `0.0.0.0/1` and `128.0.0.0/1`, or `::0/0`, admits the internet as surely as
`0.0.0.0/0`. The public space is every address except the private, shared, loopback, link-local,
multicast and reserved IPv4 ranges, and IPv6's global unicast range `2000::/3`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NOT_PUBLIC_V4 = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
                  "192.168.0.0/16", "224.0.0.0/3")
PUBLIC_V6 = (ipaddress.IPv6Network("2000::/3"),)


def _public_v4() -> tuple[ipaddress.IPv4Network, ...]:
    remaining = [ipaddress.IPv4Network("0.0.0.0/0")]
    for excluded in map(ipaddress.IPv4Network, _NOT_PUBLIC_V4):
        remaining = _without(remaining, excluded)
    return tuple(remaining)  # type: ignore[arg-type]


def _without(networks: list[Network], excluded: Network) -> list[Network]:
    kept: list[Network] = []
    for network in networks:
        if network.version != excluded.version or not network.overlaps(excluded):  # type: ignore[arg-type]
            kept.append(network)
        elif not network.subnet_of(excluded):  # type: ignore[arg-type]
            kept.extend(network.address_exclude(excluded))  # type: ignore[arg-type]
    return kept


PUBLIC_V4 = _public_v4()


@lru_cache(maxsize=4096)
def network(cidr: str) -> Network | None:
    """The network a CIDR names, in any spelling (`::0/0`, `0:0::/0`), or None if it is not one."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except (ValueError, AttributeError):
        return None


def public_part(cidr: str) -> bool:
    """Whether the CIDR reaches any public address."""
    found = network(cidr)
    space = PUBLIC_V4 if found is None or found.version == 4 else PUBLIC_V6
    return found is not None and any(found.overlaps(public) for public in space)  # type: ignore[arg-type]


def covers_internet(cidrs: Iterable[str]) -> bool:
    """Whether these CIDRs together cover the whole public IPv4 space or the whole public IPv6 space."""
    networks = [found for found in map(network, cidrs) if found is not None]
    for space in (PUBLIC_V4, PUBLIC_V6):
        remaining: list[Network] = list(space)
        for found in networks:
            remaining = _without(remaining, found)
            if not remaining:
                return True
    return False


def is_world(cidr: str | None) -> bool:
    return cidr is not None and covers_internet((cidr,))


def internet_parts(cidrs: Iterable[str]) -> set[str]:
    """Which of these CIDRs are "the internet": each that covers it alone; when none does but they do
    together, every one of them that reaches public addresses."""
    cidrs = set(cidrs)
    alone = {cidr for cidr in cidrs if is_world(cidr)}
    if alone:
        return alone
    return {cidr for cidr in cidrs if public_part(cidr)} if covers_internet(cidrs) else set()
