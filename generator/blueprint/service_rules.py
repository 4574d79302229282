"""Rules across the keys that make a service's application work (issue 18): how it finds its callees
(`talks_to` URLs), what its task role may do (`permissions`, `secrets_kms_key`) and which network paths
it declares (`egress`, `reachable_from`). Each gives a located error; rules.py lists them with the others."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from generator.blueprint.errors import KeyPath
from generator.blueprint.model import Blueprint
from generator.blueprint.permissions import check_permission
from generator.blueprint.traffic import VPN

Problem = tuple[KeyPath, str]
BROAD = 8  # a destination this wide is the internet to the posture audit (SEC1101): one TCP port only


def _broad(destination: str) -> bool:
    return not destination.startswith("pl-") and ipaddress.IPv4Network(destination).prefixlen <= BROAD


def callee_urls_free(blueprint: Blueprint) -> Iterator[Problem]:
    """Each callee's URL arrives as `<CALLEE>_URL`; the service's own variables may not take that name."""
    for name, service in blueprint.services.items():
        for callee, variable in service.callee_variables.items():
            for block in ("environment", "secrets"):
                if variable in getattr(service, block):
                    yield ("services", name, block, variable), (
                        f"{variable} is where `talks_to: [{callee}]` puts the URL of {callee}; rename this variable "
                        "(or drop it: the URL is given)"
                    )


def permissions_grantable(blueprint: Blueprint) -> Iterator[Problem]:
    """Each entry one resource the table knows, with a level its kind has, listed once."""
    for name, service in blueprint.services.items():
        seen: set[str] = set()
        for index, permission in enumerate(service.permissions):
            path: KeyPath = ("services", name, "permissions", index)
            problem = check_permission(permission)
            if problem is not None:
                yield (*path, problem[0]), problem[1]
            elif permission.resource in seen:
                yield (*path, "resource"), (f"{permission.resource} is listed twice; give it once, with one access "
                                            "level (read-write covers read and write)")
            seen.add(permission.resource)


def secrets_kms_key_has_secrets(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        if service.secrets_kms_key is not None and not service.secrets:
            yield ("services", name, "secrets_kms_key"), "the service has no `secrets` for this key to decrypt"


def egress_on_own_group(blueprint: Blueprint) -> Iterator[Problem]:
    """Declared egress goes on the service's own task group: awsvpc only, each rule once, none repeating the
    HTTPS-out rule every task group has (CloudFormation refuses a rule a group already holds)."""
    for name, service in blueprint.services.items():
        if not service.egress:
            continue
        if service.resolved_network_mode(blueprint.cluster) == "bridge":
            yield ("services", name, "egress"), (
                "tasks in bridge networking leave from the cluster hosts' shared group, not a group of their own; "
                "use `cluster.instances.network_mode: awsvpc` (the default) or `launch_type: fargate`"
            )
            continue
        seen: set[tuple[str, tuple[int, int], str]] = set()
        for index, rule in enumerate(service.egress):
            key = (rule.to, rule.ports, rule.protocol)
            if key == ("0.0.0.0/0", (443, 443), "tcp"):
                yield ("services", name, "egress", index), "HTTPS to anywhere is every task group's default rule"
            elif _broad(rule.to) and (rule.protocol != "tcp" or rule.ports[0] != rule.ports[1]):
                yield ("services", name, "egress", index), (
                    f"{rule.to} is /{BROAD} or wider: tasks send that far only TCP on one port (the audit's SEC1101); "
                    "name a narrower network for UDP or a port range")
            elif key in seen:
                yield ("services", name, "egress", index), (
                    f"{rule.protocol} {rule.port} to {rule.to} is listed twice")
            seen.add(key)


def reachable_from_internal(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        if service.reachable_from and service.resolved_expose != "internal":
            yield ("services", name, "reachable_from"), (
                "only an internal service takes reachable_from; " + (
                    "a public one has `allowed_cidrs`" if service.resolved_expose == "public"
                    else "a worker (`expose: none`) has no load balancer to reach"))
            continue
        seen: set[str] = set()
        vpc = ipaddress.IPv4Network(blueprint.network.cidr)
        imported = blueprint.network.vpc_id is not None  # an existing VPC's block is not in the blueprint
        for index, source in enumerate(service.reachable_from):
            path: KeyPath = ("services", name, "reachable_from", index)
            if source in seen:
                yield path, f"{source} is listed twice"
            elif source == VPN and blueprint.access.vpn is None:
                yield path, "there is no Client VPN: add `access.vpn`, or list the VPN's client CIDR"
            elif source != VPN and not imported and ipaddress.IPv4Network(source).overlaps(vpc):
                yield path, (f"{source} overlaps the VPC ({vpc}): it would admit every task and host there; "
                             "services in the VPC call through `talks_to`")
            seen.add(source)
