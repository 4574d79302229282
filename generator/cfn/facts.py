"""What a template set deploys, in the security model's terms: subnets and whether they are public,
security groups and every rule into and out of them (network_facts.py), and what runs where (load
balancers, cluster hosts, other instances such as a bastion, Fargate tasks, VPN endpoints).

Values are read through `TemplateSet.resolve`, so a property may have several (each `Fn::If` branch,
each allowed value): a fact holds if any of them makes it hold. A security-relevant value that resolves
to nothing the audit can judge goes to `unverified`, reported as "cannot verify", never passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from generator.cfn import coverage, policies
from generator.cfn.launches import LaunchSettings, launch_settings, user_data_text
from generator.cfn.network_facts import COMPUTED, DEFAULT_VPC, WORLD, NetworkFacts, SgRule, describe, to_int
from generator.cfn.policies import Statement
from generator.cfn.tasks import TaskPlacement, task_placements
from generator.cfn.templates import Lit, Res, TemplateSet, Value

__all__ = ["COMPUTED", "WORLD", "Facts", "InstanceGroup", "Listener", "LoadBalancer", "SgRule", "TaskPlacement",
           "describe"]
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"


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


def _literal_text(values: list[Value]) -> str | None:
    return str(values[0].value) if len(values) == 1 and isinstance(values[0], Lit) else None


class Facts(NetworkFacts):
    """What a set's resources amount to, each worked out on first use."""

    @classmethod
    def of(cls, templates: TemplateSet) -> Facts:
        """The set's facts, worked out once per set and shared by everything that asks (the audit, the
        quota on rules per group, the diagram): they are kept with the set."""
        found = templates.derived.get(cls)
        if found is None:
            found = templates.derived[cls] = cls(templates)
        return found

    # --- what runs where --------------------------------------------------------------------------

    @cached_property
    def _carried_together(self) -> set[tuple[Value, ...]]:
        """The security groups that something carries at once, where there are several: a
        load balancer's, a host's, a task's."""
        carried = [balancer.groups for balancer in self.load_balancers]
        carried += [group.groups for group in self.instance_groups]
        carried += [placement.groups for placement in self.task_placements]
        return {tuple(dict.fromkeys(groups)) for groups in carried if len(set(groups)) > 1}


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
            attributes: dict[str, Any] = {}
            for listed in self.set.branches(ref.file, properties.get("LoadBalancerAttributes") or []):
                for attribute in listed if isinstance(listed, list) else []:
                    if isinstance(attribute, dict) and "Key" in attribute:
                        values = _literal_text(self.set.resolve(ref.file, attribute.get("Value")))
                        for key in self.set.resolve(ref.file, attribute["Key"]):  # a Key may be an Fn::Sub
                            if isinstance(key, Lit):
                                # Two branches that disagree leave the attribute unknown (not set to true).
                                known = attributes.get(str(key.value), values)
                                attributes[str(key.value)] = values if known == values else None
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
                    Listener(ref, to_int(properties.get("Port")), protocol, policy, redirects)
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
            arn = provider.get("AutoScalingGroupArn") if isinstance(provider, dict) else None
            # A name, or an ARN spelled with Fn::Sub: whichever group it takes the name of.
            targets = {reference.target for reference in self.set.references(ref.file, arn)}
            groups.update(targets)
            if not targets:
                self.cannot_verify(ref, "its auto scaling group is not declared in the set")
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
            # No subnets (an ASG with only AvailabilityZones, an Instance without SubnetId): the default VPC.
            subnets = subnets or (DEFAULT_VPC,)
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
        """awsvpc tasks: of services, task sets and schedules (see tasks.py)."""
        return task_placements(self)

    @cached_property
    def unread(self) -> list[tuple[Res, str]]:
        """(resource, what) for each resource the audit may not pass unread (see coverage.py)."""
        return [(Res(name, logical_id), what) for name, template in self.set.templates.items()
                for logical_id, what in coverage.unread(template.resources)]

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
