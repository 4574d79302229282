"""All templates of one application: which stacks exist, in which order, and how they are wired.

Infrastructure children (network, cluster, access) provide their outputs by name; each service
stack takes those by name too, and its callees' load balancer groups explicitly. Services come
callees first, so a caller's stack can add its path into the callee's load balancer group.
"""

from __future__ import annotations

from troposphere import Template

from generator.blueprint.model import Blueprint
from generator.blueprint.rules import call_order
from generator.cfn.artifacts import ROOT
from generator.cfn.ids import logical_id
from generator.review.sourcemap import add_sources
from generator.stacks.access import build_access, needs_access_stack
from generator.stacks.cluster import build_cluster
from generator.stacks.network import build_network
from generator.stacks.root import Child, build_root
from generator.stacks.service import build_service, callee_security_group_parameter

NETWORK = "network.yaml"
CLUSTER = "cluster.yaml"
ACCESS = "access.yaml"


def service_filename(name: str) -> str:
    return f"service-{name}.yaml"


def service_stack_name(name: str) -> str:
    return logical_id(name, "service")


def build_children(blueprint: Blueprint) -> list[Child]:
    children = [
        Child("Network", NETWORK, build_network(blueprint)),
        Child("Cluster", CLUSTER, build_cluster(blueprint)),
    ]
    if needs_access_stack(blueprint):
        children.append(Child("Access", ACCESS, build_access(blueprint)))
    for name in call_order(blueprint) or list(blueprint.services):
        service = blueprint.services[name]
        inputs = {
            callee_security_group_parameter(callee): (service_stack_name(callee), "LoadBalancerSecurityGroup")
            for callee in service.talks_to
        }
        surfaced = {logical_id(name, "url"): "ServiceUrl"} if service.resolved_expose == "public" else {}
        children.append(Child(service_stack_name(name), service_filename(name), build_service(blueprint, name),
                              inputs=inputs, surfaced_outputs=surfaced, provides=False))
    return children


def build_templates(blueprint: Blueprint) -> dict[str, Template]:
    """File name -> template, the root first."""
    children = build_children(blueprint)
    templates = {ROOT: build_root(blueprint, children)}
    templates.update({child.filename: child.template for child in children})
    add_sources(blueprint, templates)  # Metadata.Source: the blueprint key each resource comes from
    return templates
