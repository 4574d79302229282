"""What a template set deploys, in the security model's terms: subnets and whether they are public, security
groups and every rule into and out of them, what runs where (load balancers, hosts, a bastion, tasks, VPNs).

Values are read through `TemplateSet.resolve`, so a property may have several (each `Fn::If` branch,
each allowed value): a fact holds if any of them makes it hold. A security-relevant value that resolves
to nothing the audit can judge goes to `unverified`, reported as "cannot verify", never passed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from generator.cfn import cidrs, policies
from generator.cfn.launches import LaunchSettings, launch_settings, user_data_text
from generator.cfn.policies import Statement
from generator.cfn.templates import Lit, Opaque, Param, Res, TemplateSet, Value

WORLD = {"0.0.0.0/0", "::/0"}
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"
COMPUTED = "(computed)"
# Types that run hosts, tasks or listeners, or open network paths, that the facts do not read: a set
# holding one cannot be verified.
UNREAD = ("AWS::Batch::ComputeEnvironment", "AWS::EKS::Nodegroup", "AWS::EKS::Cluster",
          "AWS::ElasticLoadBalancing::LoadBalancer", "AWS::ElasticBeanstalk::Environment", "AWS::OpsWorks::Instance",
          "AWS::EMR::Cluster", "AWS::EC2::NetworkInterface", "AWS::EC2::VPCPeeringConnection",
          "AWS::Lightsail::Instance", "AWS::EC2::TransitGatewayAttachment", "AWS::EC2::NetworkInterfaceAttachment")


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
    world: bool = False  # its CIDR is, alone or with the group's other rules, the whole internet

    @property
    def is_placeholder(self) -> bool:
        """The rule that matches no traffic (icmp to 255.255.255.255/32), used to drop default egress."""
        return self.cidr == "255.255.255.255/32" and self.protocol in ("icmp", "1")

    @property
    def from_world(self) -> bool:
        return self.world

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
    internet_facing: bool  # it is, or may be (a parameter allowing it): judged as internet-facing
    subnets: tuple[Value, ...]
    groups: tuple[Value, ...]
    attributes: dict[str, Any]
    may_be_internal: bool = False


@dataclass(frozen=True)
class InstanceGroup:
    """EC2 instances: an auto scaling group or fleet (through its launch template) or a single instance."""

    ref: Res
    launch_template: Res | None
    subnets: tuple[Value, ...]
    groups: tuple[Value, ...]
    public_ip: bool
    in_cluster: bool


@dataclass(frozen=True)
class TaskPlacement:
    """An ECS service's or task set's awsvpc placement (Fargate, or EC2 in awsvpc mode)."""

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


def describe(value: Value) -> str:
    if isinstance(value, Param):
        return f"the parameter {value.name}, which may take any value"
    if isinstance(value, Opaque):
        return f"computed at deploy time ({value.text})"
    return f"the resource {value.id}" if isinstance(value, Res) else repr(value.value)


class Facts:
    """What a set's resources amount to, each worked out on first use."""

    def __init__(self, templates: TemplateSet) -> None:
        self.set = templates
        # (resource, what cannot be verified about it), in the order found
        self.unverified: dict[tuple[Res, str], None] = {}

    @classmethod
    def of(cls, templates: TemplateSet) -> Facts:
        """The set's facts, worked out once per set and shared by everything that asks (the audit, the
        quota on rules per group, the diagram): they are kept with the set."""
        found = templates.derived.get(cls)
        if found is None:
            found = templates.derived[cls] = cls(templates)
        return found

    def one(self, file: str, value: Any) -> Value | None:
        values = list(dict.fromkeys(self.set.resolve(file, value)))
        return values[0] if len(values) == 1 else None

    def many(self, file: str, value: Any) -> tuple[Value, ...]:
        return tuple(dict.fromkeys(self.set.resolve(file, value))) if value is not None else ()

    def cannot_verify(self, ref: Res, what: str) -> None:
        self.unverified.setdefault((ref, what), None)

    def texts(self, ref: Res, value: Any, what: str, default: str | None = None) -> set[str]:
        """Every literal `value` may be (`default` when it is absent); anything else is unverified."""
        found = set()
        resolved = self.set.resolve(ref.file, value) if value is not None else []
        for item in resolved:
            if isinstance(item, Lit) and not isinstance(item.value, dict | list):
                found.add(str(item.value))
            else:
                self.cannot_verify(ref, f"{what} is {describe(item)}")
        return found if resolved or default is None else {default}

    def may_be_true(self, ref: Res, value: Any, what: str) -> bool:
        return "true" in {text.lower() for text in self.texts(ref, value, what, "false")}

    def placed(self, ref: Res, value: Any, what: str) -> tuple[Value, ...]:
        """Subnets (or groups) something is placed in; one the audit cannot place is unverified."""
        found = self.many(ref.file, value)
        for item in found:
            if isinstance(item, Opaque) or (isinstance(item, Lit) and what == "subnets" and
                                            self.subnet_zone(item) == "unknown"):
                self.cannot_verify(ref, f"its {what} are {describe(item)}")
            elif isinstance(item, Param) and what == "subnets" and self.subnet_zone(item) == "unknown":
                self.cannot_verify(ref, f"its {what} are {describe(item)} (its name says neither public nor private)")
        return found

    # --- subnets ----------------------------------------------------------------------------------

    @cached_property
    def _public_route_tables(self) -> set[Res]:
        """Route tables that send the whole internet (in one route or several) to an internet gateway."""
        to_gateway: dict[Res, list[str]] = {}
        for ref, properties in self.set.each("AWS::EC2::Route"):
            if "GatewayId" not in properties:
                continue
            gateways = self.many(ref.file, properties["GatewayId"])
            if not any(self.set.kind(g) == "AWS::EC2::InternetGateway" or
                       (isinstance(g, Lit) and str(g.value).startswith("igw-")) for g in gateways):
                continue
            destinations = self.texts(ref, properties.get("DestinationCidrBlock") or
                                      properties.get("DestinationIpv6CidrBlock"), "the route's destination")
            for table in self.many(ref.file, properties.get("RouteTableId")):
                if isinstance(table, Res):
                    to_gateway.setdefault(table, []).extend(destinations)
        return {table for table, destinations in to_gateway.items() if cidrs.covers_internet(destinations)}

    @cached_property
    def _subnet_tables(self) -> dict[Res, set[Res]]:
        tables: dict[Res, set[Res]] = {}
        for ref, properties in self.set.each("AWS::EC2::SubnetRouteTableAssociation"):
            for subnet in self.many(ref.file, properties.get("SubnetId")):
                for table in self.many(ref.file, properties.get("RouteTableId")):
                    if isinstance(subnet, Res) and isinstance(table, Res):
                        tables.setdefault(subnet, set()).add(table)
        return tables

    def subnet_zone(self, subnet: Value) -> str:
        """public (routed to an internet gateway), private, or unknown (an outside input)."""
        if isinstance(subnet, Res) and self.set.kind(subnet) == "AWS::EC2::Subnet":
            public = self._subnet_tables.get(subnet, set()) & self._public_route_tables
            return "public" if public or self.set.properties(subnet).get("MapPublicIpOnLaunch") is True \
                else "private"
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
                for entries in self.set.branches(ref.file, properties.get(key) or []):
                    for entry in entries if isinstance(entries, list) else []:
                        if isinstance(entry, dict):
                            found += self._rule(ref, ref, direction, entry, inline=True)
        for kind, direction in (("AWS::EC2::SecurityGroupIngress", "ingress"),
                                ("AWS::EC2::SecurityGroupEgress", "egress")):
            for ref, properties in self.set.each(kind):
                groups = self.many(ref.file, properties.get("GroupId") or properties.get("GroupName"))
                for group in groups or (Param(ref.file, "?"),):
                    if isinstance(group, Opaque):
                        self.cannot_verify(ref, f"the group it opens is {describe(group)}")
                    found += self._rule(ref, group, direction, properties, inline=False)
        return self._mark_world(list(dict.fromkeys(found)))

    def _rule(self, declared_by: Res, group: Value, direction: str, entry: dict[str, Any],
              inline: bool) -> list[SgRule]:
        """One rule per value its protocol, CIDR, prefix-list entry or peer group may take."""
        file = declared_by.file
        ends = [sorted(p for p in map(_int, self.texts(declared_by, entry.get(key), key)) if p is not None)
                for key in ("FromPort", "ToPort")]
        targets: list[tuple[str | None, Value | None, bool]] = []
        for key in ("CidrIp", "CidrIpv6"):
            for value in self.set.resolve(file, entry[key]) if key in entry else []:
                if isinstance(value, Lit):
                    targets.append((str(value.value), None, False))
                    continue
                if self.set.kind(value) not in ("AWS::EC2::VPC", "AWS::EC2::Subnet"):  # the VPC's own range
                    self.cannot_verify(declared_by, f"its {key} is {describe(value)}")
                targets.append((COMPUTED, None, False))
        for key in ("SourcePrefixListId", "DestinationPrefixListId"):
            for value in self.set.resolve(file, entry[key]) if key in entry else []:
                targets += [(cidr, None, True) for cidr in self._prefix_list(declared_by, value, direction)]
        peer_keys = ("SourceSecurityGroupId", "SourceSecurityGroupName") if direction == "ingress" else \
            ("DestinationSecurityGroupId",)
        for key in peer_keys:
            for peer in self.many(file, entry[key]) if key in entry else ():
                if isinstance(peer, Opaque):
                    self.cannot_verify(declared_by, f"its peer group is {describe(peer)}")
                targets.append((None, peer, False))
        description = entry.get("Description")
        protocols = {p.lower() for p in self.texts(declared_by, entry.get("IpProtocol"), "IpProtocol", "")}
        return [SgRule(
            declared_by=declared_by, group=group, direction=direction, protocol=protocol,
            from_port=ends[0][0] if ends[0] else None, to_port=ends[1][-1] if ends[1] else None,
            cidr=cidr, peer=peer, prefix_list=prefix_list,
            description=description if isinstance(description, str) and description.strip() else None,
            inline=inline,
        ) for protocol in sorted(protocols) or [""] for cidr, peer, prefix_list in targets or [(None, None, False)]]

    def _prefix_list(self, ref: Res, value: Value, direction: str) -> list[str | None]:
        """The CIDRs of a prefix list declared in the set; one from outside cannot be verified (egress to an id can)."""
        if self.set.kind(value) != "AWS::EC2::PrefixList" or not isinstance(value, Res):
            if not (direction == "egress" and isinstance(value, Lit) and str(value.value).startswith("pl-")):
                self.cannot_verify(ref, f"its prefix list is {describe(value)}, not declared in the set")
            return [None]
        entries = self.set.branches(value.file, self.set.properties(value).get("Entries") or [])
        found = [text for options in entries if isinstance(options, list) for entry in options
                 if isinstance(entry, dict) for text in self.texts(value, entry.get("Cidr"), "a prefix-list entry")]
        return list(found) or [None]

    def _mark_world(self, rules: list[SgRule]) -> list[SgRule]:
        world = set(self.world_rules(rules))
        return [replace(rule, world=True) if rule in world else rule for rule in rules]

    def world_rules(self, rules: list[SgRule]) -> list[SgRule]:
        """Those of `rules` that, alone or together per group and direction, admit the whole internet."""
        by_group: dict[tuple[Value, str], set[str]] = {}
        for rule in rules:
            if rule.cidr is not None and rule.cidr != COMPUTED:
                by_group.setdefault((rule.group, rule.direction), set()).add(rule.cidr)
        world = {key: cidrs.internet_parts(found) for key, found in by_group.items()}
        return [rule for rule in rules if rule.cidr in world.get((rule.group, rule.direction), ())]

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
            if self.texts(ref, properties.get("Type"), "Type", "application") != {"application"}:
                self.cannot_verify(ref, "a network or gateway load balancer, which the audit does not read")
                continue
            subnets = self.placed(ref, properties.get("Subnets"), "subnets")
            for mappings in self.set.branches(ref.file, properties.get("SubnetMappings") or []):
                for mapping in mappings if isinstance(mappings, list) else []:
                    if isinstance(mapping, dict):
                        subnets += self.placed(ref, mapping.get("SubnetId"), "subnets")
            attributes = {}
            for attribute in properties.get("LoadBalancerAttributes") or []:
                if isinstance(attribute, dict) and "Key" in attribute:
                    values = self.set.resolve(ref.file, attribute.get("Value"))
                    attributes[str(attribute["Key"])] = _literal_text(values)
            schemes = self.texts(ref, properties.get("Scheme"), "Scheme", "internet-facing")
            found.append(LoadBalancer(
                ref=ref,
                internet_facing="internal" not in schemes or "internet-facing" in schemes,
                subnets=tuple(dict.fromkeys(subnets)),
                groups=self.many(ref.file, properties.get("SecurityGroups")),
                attributes=attributes,
                may_be_internal="internal" in schemes,
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
            protocols = {p.upper() for p in self.texts(ref, properties.get("Protocol"), "Protocol", "")}
            policies = self.texts(ref, properties.get("SslPolicy"), "SslPolicy") if "SslPolicy" in properties \
                else set()
            balancers = self.many(ref.file, properties.get("LoadBalancerArn"))
            for balancer in balancers:
                if not isinstance(balancer, Res):
                    self.cannot_verify(ref, f"its load balancer is {describe(balancer)}")
                index.setdefault(balancer, []).extend(
                    Listener(ref, _int(properties.get("Port")), protocol, policy, redirects)
                    for protocol in sorted(protocols) for policy in sorted(policies) or [None])
        return index

    def listeners_of(self, balancer: LoadBalancer) -> list[Listener]:
        return list(self._listeners_by_balancer.get(balancer.ref, []))

    @cached_property
    def _listener_rules(self) -> dict[Value, list[list[Any]]]:
        """The actions of every AWS::ElasticLoadBalancingV2::ListenerRule, by the listener it belongs to."""
        found: dict[Value, list[list[Any]]] = {}
        for ref, properties in self.set.each("AWS::ElasticLoadBalancingV2::ListenerRule"):
            actions = properties.get("Actions")
            for listener in self.many(ref.file, properties.get("ListenerArn")):
                if isinstance(actions, list):
                    found.setdefault(listener, []).append(actions)
        return found

    @cached_property
    def _cluster_auto_scaling_groups(self) -> set[Res]:
        groups = set()
        for ref, properties in self.set.each("AWS::ECS::CapacityProvider"):
            provider = properties.get("AutoScalingGroupProvider") or {}
            targets = self.many(ref.file, provider.get("AutoScalingGroupArn")) if isinstance(provider, dict) else ()
            groups.update(target for target in targets if isinstance(target, Res))
        return groups

    @cached_property
    def _with_elastic_ip(self) -> set[Value]:
        return {instance for kind in ("AWS::EC2::EIP", "AWS::EC2::EIPAssociation")
                for ref, properties in self.set.each(kind)
                for instance in self.many(ref.file, properties.get("InstanceId"))}

    @cached_property
    def launches(self) -> list[LaunchSettings]:
        """Every place launch settings are declared: launch templates, instances, fleets' specifications."""
        return launch_settings(self)

    @cached_property
    def instance_groups(self) -> list[InstanceGroup]:
        found = []
        for launch in self.launches:
            if launch.owner is None:
                continue
            data = launch.data
            groups, public_ip = self._interfaces(launch.ref, data)
            subnets = launch.subnets
            public_ip = public_ip or launch.owner in self._with_elastic_ip
            configuration = launch.configuration
            if configuration is not None:
                # Deprecated (SEC803), but its hosts are still hosts: their groups keep their roles.
                groups = self.many(configuration.file, data.get("SecurityGroups"))
                public_ip = self.may_be_true(configuration, data.get("AssociatePublicIpAddress"),
                                             "AssociatePublicIpAddress")
            in_cluster = launch.owner in self._cluster_auto_scaling_groups or \
                "ECS_CLUSTER" in user_data_text(self.set, launch.ref.file, data.get("UserData"))
            template = launch.ref if launch.kind == "AWS::EC2::LaunchTemplate" else None
            found.append(InstanceGroup(launch.owner, template, tuple(dict.fromkeys(subnets)), groups, public_ip,
                                       in_cluster))
        return found

    def _interfaces(self, ref: Res, data: dict[str, Any]) -> tuple[tuple[Value, ...], bool]:
        file = ref.file
        groups = self.many(file, data.get("SecurityGroupIds")) + self.many(file, data.get("SecurityGroups"))
        public_ip = False
        for interfaces in self.set.branches(file, data.get("NetworkInterfaces") or []):
            for interface in interfaces if isinstance(interfaces, list) else []:
                if not isinstance(interface, dict):
                    continue
                groups += self.many(file, interface.get("Groups") or interface.get("GroupSet"))
                public_ip |= self.may_be_true(ref, interface.get("AssociatePublicIpAddress"),
                                              "AssociatePublicIpAddress")
        groups = tuple(g.value.get("GroupId") if isinstance(g, Lit) and isinstance(g.value, dict) else g
                       for g in groups)
        return tuple(dict.fromkeys(g for g in groups if g is not None)), public_ip

    @cached_property
    def task_placements(self) -> list[TaskPlacement]:
        found = []
        for kind in ("AWS::ECS::Service", "AWS::ECS::TaskSet"):
            for ref, properties in self.set.each(kind):
                launch_types = self.texts(ref, properties.get("LaunchType"), "LaunchType", "")
                strategy = properties.get("CapacityProviderStrategy") or []
                fargate = "FARGATE" in launch_types or any(
                    isinstance(item, dict) and str(item.get("CapacityProvider", "")).startswith("FARGATE")
                    for item in strategy if isinstance(strategy, list))
                for configuration in self.set.branches(ref.file, properties.get("NetworkConfiguration") or {}):
                    network = configuration.get("AwsvpcConfiguration") if isinstance(configuration, dict) else None
                    for vpc in self.set.branches(ref.file, network or {}):
                        if not isinstance(vpc, dict) or (not vpc and not fargate):
                            continue
                        found.append(TaskPlacement(
                            ref=ref,
                            subnets=self.placed(ref, vpc.get("Subnets"), "subnets"),
                            groups=self.many(ref.file, vpc.get("SecurityGroups")),
                            public_ip="ENABLED" in {text.upper() for text in self.texts(
                                ref, vpc.get("AssignPublicIp"), "AssignPublicIp", "DISABLED")},
                            fargate=fargate,
                        ))
        return found

    @cached_property
    def unread(self) -> list[Res]:
        """Resources of a type that runs compute or opens network paths, and that the facts do not read."""
        return [ref for kind in UNREAD for ref, _ in self.set.each(kind)]

    @cached_property
    def statements(self) -> list[Statement]:
        """Every IAM statement the set grants or trusts with (see policies.py)."""
        return policies.statements(self)

    @cached_property
    def admin_like_policies(self) -> list[tuple[Res, str]]:
        return list(policies.admin_like_policies(self))

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
