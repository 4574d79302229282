"""`blueprint diagram` and ARCHITECTURE.md: who can reach whom, read from the generated templates.

The reachability comes from the security-group graph of the templates (the posture audit's `Facts`),
not from the blueprint, so it shows what will be deployed. A path from A to B on a port exists when
B's group admits A (A's group, or a CIDR A's addresses are in) on that port, and A's group lets the
traffic out (to B's group, or a CIDR that holds B). Outside networks are only ever sources of ingress
and destinations of egress. The Mermaid flowchart draws the same paths, plus the blueprint's
`talks_to` calls where a shared group (the cluster hosts) hides who calls whom.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.blueprint.model import Blueprint
from generator.cfn.facts import WORLD, Facts, SgRule
from generator.cfn.stackfiles import SERVICE, template_kind
from generator.cfn.templates import Lit, Param, Res, TemplateSet, Value

ARCHITECTURE = "ARCHITECTURE.md"
INTERNET = "internet"


@dataclass(frozen=True, order=True)
class Actor:
    """Something that sends or receives traffic: a security group's members, or an outside network."""

    zone: str  # outside | public | private
    label: str
    key: str  # Mermaid node id
    services: tuple[str, ...] = ()  # services running inside (the cluster hosts)


@dataclass(frozen=True, order=True)
class Reach:
    source: Actor
    target: Actor
    ports: str  # "TCP 80", "TCP 32768-60999"
    why: str  # the admitting rule's description
    outbound: bool = False  # towards an outside network


@dataclass(frozen=True)
class _Ports:
    protocol: str
    low: int | None
    high: int | None

    def overlap(self, other: _Ports) -> _Ports | None:
        if self.protocol != other.protocol and "all" not in (self.protocol, other.protocol):
            return None
        protocol = other.protocol if self.protocol == "all" else self.protocol
        if self.low is None or other.low is None:
            return _Ports(protocol, other.low, other.high) if self.low is None else self
        low, high = max(self.low, other.low), min(self.high or self.low, other.high or other.low)
        return _Ports(protocol, low, high) if low <= high else None

    def __str__(self) -> str:
        if self.protocol == "all":
            return "all traffic"
        name = self.protocol.upper()
        if self.low is None:
            return f"{name} all ports"
        return f"{name} {self.low}" if self.low == self.high else f"{name} {self.low}-{self.high}"


PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "-1": "all"}


def _ports(rule: SgRule) -> _Ports:
    protocol = PROTOCOLS.get(rule.protocol, rule.protocol) or "all"
    if protocol == "all":
        return _Ports("all", None, None)
    return _Ports(protocol, rule.from_port, rule.to_port)


