"""All templates of one application: which stacks exist, in which order, and how they are wired."""

from __future__ import annotations

from troposphere import Template

from generator.blueprint.model import Blueprint
from generator.stacks.network import build_network
from generator.stacks.root import Child, build_root

ROOT = "root.yaml"


def build_children(blueprint: Blueprint) -> list[Child]:
    children = [Child("NetworkStack", "network.yaml", build_network(blueprint))]
    return children


def build_templates(blueprint: Blueprint) -> dict[str, Template]:
    """File name -> template, the root first."""
    children = build_children(blueprint)
    templates = {ROOT: build_root(blueprint, children)}
    templates.update({child.filename: child.template for child in children})
    return templates
