"""What a template set deploys, in the security model's terms: subnets and whether they are public,
security groups and every rule into and out of them, and what runs where (load balancers, cluster
hosts, other instances such as a bastion, Fargate tasks, VPN endpoints)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from generator.cfn.templates import Lit, Param, Res, TemplateSet, Value

WORLD = {"0.0.0.0/0", "::/0"}
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"


@dataclass(frozen=True)
class SgRule:
    declared_by: Res  # the SecurityGroup (inline rule) or the standalone rule resource
    group: Value
    direction: str  # ingress | egress
    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str | None
    peer: Value | None  # the other security group
    prefix_list: bool
    description: str | None
    inline: bool

    @property
    def is_placeholder(self) -> bool:
        """The rule that matches no traffic (icmp to 255.255.255.255/32), used to drop default egress."""
        return self.cidr == "255.255.255.255/32" and self.protocol in ("icmp", "1")

    @property
    def from_world(self) -> bool:
        return self.cidr in WORLD

    def ports(self) -> tuple[int, int] | None:
        if self.from_port is None or self.to_port is None:
            return None
        return self.from_port, self.to_port


@dataclass(frozen=True)
class Listener:
    ref: Res
    port: int | None
    protocol: str
    ssl_policy: str | None
    redirects_to_https: bool


@dataclass(frozen=True)
class LoadBalancer:
    ref: Res
    internet_facing: bool
    subnets: tuple[Value, ...]
    groups: tuple[Value, ...]
    attributes: dict[str, Any]


@dataclass(frozen=True)
class InstanceGroup:
    """EC2 instances: an auto scaling group (through its launch template) or a single instance."""

    ref: Res
    launch_template: Res | None
    subnets: tuple[Value, ...]
    groups: tuple[Value, ...]
    public_ip: bool
    in_cluster: bool


@dataclass(frozen=True)
class TaskPlacement:
    """An ECS service's awsvpc placement (Fargate, or EC2 in awsvpc mode)."""

    ref: Res
    subnets: tuple[Value, ...]
    groups: tuple[Value, ...]
    public_ip: bool
    fargate: bool


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _literal_text(values: list[Value]) -> str | None:
    return str(values[0].value) if len(values) == 1 and isinstance(values[0], Lit) else None


