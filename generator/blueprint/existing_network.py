"""An existing VPC instead of a new one: `network.vpc_id` with the subnets the blueprint declares private
and public. The ids' types, the fields' descriptions, and the cross-field rules that keep an imported
network apart from the keys that shape a new VPC (each a located error).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from generator.blueprint.annotations import Meaning
from generator.blueprint.errors import KeyPath

if TYPE_CHECKING:
    from generator.blueprint.infrastructure import Network
    from generator.blueprint.model import Blueprint

# EC2 ids are the prefix and 8 (older resources) or 17 lower-case hex digits.
VPC_ID_PATTERN = r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$"
SUBNET_ID_PATTERN = r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$"
MAX_SUBNETS = 6  # one per AZ, as many AZs as a new VPC may span (availability_zones: 2..6)

VpcId = Annotated[str, Field(pattern=VPC_ID_PATTERN),
                  Meaning("a VPC id: vpc- and 8 or 17 hex digits (vpc-0123456789abcdef0)")]
SubnetId = Annotated[str, Field(pattern=SUBNET_ID_PATTERN),
                     Meaning("a subnet id: subnet- and 8 or 17 hex digits (subnet-0123456789abcdef0)")]
SubnetIds = Annotated[list[SubnetId], Field(min_length=2, max_length=MAX_SUBNETS)]

# The keys that describe a VPC this tool creates: an imported network takes none of them.
NEW_VPC_KEYS = ("cidr", "availability_zones", "nat_gateways", "flow_logs", "endpoints")
WHY_NOT = {
    "cidr": "the existing VPC has its own address block",
    "availability_zones": "the subnets you name decide the zones",
    "nat_gateways": "outbound traffic from the private subnets is the existing network's routing",
    "flow_logs": "flow logs of an existing VPC belong to whoever owns it (the audit warns it cannot see them)",
    "endpoints": "an S3 gateway endpoint needs the VPC's route tables, interface endpoints with private DNS clash "
                 "with the ones the VPC may already have (one per service per VPC), and their security group "
                 "needs the VPC's address block: create endpoints with the network",
}

VPC_ID_DESCRIPTION = (
    "An existing VPC to deploy into instead of creating one (give its `private_subnets`, and `public_subnets` "
    "when a service is public or there is a bastion). Default none: a new VPC. No network stack is generated: "
    "the ids become typed root parameters (VpcId, PrivateSubnets, PublicSubnets) defaulting to these values, "
    "with template Rules asserting the subnets are in the VPC; the load balancers' access-log bucket gets an "
    "access-logs stack of its own. Takes none of cidr, availability_zones, nat_gateways, flow_logs, endpoints. "
    "The audit trusts the subnets' declared roles (the one declaration it trusts, and says so) and warns what it "
    "cannot see (routes, flow logs); `blueprint deploy` checks the routes before creating anything."
)
PRIVATE_SUBNETS_DESCRIPTION = (
    "With `vpc_id`: 2 to 6 subnets of that VPC, one per availability zone, with no route to an internet gateway "
    "(outbound through NAT or endpoints). Hosts, tasks, internal load balancers and the Client VPN go here. "
    "`blueprint deploy` refuses a subnet that routes to an internet gateway. Required with `vpc_id`."
)
PUBLIC_SUBNETS_DESCRIPTION = (
    "With `vpc_id`: 2 to 6 subnets of that VPC, one per availability zone, routed to an internet gateway, for "
    "public load balancers and the bastion. Required only when a service is `expose: public` or there is an "
    "`access.bastion`; `blueprint deploy` refuses one without an internet gateway route. Default none."
)


def is_imported(network: Network) -> bool:
    return network.vpc_id is not None


def resolved_defaults(network: Network) -> dict[str, Any]:
    """With an existing VPC, the keys of a new one are not used: explain shows them as none."""
    return {key: None for key in NEW_VPC_KEYS} if is_imported(network) else {}


def existing_network_keys(blueprint: Blueprint) -> Iterator[tuple[KeyPath, str]]:
    """The imported network's rules: all its keys or none, none of a new VPC's keys, distinct subnets,
    public subnets where something public needs them."""
    network = blueprint.network
    if not is_imported(network):
        for key in ("private_subnets", "public_subnets"):
            if key in network.model_fields_set:
                yield ("network", key), "names subnets of an existing VPC: give its `vpc_id` too"
        return
    for key in NEW_VPC_KEYS:
        if key in network.model_fields_set:
            yield ("network", key), f"not with `vpc_id` (an existing VPC): {WHY_NOT[key]}"
    if network.private_subnets is None:
        yield ("network", "vpc_id"), "an existing VPC needs its `private_subnets` (at least 2, one per zone)"
    seen: dict[str, str] = {}
    for key in ("private_subnets", "public_subnets"):
        for index, subnet in enumerate(getattr(network, key) or ()):
            if subnet in seen:
                also = "is listed twice" if seen[subnet] == key else f"is also in `{seen[subnet]}`"
                yield ("network", key, index), f"{subnet} {also}; a subnet is either private or public, once"
            seen.setdefault(subnet, key)
    if network.public_subnets is None:
        yield from _needing_public_subnets(blueprint)


def _needing_public_subnets(blueprint: Blueprint) -> Iterator[tuple[KeyPath, str]]:
    for name, service in blueprint.services.items():
        if service.resolved_expose == "public":
            yield ("services", name, "expose"), (
                "a public load balancer needs public subnets: give `network.public_subnets` of the existing VPC")
    if blueprint.access.bastion is not None:
        yield ("access", "bastion"), "the bastion runs in a public subnet: give `network.public_subnets`"


def explanation(blueprint: Blueprint) -> list[str]:
    """What `blueprint explain` says about an imported network; empty for a new VPC."""
    network = blueprint.network
    if network.vpc_id is None:
        return []
    return [
        f"network.vpc_id = {network.vpc_id}: an existing VPC; no network stack is generated, the ids are root "
        "parameters defaulting to the blueprint's values, and Rules in root.yaml assert the subnets are in the VPC.",
        "The audit takes network.private_subnets as private and network.public_subnets as public on the blueprint's "
        "word (the one declaration it trusts; its output says so) and warns that it cannot see the VPC's routes "
        "or flow logs. `blueprint deploy` checks the routes before it creates anything: no private subnet may "
        "route to an internet gateway, every public one must.",
    ]