class _Graph:
    """The actors of one template set and the rules between their groups."""

    def __init__(self, templates: TemplateSet) -> None:
        self.facts = Facts.of(templates)
        self.vpc_cidr = self._vpc_cidr()
        self.actors: dict[Value, Actor] = {}
        self._name_groups()

    def _vpc_cidr(self) -> ipaddress.IPv4Network | None:
        for _, properties in self.facts.set.each("AWS::EC2::VPC"):
            block = properties.get("CidrBlock")
            if isinstance(block, str):
                try:
                    return ipaddress.IPv4Network(block)
                except ValueError:
                    return None
        return None

    def _name_groups(self) -> None:
        facts = self.facts
        hosted = self.services_on_hosts()
        for balancer in facts.load_balancers:
            service = _service(balancer.ref.file) or balancer.ref.id
            scheme = "public" if balancer.internet_facing else "internal"
            actor = Actor("public" if balancer.internet_facing else "private",
                          f"{service} load balancer ({scheme})", _key("lb", service))
            for group in balancer.groups:
                self.actors.setdefault(group, actor)
        for placement in facts.task_placements:
            service = _service(placement.ref.file) or placement.ref.id
            kind = "Fargate" if placement.fargate else "awsvpc"
            actor = Actor("private", f"{service} tasks ({kind})", _key("tasks", service), (service,))
            for group in placement.groups:
                self.actors.setdefault(group, actor)
        for group in facts.instance_groups:
            if group.in_cluster:
                label = "cluster hosts" + (f" (EC2: {', '.join(hosted)})" if hosted else " (EC2)")
                actor = Actor("private", label, "hosts", tuple(hosted))
            else:
                name = group.ref.id.removesuffix("AutoScalingGroup").removesuffix("Instance") or group.ref.id
                actor = Actor("public" if group.public_ip else "private", name.lower(), _key("instance", name))
            for value in group.groups:
                self.actors.setdefault(value, actor)
        for ref, properties in facts.set.each("AWS::EC2::ClientVpnEndpoint"):
            block = properties.get("ClientCidrBlock")
            label = f"VPN clients ({block})" if isinstance(block, str) else "VPN clients"
            for value in facts.many(ref.file, properties.get("SecurityGroupIds")):
                self.actors.setdefault(value, Actor("outside", label, _key("vpn", ref.id)))
        for ref, properties in facts.set.each("AWS::EC2::VPCEndpoint"):
            for value in facts.many(ref.file, properties.get("SecurityGroupIds")):
                self.actors.setdefault(value, Actor("private", "VPC endpoints", "endpoints"))
        for ref in facts.security_groups:
            self.actors.setdefault(ref, Actor("private", f"members of {ref.id}", _key("group", ref.file, ref.id)))

    def services_on_hosts(self) -> list[str]:
        placed = {placement.ref for placement in self.facts.task_placements}
        return sorted(_service(ref.file) or ref.id for ref, _ in self.facts.set.each("AWS::ECS::Service")
                      if ref not in placed)

    def actor(self, group: Value) -> Actor:
        if group in self.actors:
            return self.actors[group]
        name = group.name if isinstance(group, Param) else str(getattr(group, "value", group))
        return Actor("outside", f"group {name}", _key("group", name))

    def network(self, rule: SgRule) -> tuple[str, str | None]:
        """Where a CIDR rule points: (world | vpc | outside | unknown, the CIDR as written)."""
        cidr = rule.cidr
        if cidr in WORLD:
            return "world", cidr
        if cidr == "(computed)":
            values = self._cidr_values(rule)
            if any(self.facts.set.kind(v) == "AWS::EC2::VPC" for v in values):
                return "vpc", None
            return "unknown", None
        try:
            network = ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            return "unknown", cidr
        if self.vpc_cidr is not None and network.version == 4 and network.overlaps(self.vpc_cidr):
            return "vpc", cidr
        return "outside", cidr

    def _cidr_values(self, rule: SgRule) -> list[Value]:
        if rule.inline:
            return []
        properties = self.facts.set.properties(rule.declared_by)
        key = "CidrIp" if "CidrIp" in properties else "CidrIpv6"
        return self.facts.set.resolve(rule.declared_by.file, properties.get(key))

    def lets_out(self, group: Value, target: Value, ports: _Ports) -> list[_Ports]:
        """The part of `ports` that `group`'s egress rules let through to `target`'s group."""
        rules = [r for r in self.facts.rules_of(group, "egress") if not r.is_placeholder]
        if not self.facts.rules_of(group, "egress") and not isinstance(group, Res):
            return [ports]  # a group from outside the set: its egress is unknown, assume the default (all)
        allowed = []
        for rule in rules:
            if rule.peer is not None:
                reaches = rule.peer == target
            elif rule.cidr is not None:
                reaches = self.network(rule)[0] in ("world", "vpc")
            else:
                reaches = False
            overlap = _ports(rule).overlap(ports) if reaches else None
            if overlap is not None:
                allowed.append(overlap)
        return allowed


def _service(file: str) -> str | None:
    kind, service = template_kind(file.rsplit("/", 1)[-1])
    return service if kind == SERVICE else None


def _key(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]+", "_", part).strip("_") for part in parts)


def _outside(label: str) -> Actor:
    if label in WORLD:
        return Actor("outside", INTERNET, INTERNET)
    return Actor("outside", label, _key("net", label))


def reachability(templates: TemplateSet) -> list[Reach]:
    """Every path the security groups of `templates` open, merged per (from, to), sorted."""
    graph = _Graph(templates)
    facts = graph.facts
    found: dict[tuple[Actor, Actor, bool], dict[str, set[str]]] = {}

    def add(source: Actor, target: Actor, ports: Iterable[_Ports], why: str | None, outbound: bool = False) -> None:
        if source == target:
            return
        entry = found.setdefault((source, target, outbound), {})
        for port in ports:
            entry.setdefault(str(port), set()).add(why or "(no description)")

    groups = list(dict.fromkeys([*graph.actors, *(r.group for r in facts.rules)]))
    for rule in facts.rules:
        if rule.is_placeholder:
            continue
        ports = _ports(rule)
        target = graph.actor(rule.group)
        if rule.direction == "ingress":
            if rule.peer is not None:
                add(graph.actor(rule.peer), target, graph.lets_out(rule.peer, rule.group, ports), rule.description)
            elif rule.prefix_list:
                add(Actor("outside", "a prefix list", "prefix_list"), target, [ports], rule.description)
            elif rule.cidr is not None:
                scope, cidr = graph.network(rule)
                if scope in ("world", "outside", "unknown"):
                    add(_outside(cidr or "(computed)"), target, [ports], rule.description)
                if scope == "vpc":  # the whole internet includes the VPC, but only by way of a NAT gateway
                    for group in groups:
                        if group != rule.group and isinstance(group, Res):
                            add(graph.actor(group), target, graph.lets_out(group, rule.group, ports),
                                rule.description)
        elif rule.peer is None:
            source = graph.actor(rule.group)
            if rule.prefix_list:
                add(source, _prefix_list(graph, rule), [ports], rule.description, True)
            elif rule.cidr is not None:
                scope, cidr = graph.network(rule)
                if scope in ("world", "outside"):
                    add(source, _outside(cidr or "(computed)"), [ports], rule.description, True)
                elif scope == "vpc" and cidr is not None:  # a declared destination inside the VPC (a database)
                    add(source, Actor("outside", f"{cidr} (in the VPC)", _key("net", cidr)), [ports],
                        rule.description, True)
    rows = []
    for (source, target, outbound), ports in found.items():
        if ports:
            rows.append(Reach(source, target, ", ".join(sorted(ports, key=_port_order)),
                              "; ".join(sorted({why for whys in ports.values() for why in whys})), outbound))
    return sorted(rows, key=lambda r: (r.outbound, r.source.zone != "outside", r.source.label, r.target.label))