class Facts:
    """What a set's resources amount to, each worked out on first use."""

    def __init__(self, templates: TemplateSet) -> None:
        self.set = templates

    @classmethod
    def of(cls, templates: TemplateSet) -> Facts:
        """The set's facts, worked out once per set and shared by everything that asks (the audit, the
        quota on rules per group, the diagram): they are kept with the set."""
        found = templates.derived.get(cls)
        if found is None:
            found = templates.derived[cls] = cls(templates)
        return found

    def one(self, file: str, value: Any) -> Value | None:
        values = self.set.resolve(file, value)
        return values[0] if len(values) == 1 else None

    def many(self, file: str, value: Any) -> tuple[Value, ...]:
        return tuple(self.set.resolve(file, value)) if value is not None else ()

    # --- subnets ----------------------------------------------------------------------------------

    @cached_property
    def _public_route_tables(self) -> set[Res]:
        public = set()
        for ref, properties in self.set.each("AWS::EC2::Route"):
            if properties.get("DestinationCidrBlock") != "0.0.0.0/0" or "GatewayId" not in properties:
                continue
            gateway = self.one(ref.file, properties["GatewayId"])
            is_igw = self.set.kind(gateway) == "AWS::EC2::InternetGateway" if gateway else False
            is_igw = is_igw or (isinstance(gateway, Lit) and str(gateway.value).startswith("igw-"))
            table = self.one(ref.file, properties.get("RouteTableId"))
            if is_igw and isinstance(table, Res):
                public.add(table)
        return public

    @cached_property
    def _subnet_tables(self) -> dict[Res, Res]:
        tables = {}
        for ref, properties in self.set.each("AWS::EC2::SubnetRouteTableAssociation"):
            subnet = self.one(ref.file, properties.get("SubnetId"))
            table = self.one(ref.file, properties.get("RouteTableId"))
            if isinstance(subnet, Res) and isinstance(table, Res):
                tables[subnet] = table
        return tables

    def subnet_zone(self, subnet: Value) -> str:
        """public (routed to an internet gateway), private, or unknown (an outside input)."""
        if isinstance(subnet, Res) and self.set.kind(subnet) == "AWS::EC2::Subnet":
            table = self._subnet_tables.get(subnet)
            return "public" if table in self._public_route_tables else "private"
        if isinstance(subnet, Param):
            # A standalone template takes its subnets from outside; trust the name it gives them.
            lowered = subnet.name.lower()
            if "public" in lowered:
                return "public"
            if "private" in lowered:
                return "private"
        return "unknown"

    # --- security groups --------------------------------------------------------------------------

    @cached_property
    def security_groups(self) -> list[Res]:
        return [ref for ref, _ in self.set.each("AWS::EC2::SecurityGroup")]

    @cached_property
    def rules(self) -> list[SgRule]:
        found: list[SgRule] = []
        for ref, properties in self.set.each("AWS::EC2::SecurityGroup"):
            for direction, key in (("ingress", "SecurityGroupIngress"), ("egress", "SecurityGroupEgress")):
                entries = properties.get(key) or []
                for entry in entries if isinstance(entries, list) else []:
                    if isinstance(entry, dict):
                        found.append(self._rule(ref, ref, direction, entry, inline=True))
        for kind, direction in (("AWS::EC2::SecurityGroupIngress", "ingress"),
                                ("AWS::EC2::SecurityGroupEgress", "egress")):
            for ref, properties in self.set.each(kind):
                group = self.one(ref.file, properties.get("GroupId") or properties.get("GroupName"))
                found.append(self._rule(ref, group or Param(ref.file, "?"), direction, properties, inline=False))
        return found

    def _rule(self, declared_by: Res, group: Value, direction: str, entry: dict[str, Any], inline: bool) -> SgRule:
        file = declared_by.file
        peer_key = "SourceSecurityGroupId" if direction == "ingress" else "DestinationSecurityGroupId"
        cidr = None
        for key in ("CidrIp", "CidrIpv6"):
            if key in entry:
                cidr = _literal_text(self.set.resolve(file, entry[key])) or "(computed)"
        description = entry.get("Description")
        return SgRule(
            declared_by=declared_by,
            group=group,
            direction=direction,
            protocol=str(entry.get("IpProtocol", "")).lower(),
            from_port=_int(entry.get("FromPort")),
            to_port=_int(entry.get("ToPort")),
            cidr=cidr,
            peer=self.one(file, entry[peer_key]) if peer_key in entry else None,
            prefix_list=any(k in entry for k in ("SourcePrefixListId", "DestinationPrefixListId")),
            description=description if isinstance(description, str) and description.strip() else None,
            inline=inline,
        )

    @cached_property
    def _rules_by_group(self) -> dict[tuple[Value, str], list[SgRule]]:
        index: dict[tuple[Value, str], list[SgRule]] = {}
        for rule in self.rules:
            index.setdefault((rule.group, rule.direction), []).append(rule)
        return index

    def rules_of(self, group: Value, direction: str) -> list[SgRule]:
        return list(self._rules_by_group.get((group, direction), []))

    # --- what runs where --------------------------------------------------------------------------

    @cached_property
    def load_balancers(self) -> list[LoadBalancer]:
        found = []
        for ref, properties in self.set.each("AWS::ElasticLoadBalancingV2::LoadBalancer"):
            if properties.get("Type", "application") != "application":
                continue
            subnets = self.many(ref.file, properties.get("Subnets"))
            for mapping in properties.get("SubnetMappings") or []:
                if isinstance(mapping, dict):
                    subnets += self.many(ref.file, mapping.get("SubnetId"))
            attributes = {}
            for attribute in properties.get("LoadBalancerAttributes") or []:
                if isinstance(attribute, dict) and "Key" in attribute:
                    values = self.set.resolve(ref.file, attribute.get("Value"))
                    attributes[str(attribute["Key"])] = _literal_text(values)
            found.append(LoadBalancer(
                ref=ref,
                internet_facing=properties.get("Scheme", "internet-facing") == "internet-facing",
                subnets=subnets,
                groups=self.many(ref.file, properties.get("SecurityGroups")),
                attributes=attributes,
            ))
        return found

    @cached_property
    def _listeners_by_balancer(self) -> dict[Value | None, list[Listener]]:
        index: dict[Value | None, list[Listener]] = {}
        for ref, properties in self.set.each("AWS::ElasticLoadBalancingV2::Listener"):
            # Listener rules act like extra default actions: one that forwards makes the listener forward.
            actions = [a for a in properties.get("DefaultActions") or [] if isinstance(a, dict)]
            actions += [a for rule in self._listener_rules.get(ref, []) for a in rule if isinstance(a, dict)]
            redirects = bool(actions) and all(
                a.get("Type") == "redirect" and str((a.get("RedirectConfig") or {}).get("Protocol")) == "HTTPS"
                for a in actions
            )
            policy = properties.get("SslPolicy")
            index.setdefault(self.one(ref.file, properties.get("LoadBalancerArn")), []).append(
                Listener(ref, _int(properties.get("Port")), str(properties.get("Protocol", "")).upper(),
                         policy if isinstance(policy, str) else None, redirects))
        return index

    def listeners_of(self, balancer: LoadBalancer) -> list[Listener]:
        return list(self._listeners_by_balancer.get(balancer.ref, []))

    @cached_property
    def _listener_rules(self) -> dict[Value, list[list[Any]]]:
        """The actions of every AWS::ElasticLoadBalancingV2::ListenerRule, by the listener it belongs to."""
        found: dict[Value, list[list[Any]]] = {}
        for ref, properties in self.set.each("AWS::ElasticLoadBalancingV2::ListenerRule"):
            listener = self.one(ref.file, properties.get("ListenerArn"))
            actions = properties.get("Actions")
            if listener is not None and isinstance(actions, list):
                found.setdefault(listener, []).append(actions)
        return found

    @cached_property
    def _cluster_auto_scaling_groups(self) -> set[Res]:
        groups = set()
        for ref, properties in self.set.each("AWS::ECS::CapacityProvider"):
            provider = properties.get("AutoScalingGroupProvider") or {}
            target = self.one(ref.file, provider.get("AutoScalingGroupArn")) if isinstance(provider, dict) else None
            if isinstance(target, Res):
                groups.add(target)
        return groups

    @cached_property
    def instance_groups(self) -> list[InstanceGroup]:
        found = []
        for ref, properties in self.set.each("AWS::AutoScaling::AutoScalingGroup"):
            spec = properties.get("LaunchTemplate") or (properties.get("MixedInstancesPolicy") or {}).get(
                "LaunchTemplate", {}).get("LaunchTemplateSpecification") or {}
            template = self.one(ref.file, spec.get("LaunchTemplateId") or spec.get("LaunchTemplateName")) \
                if isinstance(spec, dict) else None
            template = template if isinstance(template, Res) else None
            data = self._launch_data(template)
            groups, public_ip = self._interfaces(template.file if template else ref.file, data)
            configuration = self.one(ref.file, properties.get("LaunchConfigurationName"))
            if isinstance(configuration, Res) and self.set.kind(configuration) == LAUNCH_CONFIGURATION:
                # Deprecated (SEC803), but its hosts are still hosts: their groups keep their roles.
                data = self.set.properties(configuration)
                groups = self.many(configuration.file, data.get("SecurityGroups"))
                public_ip = str(data.get("AssociatePublicIpAddress")).lower() == "true"
            in_cluster = ref in self._cluster_auto_scaling_groups or "ECS_CLUSTER" in str(data.get("UserData", ""))
            found.append(InstanceGroup(ref, template, self.many(ref.file, properties.get("VPCZoneIdentifier")),
                                       groups, public_ip, in_cluster))
        for ref, properties in self.set.each("AWS::EC2::Instance"):
            groups, public_ip = self._interfaces(ref.file, properties)
            subnets = self.many(ref.file, properties.get("SubnetId"))
            for interface in properties.get("NetworkInterfaces") or []:
                if isinstance(interface, dict):
                    subnets += self.many(ref.file, interface.get("SubnetId"))
            found.append(InstanceGroup(ref, None, subnets, groups, public_ip,
                                       "ECS_CLUSTER" in str(properties.get("UserData", ""))))
        return found

    def _launch_data(self, template: Res | None) -> dict[str, Any]:
        if template is None:
            return {}
        data = self.set.properties(template).get("LaunchTemplateData") or {}
        return data if isinstance(data, dict) else {}

    def _interfaces(self, file: str, data: dict[str, Any]) -> tuple[tuple[Value, ...], bool]:
        groups = self.many(file, data.get("SecurityGroupIds")) + self.many(file, data.get("SecurityGroups"))
        public_ip = False
        for interface in data.get("NetworkInterfaces") or []:
            if not isinstance(interface, dict):
                continue
            groups += self.many(file, interface.get("Groups") or interface.get("GroupSet"))  # template, instance
            if str(interface.get("AssociatePublicIpAddress")).lower() == "true":
                public_ip = True
        return groups, public_ip

    @cached_property
    def task_placements(self) -> list[TaskPlacement]:
        found = []
        for ref, properties in self.set.each("AWS::ECS::Service"):
            network = (properties.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration") or {}
            strategy = properties.get("CapacityProviderStrategy") or []
            fargate = properties.get("LaunchType") == "FARGATE" or any(
                isinstance(item, dict) and str(item.get("CapacityProvider", "")).startswith("FARGATE")
                for item in strategy
            )
            if not network and not fargate:
                continue
            found.append(TaskPlacement(
                ref=ref,
                subnets=self.many(ref.file, network.get("Subnets")),
                groups=self.many(ref.file, network.get("SecurityGroups")),
                public_ip=str(network.get("AssignPublicIp", "DISABLED")).upper() == "ENABLED",
                fargate=fargate,
            ))
        return found

    # --- roles of security groups -----------------------------------------------------------------

    @cached_property
    def group_roles(self) -> dict[Value, set[str]]:
        roles: dict[Value, set[str]] = {}

        def mark(groups: tuple[Value, ...], role: str) -> None:
            for group in groups:
                roles.setdefault(group, set()).add(role)

        for balancer in self.load_balancers:
            mark(balancer.groups, "public-load-balancer" if balancer.internet_facing else "internal-load-balancer")
        for group in self.instance_groups:
            mark(group.groups, "hosts" if group.in_cluster else "bastion")
        for placement in self.task_placements:
            mark(placement.groups, "tasks")
        for ref, properties in self.set.each("AWS::EC2::ClientVpnEndpoint"):
            mark(self.many(ref.file, properties.get("SecurityGroupIds")), "vpn")
        for ref, properties in self.set.each("AWS::EC2::VPCEndpoint"):
            mark(self.many(ref.file, properties.get("SecurityGroupIds")), "endpoint")
        return roles

    def groups_with(self, role: str) -> set[Value]:
        return {group for group, roles in self.group_roles.items() if role in roles}
