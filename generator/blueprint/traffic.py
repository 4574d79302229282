"""Network paths a service declares beyond its load balancer and its calls: where its tasks may send
(`egress`) and which networks may reach its internal load balancer (`reachable_from`)."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from generator.blueprint.annotations import Meaning
from generator.blueprint.strict import Strict

PREFIX_LIST_PATTERN = r"^pl-[0-9a-f]{8}([0-9a-f]{9})?$"
PORT_RANGE_PATTERN = r"^[0-9]{1,5}-[0-9]{1,5}$"
# What EC2 accepts in a security-group rule's description.
RULE_DESCRIPTION_PATTERN = r"^[A-Za-z0-9. _\-:/()#,@\[\]+=&;{}!$*]+$"
VPN = "vpn"


def _ipv4_block(text: str, example: str) -> ipaddress.IPv4Network:
    if "/" not in text:
        raise ValueError(f"{text!r} has no prefix length; write a CIDR block such as {example}")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not a CIDR block such as {example}") from None
    if network.version != 4:
        raise ValueError(f"{text!r} is IPv6; the VPC is IPv4-only in format 1")
    if str(network) != text:
        raise ValueError(f"{text!r} has host bits set; did you mean {network}?")
    assert isinstance(network, ipaddress.IPv4Network)
    return network


def _destination(text: str) -> str:
    """An IPv4 CIDR block, or a managed prefix list id (pl-...)."""
    if text.startswith("pl-"):
        if not re.fullmatch(PREFIX_LIST_PATTERN, text):
            raise ValueError(f"{text!r} is not a prefix list id such as pl-0123456789abcdef0")
        return text
    _ipv4_block(text, "10.0.192.0/20, or a prefix list id such as pl-0123456789abcdef0")
    return text


def _port_range(text: str) -> str:
    low, high = (int(part) for part in text.split("-"))
    if not 1 <= low <= high <= 65535:
        raise ValueError(f"{text!r} is not a port range N-M with 1 <= N <= M <= 65535")
    return text


def _reach_source(text: str) -> str:
    if text == VPN:
        return text
    network = _ipv4_block(text, "192.168.0.0/16, or vpn")
    if network.prefixlen == 0:
        raise ValueError(f"{text} is the whole internet, which never reaches an internal load balancer; name the "
                         "networks that should")
    return text


PortRange = Annotated[
    str, Field(pattern=PORT_RANGE_PATTERN), Meaning("a port range N-M such as \"8000-8099\""),
    AfterValidator(_port_range),
]
RuleDescription = Annotated[
    str, Field(min_length=1, max_length=255, pattern=RULE_DESCRIPTION_PATTERN),
    Meaning("a security-group rule description: letters, digits, spaces and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *"),
]
ReachSource = Annotated[str, AfterValidator(_reach_source)]


class Egress(Strict):
    to: Annotated[str, AfterValidator(_destination)] = Field(
        description="Destination: an IPv4 CIDR block (10.0.192.0/20) or a managed prefix list id (pl-...).",
    )
    port: Annotated[int, Field(ge=1, le=65535)] | PortRange = Field(
        description="A port (5432) or a range \"N-M\" (quoted: \"8000-8099\").",
    )
    protocol: Literal["tcp", "udp"] = Field("tcp", description="tcp or udp. Default tcp.")
    description: RuleDescription = Field(
        description="Why the tasks send there; becomes the rule's description. Required.",
    )

    @property
    def ports(self) -> tuple[int, int]:
        if isinstance(self.port, int):
            return self.port, self.port
        low, high = (int(part) for part in self.port.split("-"))
        return low, high

    @property
    def is_prefix_list(self) -> bool:
        return self.to.startswith("pl-")


EGRESS_DESCRIPTION = (
    "Where the tasks may send besides HTTPS to anywhere (kept: images, logs, secrets) and the load balancers they "
    "call: each entry one egress rule on the service's own task security group. Default none. Needs awsvpc "
    "networking (Fargate, or EC2 hosts' default); a bridge service leaves from the shared host group."
)
REACHABLE_FROM_DESCRIPTION = (
    "Networks that may reach this internal service's load balancer on its listener port, besides the services "
    "that list it in `talks_to`: `vpn` (the Client VPN's clients; needs `access.vpn`) or IPv4 CIDR blocks "
    "(a peered VPC, the corporate network). Default none. Only for `expose: internal`."
)
