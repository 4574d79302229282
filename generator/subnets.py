"""How a VPC CIDR is carved into subnets, deterministically.

With n availability zones and k = ceil(log2 n):
- private subnets fill the first half of the VPC, each a /(P+1+k): the larger share, since hosts,
  tasks and internal load balancers live there;
- public subnets fill the third quarter, each a /(P+2+k): load balancers, NAT gateways, the bastion;
- the last quarter is left free for what comes later (database subnets, say) without renumbering.
Load balancers need subnets of /27 or larger, which bounds how many AZs a small VPC can hold.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

SMALLEST_SUBNET_PREFIX = 27


@dataclass(frozen=True)
class SubnetPlan:
    private: tuple[str, ...]
    public: tuple[str, ...]


def _prefixes(vpc_prefix: int, az_count: int) -> tuple[int, int]:
    k = math.ceil(math.log2(az_count))
    return vpc_prefix + 1 + k, vpc_prefix + 2 + k


def max_azs(vpc_prefix: int) -> int:
    """The most AZs whose subnets fit a VPC of this prefix length."""
    return max((n for n in range(1, 7) if _prefixes(vpc_prefix, n)[1] <= SMALLEST_SUBNET_PREFIX), default=0)


def carve(cidr: str, az_count: int) -> SubnetPlan:
    vpc = ipaddress.IPv4Network(cidr)
    private_prefix, public_prefix = _prefixes(vpc.prefixlen, az_count)
    if public_prefix > SMALLEST_SUBNET_PREFIX:
        raise ValueError(f"{cidr} is too small for {az_count} availability zones")
    first_half, second_half = vpc.subnets(prefixlen_diff=1)
    third_quarter, _ = second_half.subnets(prefixlen_diff=1)
    private = list(first_half.subnets(new_prefix=private_prefix))[:az_count]
    public = list(third_quarter.subnets(new_prefix=public_prefix))[:az_count]
    return SubnetPlan(private=tuple(map(str, private)), public=tuple(map(str, public)))
