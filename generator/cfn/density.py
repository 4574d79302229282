"""How many awsvpc tasks an EC2 host can run: its network interfaces, and ECS ENI trunking.

Every awsvpc task on an EC2 host takes a network interface of its own, and the host's primary interface
takes one, so a host runs `interfaces - 1` such tasks (a t3.medium: 2). With ECS's `awsvpcTrunking` account
setting on, on an instance type that supports it, ECS attaches one trunk interface and runs the tasks on
branch interfaces, many more per host (an m5.large: 10). Trunking is an account setting, not a
CloudFormation resource: `blueprint deploy` reads it (generator/deploy/trunking.py).

The table below is dated; the figures come from:
- interfaces: the EC2 User Guide's "Maximum network interfaces" per instance type (what
  `aws ec2 describe-instance-types --query 'InstanceTypes[].NetworkInfo.MaximumNetworkInterfaces'` says);
- tasks with trunking: the ECS Developer Guide's "Supported Amazon EC2 instance types for increased ENIs"
  (container-instance-eni.html), which lists the families that support trunking and their limits.
A type outside the table is not refused: its density is unknown, and the audit says so (SEC403).
"""

from __future__ import annotations

from dataclasses import dataclass

TABLE_DATE = "2024-06"
SOURCE = ("EC2 User Guide, maximum network interfaces per instance type; ECS Developer Guide, instance types "
          "supported for increased ENIs (awsvpcTrunking)")


@dataclass(frozen=True)
class HostDensity:
    """An instance type's awsvpc task slots: without trunking, and with it (None: no trunking support)."""

    instance_type: str
    interfaces: int
    trunk_tasks: int | None

    @property
    def tasks(self) -> int:
        return self.interfaces - 1  # the primary interface is the host's own

    @property
    def trunking(self) -> bool:
        return self.trunk_tasks is not None

    def best(self) -> int:
        """Tasks per host with trunking where the type supports it, else without."""
        return self.trunk_tasks if self.trunk_tasks is not None else self.tasks


# Interfaces per size of the Nitro general purpose, compute and memory families (the same by size across
# m5/m6i/c5/r5 and their AMD and Graviton siblings), and the tasks per host ECS trunking gives each size.
_NITRO_SIZES: dict[str, tuple[int, int]] = {
    "large": (3, 10), "xlarge": (4, 20), "2xlarge": (4, 40), "4xlarge": (8, 60), "8xlarge": (8, 60),
    "9xlarge": (8, 60), "12xlarge": (8, 60), "16xlarge": (15, 120), "18xlarge": (15, 120), "24xlarge": (15, 120),
}
_TRUNKING_FAMILIES: dict[str, tuple[str, ...]] = {
    "m5": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "m5a": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "m6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "m6a": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "m6g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "m7i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "m7g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "c5": ("large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge"),
    "c6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "c6g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "c7i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "c7g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "r5": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "r6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "r6g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "r7g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
}
# Burstable types: no trunking support at all.
_BURSTABLE_INTERFACES: dict[str, int] = {
    "nano": 2, "micro": 2, "small": 3, "medium": 3, "large": 3, "xlarge": 4, "2xlarge": 4,
}
_BURSTABLE_FAMILIES = ("t3", "t3a", "t4g")


def _table() -> dict[str, HostDensity]:
    table: dict[str, HostDensity] = {}
    for family, sizes in _TRUNKING_FAMILIES.items():
        for size in sizes:
            interfaces, trunk = _NITRO_SIZES[size]
            table[f"{family}.{size}"] = HostDensity(f"{family}.{size}", interfaces, trunk)
    for family in _BURSTABLE_FAMILIES:
        for size, interfaces in _BURSTABLE_INTERFACES.items():
            table[f"{family}.{size}"] = HostDensity(f"{family}.{size}", interfaces, None)
    return table


DENSITY: dict[str, HostDensity] = _table()


def density(instance_type: str) -> HostDensity | None:
    """The type's awsvpc task slots, or None when the table does not know it."""
    return DENSITY.get(instance_type)
