"""The network half of a set's facts: subnets and whether they are public (by their routes), and security
groups with every rule into and out of them, "the internet" judged over the rules of a group or of the
groups one interface carries at once. `Facts` (facts.py) adds what runs where and the roles of groups.

Values are read through `TemplateSet.resolve`, so a property may have several (each `Fn::If` branch,
each allowed value): a fact holds if any of them makes it hold. A security-relevant value that resolves
to nothing the audit can judge goes to `unverified`, reported as "cannot verify", never passed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from generator.cfn import cidrs
from generator.cfn.declared_network import DeclaredNetwork, declared_network
from generator.cfn.templates import Lit, Opaque, Param, Res, TemplateSet, Value
from generator.cfn.values import may_be_absent

WORLD = {"0.0.0.0/0", "::/0"}
COMPUTED = "(computed)"
# Where instances launched without subnets land: the default VPC, whose subnets are public.
DEFAULT_VPC = Opaque("the default VPC")


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


def to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def describe(value: Value) -> str:
    if isinstance(value, Param):
        return f"the parameter {value.name}, which may take any value"
    if isinstance(value, Opaque):
        return f"computed at deploy time ({value.text})"
    return f"the resource {value.id}" if isinstance(value, Res) else repr(value.value)


class NetworkFacts:
    """Subnets, routes and security group rules, each worked out on first use."""

    def __init__(self, templates: TemplateSet) -> None:
        self.set = templates
        # (resource, what cannot be verified about it), in the order found
        self.unverified: dict[tuple[Res, str], None] = {}
        for stack in templates.unfollowed:
            self.cannot_verify(stack, "its template is not in the set (or its TemplateURL does not name one): "
                               "audit the nested template with its parent")

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
            if isinstance(item, Opaque) or (isinstance(item, Lit | Res) and what == "subnets" and
                                            self.subnet_zone(item) == "unknown"):
                self.cannot_verify(ref, f"its {what} are {describe(item)}")
            elif isinstance(item, Param) and what == "subnets" and self.subnet_zone(item) == "unknown":
                self.cannot_verify(ref, f"its {what} are {describe(item)} (its name says neither public nor private)")
        return found

    # --- an existing network, as the blueprint declared it -------------------------------------------

    @cached_property
    def declarations(self) -> list[tuple[str, DeclaredNetwork]]:
        """The templates of the set that declare an existing network (a root on `network.vpc_id`), each
        narrowed to what the trust is for: inputs from outside the set. A template another one nests is no
        root (its parameters carry what its parent passes, which the set shows), and a declared name that is
        not one of the root's own parameters (a subnet resource, say) is no input: both are ignored, so a
        declaration can never make a subnet the set routes to the internet count as private."""
        found = []
        for name, template in self.set.templates.items():
            declared = declared_network(template.data)
            if declared is None or name in self.set.parents:
                continue
            inputs = template.parameters
            subnets = {key: zone for key, zone in declared.subnets.items() if key in inputs}
            cidr = declared.cidr if declared.cidr in inputs else None
            found.append((name, replace(declared, subnets=subnets, cidr=cidr)))
        return found

    @cached_property
    def _declared_zones(self) -> dict[Value, str]:
        """Subnets taken at the blueprint's word: the declared parameters and every value they may take.
        The one declaration the audit trusts (SEC1401 says so); `blueprint deploy` checks their routes."""
        zones: dict[Value, str] = {}
        for file, declared in self.declarations:
            for name, zone in declared.subnets.items():
                zones.setdefault(Param(file, name), zone)
                for value in self.set.resolve(file, {"Ref": name}):
                    zones.setdefault(value, zone)
        return zones

    def declared_vpc_block(self, value: Value) -> bool:
        """Whether `value` is the declared parameter holding an existing VPC's own block."""
        return isinstance(value, Param) and any(
            value == Param(file, declared.cidr) for file, declared in self.declarations if declared.cidr)

    # --- subnets ----------------------------------------------------------------------------------

    @property
    def public_route_tables(self) -> set[Res]:
        return set(self._public_route_tables)

    @cached_property
    def _public_route_tables(self) -> set[Res]:
        """Route tables that send the internet (in one route or several, by CIDR or prefix list) to an
        internet gateway; a route whose gateway cannot be told is unverified."""
        to_gateway: dict[Res, list[str]] = {}
        for ref, properties in self.set.each("AWS::EC2::Route"):
            if "GatewayId" not in properties:
                continue
            gateways = self.many(ref.file, properties["GatewayId"])
            for gateway in gateways:
                if isinstance(gateway, Param | Opaque) or (isinstance(gateway, Res) and self.set.kind(gateway) not in
                                                           ("AWS::EC2::InternetGateway", "AWS::EC2::VPNGateway")):
                    self.cannot_verify(ref, f"its gateway is {describe(gateway)}")
            if not any(self.set.kind(g) == "AWS::EC2::InternetGateway" or
                       (isinstance(g, Lit) and str(g.value).startswith("igw-")) for g in gateways):
                continue
            destinations = self.texts(ref, properties.get("DestinationCidrBlock") or
                                      properties.get("DestinationIpv6CidrBlock"), "the route's destination") \
                if "DestinationPrefixListId" not in properties else set()
            listed = properties.get("DestinationPrefixListId")
            for value in self.set.resolve(ref.file, listed) if listed is not None else []:
                destinations.update(cidr for cidr in self._prefix_list(ref, value, "route") if cidr is not None)
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
        declared = self._declared_zones.get(subnet)
        if declared is not None and not (isinstance(subnet, Res) and self.set.kind(subnet) == "AWS::EC2::Subnet"):
            return declared  # a subnet of the set is judged by its routes, whatever a declaration says
        if isinstance(subnet, Res) and self.set.kind(subnet) == "AWS::EC2::Subnet":
            public = self._subnet_tables.get(subnet, set()) & self._public_route_tables
            return "public" if public or self.set.properties(subnet).get("MapPublicIpOnLaunch") is True \
                else "private"
        if subnet == DEFAULT_VPC:
            return "public"
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
        ends = [sorted(p for p in map(to_int, self.texts(declared_by, entry.get(key), key)) if p is not None)
                for key in ("FromPort", "ToPort")]
        targets: list[tuple[str | None, Value | None, bool]] = []
        for key in ("CidrIp", "CidrIpv6"):
            for value in self.set.resolve(file, entry[key]) if key in entry else []:
                if isinstance(value, Lit):
                    targets.append((str(value.value), None, False))
                    continue
                if self.set.kind(value) not in ("AWS::EC2::VPC", "AWS::EC2::Subnet") and \
                        not self.declared_vpc_block(value):  # the VPC's own range
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
        description = self._description(file, entry.get("Description"))
        protocols = {p.lower() for p in self.texts(declared_by, entry.get("IpProtocol"), "IpProtocol", "")}
        return [SgRule(
            declared_by=declared_by, group=group, direction=direction, protocol=protocol,
            from_port=ends[0][0] if ends[0] else None, to_port=ends[1][-1] if ends[1] else None,
            cidr=cidr, peer=peer, prefix_list=prefix_list,
            description=description,
            inline=inline,
        ) for protocol in sorted(protocols) or [""] for cidr, peer, prefix_list in targets or [(None, None, False)]]

    def _description(self, file: str, value: Any) -> str | None:
        """A rule's Description, however written (an `Fn::Sub` is text); None where it is, or may be, absent."""
        texts = [str(item.value) if isinstance(item, Lit) else item.text if isinstance(item, Opaque) else "?"
                 for item in self.set.resolve(file, value)] if value is not None else []
        return texts[0] if texts and all(text.strip() for text in texts) and not may_be_absent(value) else None

    def _prefix_list(self, ref: Res, value: Value, direction: str) -> list[str | None]:
        """The CIDRs of a prefix list declared in the set; one from outside cannot be verified, except as the
        destination of egress written as a literal id (a blueprint's declared destination, SPEC 5.11)."""
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
        """Those of `rules` that, alone or together, admit the internet (cidrs.py: by size). Together means
        on one group and direction, or on the groups one network interface carries at once (a load balancer's,
        a host's, a task's): traffic any of them admits reaches it."""
        by_group: dict[tuple[Value, str], set[str]] = {}
        for rule in rules:
            if rule.cidr is not None and rule.cidr != COMPUTED:
                by_group.setdefault((rule.group, rule.direction), set()).add(rule.cidr)
        world: set[tuple[Value, str, str]] = set()
        for (group, direction), found in by_group.items():
            world.update((group, direction, cidr) for cidr in cidrs.internet_parts(found))
        for carried in self._carried_together:
            for direction in ("ingress", "egress"):
                union = {group: by_group.get((group, direction), set()) for group in carried}
                parts = cidrs.internet_parts(set().union(*union.values()))
                world.update((group, direction, cidr) for group, found in union.items() for cidr in found & parts)
        return [rule for rule in rules if (rule.group, rule.direction, rule.cidr) in world]

    @cached_property
    def _rules_by_group(self) -> dict[tuple[Value, str], list[SgRule]]:
        index: dict[tuple[Value, str], list[SgRule]] = {}
        for rule in self.rules:
            index.setdefault((rule.group, rule.direction), []).append(rule)
        return index

    def rules_of(self, group: Value, direction: str) -> list[SgRule]:
        return list(self._rules_by_group.get((group, direction), []))

    @cached_property
    def _carried_together(self) -> set[tuple[Value, ...]]:
        """The security groups that something carries at once, where there are several (see Facts)."""
        return set()
