"""The diff's model: what changed in a template set, resource by resource, and the words for it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

REPLACEMENT, MAY_REPLACE, INTERRUPTION, IN_PLACE = "replacement", "may-replace", "interruption", "in-place"
EFFECTS = (REPLACEMENT, MAY_REPLACE, INTERRUPTION, IN_PLACE)  # worst first
ADDED, REMOVED, MODIFIED, RENAMED = "added", "removed", "modified", "renamed"
BUCKETS = (*EFFECTS, ADDED, REMOVED)  # the summary's columns, in the order a reviewer needs them
FAIL_ON = ("replacement", "may-replace", "removal", "any")
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
REVISION = "new task definition revision"  # the words `renews` knows a new revision by
NEW_REVISION = f"{REVISION}: the service rolls its tasks onto it"
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
NAMED_SECTIONS = ("Parameters", "Mappings", "Conditions", "Outputs")  # compared by name, entry by entry
ATTRIBUTES = ("Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "CreationPolicy", "UpdatePolicy")
IDENTITY_KEYS = ("Key", "Name", "DeviceName")  # list items matched by these read better than by position
# An ECS service starts a new deployment (rolls its tasks) when one of these changes.
ROLLING_SERVICE_PROPERTIES = frozenset({
    "TaskDefinition", "NetworkConfiguration", "LoadBalancers", "PlacementStrategies", "PlacementConstraints",
    "CapacityProviderStrategy", "PlatformVersion", "ServiceConnectConfiguration", "VolumeConfigurations",
})
ROLLING_GROUP_PROPERTIES = frozenset({"LaunchTemplate", "MixedInstancesPolicy", "VPCZoneIdentifier",
                                      "LaunchConfigurationName"})
INSTANCE_RESTART_PROPERTIES = frozenset({"InstanceType", "UserData", "EbsOptimized", "KernelId", "RamdiskId"})
# Resources bound to one VPC: these properties may name other subnets or security groups of the same VPC, but
# not of another one (a load balancer cannot change VPC; a subnet group's new subnets must be in its VPC).
# When what they name is replaced together with its VPC, the update fails or the resource must be replaced.
VPC_BOUND: dict[str, frozenset[str]] = {
    "AWS::ElasticLoadBalancingV2::LoadBalancer": frozenset({"Subnets", "SubnetMappings", "SecurityGroups"}),
    "AWS::ElasticLoadBalancing::LoadBalancer": frozenset({"Subnets", "SecurityGroups"}),
    "AWS::RDS::DBSubnetGroup": frozenset({"SubnetIds"}),
    "AWS::ElastiCache::SubnetGroup": frozenset({"SubnetIds"}),
    "AWS::Redshift::ClusterSubnetGroup": frozenset({"SubnetIds"}),
    "AWS::DAX::SubnetGroup": frozenset({"SubnetIds"}),
    "AWS::MemoryDB::SubnetGroup": frozenset({"SubnetIds"}),
    "AWS::EFS::MountTarget": frozenset({"SecurityGroups"}),
    "AWS::EC2::VPCEndpoint": frozenset({"SubnetIds", "SecurityGroupIds"}),
}
VPC_TYPE = "AWS::EC2::VPC"
IN_A_VPC = frozenset({"AWS::EC2::Subnet", "AWS::EC2::SecurityGroup"})  # what VPC_BOUND properties name
MOVES_VPC = "moves to another VPC, which CloudFormation cannot do in place: the update will fail or force replacement"

Apps = dict[str, dict[str, dict[str, Any]]]  # application name -> template file name -> template data


class DiffInputError(Exception):
    """BASE or HEAD cannot be read, or a git revision cannot be built: bad input (exit 2)."""


class _Missing:
    def __repr__(self) -> str:
        return "(none)"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class PropertyChange:
    path: str  # "/CidrBlock", "/Environment[LOG_LEVEL]/Value", or an attribute name ("DependsOn")
    old: Any
    new: Any
    effect: str
    reason: str  # why this effect: "create-only property", "Vpc (network.yaml) is replaced", ...
    via: str | None = None  # the replaced resource this value takes, for changes by cascade


@dataclass
class ResourceChange:
    stack: str
    logical_id: str
    type: str
    action: str  # added | removed | modified | renamed
    source: str | None = None  # the blueprint key path (Metadata.Source)
    changes: list[PropertyChange] = field(default_factory=list)
    renamed_from: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def effect(self) -> str | None:
        """The worst update behaviour of the change; None for an added or removed resource."""
        if self.action == RENAMED:
            return REPLACEMENT
        if self.action != MODIFIED:
            return None
        return min((change.effect for change in self.changes), key=EFFECTS.index, default=IN_PLACE)

    @property
    def bucket(self) -> str:
        """The summary column: added, removed, or the effect."""
        return self.effect or self.action

    @property
    def cascaded(self) -> bool:
        """Replaced only because it takes a replaced resource's ID, not for a change of its own."""
        worst = [c for c in self.changes if c.effect == self.effect]
        return self.action == MODIFIED and bool(worst) and all(c.via for c in worst)

    @property
    def new_identity(self) -> bool:
        """Gets a new physical ID, so whatever references it changes too."""
        return self.action == MODIFIED and any(renews(self.type, c.effect, c.reason) for c in self.changes)


@dataclass(frozen=True)
class NamedChange:
    """A parameter or output added, removed or changed."""

    section: str  # Parameters | Outputs
    name: str
    action: str


@dataclass
class StackDiff:
    file: str
    status: str  # added | removed | modified
    resources: list[ResourceChange] = field(default_factory=list)
    named: list[NamedChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # updates CloudFormation will refuse

    @property
    def changed(self) -> bool:
        return bool(self.resources or self.named) or self.status != MODIFIED


@dataclass(frozen=True)
class ReachChange:
    action: str  # added | removed
    source: str
    target: str
    ports: str


@dataclass
class AppDiff:
    name: str
    status: str  # added | removed | modified
    stacks: list[StackDiff] = field(default_factory=list)
    reachability: list[ReachChange] = field(default_factory=list)

    @property
    def resources(self) -> list[ResourceChange]:
        return [resource for stack in self.stacks for resource in stack.resources]


@dataclass
class Diff:
    apps: list[AppDiff]

    @property
    def resources(self) -> list[ResourceChange]:
        return [resource for app in self.apps for resource in app.resources]

    @property
    def changed(self) -> bool:
        return any(app.status != MODIFIED or app.stacks or app.reachability for app in self.apps)

    @property
    def compared(self) -> bool:
        """Whether any application was on both sides: a diff of nothing against something compared nothing."""
        return any(app.status == MODIFIED for app in self.apps)

    def fails(self, fail_on: Iterable[str]) -> bool:
        """Whether a gate trips. replacement: a resource is replaced; may-replace: that, or one may be;
        removal: a resource is replaced or removed; any: anything changed. A gate never passes on a
        comparison of nothing."""
        wanted = set(fail_on)
        if wanted and not self.compared:
            return True
        tripping = {REPLACEMENT} if wanted else set()
        if "may-replace" in wanted:
            tripping.add(MAY_REPLACE)
        if "removal" in wanted:
            tripping.add(REMOVED)
        if "any" in wanted and self.changed:
            return True
        return any(resource.bucket in tripping for resource in self.resources)

def renews(resource_type: str, effect: str, reason: str) -> bool:
    """Whether an update gives the resource a new physical ID (what references it then changes too)."""
    return effect == REPLACEMENT or (resource_type == TASK_DEFINITION and reason.startswith(REVISION))
