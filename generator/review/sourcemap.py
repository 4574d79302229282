"""Where each generated resource comes from: the blueprint key path, written into its `Metadata.Source`.

One table for every stack, so no stack builder has to know about it. A resource's source is the most
specific blueprint key that makes it exist (`services.api.https` for the HTTPS listener), so a reviewer
reading a template or `blueprint diff` knows which key to change. Key paths, not line numbers: they
survive edits to the blueprint. A resource that several keys cause (the callee's side of `talks_to`
from several callers) lists them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import PurePath

from troposphere import Template

from generator.blueprint.model import Blueprint
from generator.cfn.artifacts import STACK_TYPE

SOURCE_KEY = "Source"
SERVICE_PREFIX = "service-"

# Template kind -> (logical-ID pattern, key path); the first match wins. `{service}` is the service the
# template belongs to; `{callers}` expands to every service on the EC2 hosts whose talks_to names it.
SOURCES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "network": (
        ("Vpc", "network.cidr"),
        ("PublicSubnet*", "network.availability_zones"),
        ("PrivateSubnet*", "network.availability_zones"),
        ("PrivateRouteTable*", "network.availability_zones"),
        ("NatGateway*", "network.nat_gateways"),
        ("PrivateDefaultRoute*", "network.nat_gateways"),
        ("FlowLog*", "network.flow_logs"),
        ("*Endpoint", "network.endpoints"),
        ("EndpointSecurityGroup*", "network.endpoints"),
        ("AccessLogBucket*", "services"),  # exists because some service has a load balancer
    ),
    "cluster": (
        ("Host*", "cluster.instances"),
        ("Cluster", "cluster"),
    ),
    "access": (
        ("Bastion*", "access.bastion"),
        ("*FromBastion", "access.bastion"),
        ("Vpn*", "access.vpn"),
        ("*FromVpn", "access.vpn"),
    ),
    "service": (
        ("LoadBalancerPort*From*", "services.{service}.allowed_cidrs"),
        ("LoadBalancerFromHosts", "services.{callers}.talks_to"),
        ("HostSecurityGroupTo*LoadBalancer", "services.{callers}.talks_to"),
        ("HttpsListener", "services.{service}.https"),
        ("HttpListener", "services.{service}.expose"),
        ("LoadBalancer*", "services.{service}.expose"),
        ("*FromLoadBalancer", "services.{service}.expose"),
        ("HostSecurityGroupFrom*LoadBalancer", "services.{service}.expose"),
        ("TargetGroup", "services.{service}.expose"),
        ("CpuScalingPolicy", "services.{service}.scaling.cpu_percent"),
        ("MemoryScalingPolicy", "services.{service}.scaling.memory_percent"),
        ("RequestScalingPolicy", "services.{service}.scaling.requests_per_target"),
        ("*Scaling*", "services.{service}.scaling"),
        ("ScalableTarget", "services.{service}.scaling"),
        ("Calls*", "services.{service}.talks_to"),
        ("TaskSecurityGroup*", "services.{service}.launch_type"),
        ("TaskDefinition", "services.{service}"),
    ),
}
# When no pattern matches: the block the template is built from.
FALLBACK: Mapping[str, str] = {
    "root": "name",
    "network": "network",
    "cluster": "cluster",
    "access": "access",
    "catalog": "catalog",
    "service": "services.{service}",
}


def template_kind(filename: str) -> tuple[str, str | None]:
    """`service-api.yaml` -> ("service", "api"); `network.yaml` -> ("network", None)."""
    stem = PurePath(filename).stem
    if stem.startswith(SERVICE_PREFIX):
        return "service", stem.removeprefix(SERVICE_PREFIX)
    return stem, None


def source_of(blueprint: Blueprint, filename: str, logical_id: str) -> str | list[str]:
    """The blueprint key path(s) a resource of `filename` comes from."""
    kind, service = template_kind(filename)
    pattern = next((path for glob, path in SOURCES.get(kind, ()) if fnmatchcase(logical_id, glob)),
                   FALLBACK.get(kind, kind))
    if "{callers}" in pattern:
        callers = [name for name, other in blueprint.services.items()  # the callee opens one path for hosts
                   if service in other.talks_to and blueprint.launch_type(name) == "ec2"]
        paths = [pattern.format(callers=caller, service=service) for caller in callers]
        if len(paths) != 1:
            return paths or [FALLBACK["service"].format(service=service)]
        return paths[0]
    return pattern.format(service=service)


def child_source(filename: str) -> str:
    """The block a whole child template comes from (what root.yaml's nested stack points at)."""
    kind, service = template_kind(filename)
    return FALLBACK.get(kind, kind).format(service=service)


def add_sources(blueprint: Blueprint, templates: Mapping[str, Template]) -> None:
    """Write `Metadata.Source` into every resource, keeping any Metadata a builder already set."""
    for filename, template in templates.items():
        for logical_id, resource in template.resources.items():
            url = resource.properties.get("TemplateURL") if resource.resource_type == STACK_TYPE \
                else None
            source = child_source(url) if isinstance(url, str) and url in templates \
                else source_of(blueprint, filename, logical_id)
            metadata = dict(getattr(resource, "Metadata", None) or {})
            metadata[SOURCE_KEY] = source
            resource.Metadata = metadata