def _prefix_list(graph: _Graph, rule: SgRule) -> Actor:
    """A managed prefix list a group sends to, by its id when the template writes it out."""
    ids = [] if rule.inline else graph.facts.set.resolve(
        rule.declared_by.file, graph.facts.set.properties(rule.declared_by).get("DestinationPrefixListId"))
    named = [str(value.value) for value in ids if isinstance(value, Lit)]
    if len(named) == 1:
        return Actor("outside", f"prefix list {named[0]}", _key("prefix_list", named[0]))
    return Actor("outside", "a prefix list", "prefix_list")


def _port_order(text: str) -> tuple[str, int]:
    numbers = re.findall(r"\d+", text)
    return (text.split()[0], int(numbers[0]) if numbers else -1)


# --- Markdown and Mermaid ---------------------------------------------------------------------------


def mermaid(templates: TemplateSet, blueprint: Blueprint | None = None) -> str:
    """A flowchart: outside networks, then the VPC's public and private subnets and what runs there."""
    graph = _Graph(templates)
    rows = [row for row in reachability(templates) if not row.outbound]
    # Every named actor, and unnamed groups only when some path touches them.
    actors = {a for a in graph.actors.values() if not a.key.startswith("group_")}
    actors |= {a for row in rows for a in (row.source, row.target)}
    lines = ["flowchart LR"]
    for actor in sorted(a for a in actors if a.zone == "outside"):
        lines.append(f"    {actor.key}(({_quote(actor.label)}))")
    vpc = f"VPC {graph.vpc_cidr}" if graph.vpc_cidr else "VPC"
    lines.append(f"    subgraph vpc[{_quote(vpc)}]")
    for zone, title in (("public", "public subnets"), ("private", "private subnets")):
        members = sorted(a for a in actors if a.zone == zone)
        if not members:
            continue
        lines.append(f"        subgraph {zone}_subnets[{_quote(title)}]")
        for actor in members:
            if actor.key == "hosts":
                lines.append(f"            subgraph hosts[{_quote(actor.label)}]")
                lines.extend(f"                {_key('svc', s)}[{_quote(s)}]" for s in actor.services)
                lines.append("            end")
            else:
                shape = "{{%s}}" if actor.key.startswith("lb_") else "[%s]"
                lines.append(f"            {actor.key}{shape % _quote(actor.label)}")
        lines.append("        end")
    lines.append("    end")
    drawn = set()
    for row in rows:
        lines.append(f"    {row.source.key} -->|{_quote(row.ports)}| {row.target.key}")
        drawn.add((row.source.key, row.target.key))
    if blueprint is not None:
        hosted = {s for a in actors if a.key == "hosts" for s in a.services}
        for name, service in blueprint.services.items():
            caller = _key("svc", name) if name in hosted else _key("tasks", name)
            for callee in service.talks_to:
                if (caller, _key("lb", callee)) not in drawn:
                    lines.append(f"    {caller} -.->|{_quote('talks_to')}| {_key('lb', callee)}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def architecture_markdown(name: str, templates: TemplateSet, blueprint: Blueprint | None = None) -> str:
    rows = reachability(templates)
    lines = [
        f"# {name}: architecture",
        "",
        f"Generated by `blueprint build` from blueprint `{name}` and the templates beside this file; do not edit.",
        "Who can reach whom is computed from the security groups of those templates, not from the blueprint:",
        "a path exists when the receiver's group admits the sender on a port and the sender's group lets it out.",
        "",
        "```mermaid",
        mermaid(templates, blueprint).rstrip("\n"),
        "```",
        "",
        "## Who can reach whom",
        "",
        *_table([row for row in rows if not row.outbound]),
        "",
        "## Outbound to networks",
        "",
        *_table([row for row in rows if row.outbound]),
        "",
        "## Templates",
        "",
        "| file | holds |",
        "|---|---|",
        *(f"| `{file}` | {_cell(_what(template.data))} |" for file, template in templates.templates.items()),
    ]
    return "\n".join(lines) + "\n"


def _what(template: Mapping[str, Any]) -> str:
    """A template's Description without the blueprint boilerplate around it."""
    text = str(template.get("Description", ""))
    return text.split(". Generated from blueprint", 1)[0].split(": ", 1)[-1]


def _table(rows: list[Reach]) -> list[str]:
    if not rows:
        return ["None."]
    return ["| from | to | ports | allowed by |", "|---|---|---|---|",
            *(f"| {_cell(r.source.label)} | {_cell(r.target.label)} | {r.ports} | {_cell(r.why)} |" for r in rows)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
