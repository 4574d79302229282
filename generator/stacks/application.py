"""All templates of one application: the stack registry's children, built and nested in its order.

Infrastructure children (network, cluster, access) provide their outputs by name; each service
stack takes those by name too, and its callees' load balancer groups explicitly (the registry's wiring).
Services come callees first, so a caller's stack can add its path into the callee's load balancer group.
"""

from __future__ import annotations

from troposphere import Template

from generator.blueprint.model import Blueprint
from generator.cfn.stackfiles import ROOT
from generator.stacks.existing_network import declare_network, network_parameters
from generator.stacks.registry import CHILDREN
from generator.stacks.root import Child, build_root
from generator.stacks.sources import check_sources


def build_children(blueprint: Blueprint) -> list[Child]:
    children = []
    for kind in CHILDREN:
        assert kind.build is not None
        for service in kind.instances(blueprint):
            inputs, surfaced = kind.wiring(blueprint, service) if kind.wiring and service is not None else ({}, {})
            template = kind.build(blueprint) if service is None else kind.build(blueprint, service)
            children.append(Child(kind.stack_name(service), kind.filename(service), template, kind.source(service),
                                  inputs=inputs, surfaced_outputs=surfaced, provides=kind.provides))
    return children


def build_templates(blueprint: Blueprint) -> dict[str, Template]:
    """File name -> template, the root first. Every resource carries its blueprint source."""
    children = build_children(blueprint)
    templates = {ROOT: declare_network(build_root(blueprint, children, network_parameters(blueprint)), blueprint)}
    templates.update({child.filename: child.template for child in children})
    for filename, template in templates.items():
        check_sources(filename, template)
    return templates
