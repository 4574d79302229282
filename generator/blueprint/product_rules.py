"""What a `catalog` cannot offer yet. The products' roles are made by catalog.yaml before any product is
launched (stacks/catalog_roles.py), so their policies can name only what exists then: a task role that names
its own topic, a traffic-shifting role that names its listeners, a job's scheduler role that names its cluster
are resources a product creates at launch. Building such a catalog stopped with a traceback
(ProductTemplateError); the loader refuses the combination at the key instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from generator.blueprint.errors import KeyPath
from generator.blueprint.model import Blueprint

Problem = tuple[KeyPath, str]
WHY = ("the catalog's product roles are made before a product is launched, so they cannot name {what}, which "
       "the product creates at launch; leave `catalog` out to build {it} (not yet offered as a product)")


def catalog_offers_what_its_roles_can_name(blueprint: Blueprint) -> Iterator[Problem]:
    if blueprint.catalog is None:
        return
    for name, service in blueprint.services.items():
        if service.publishes:
            yield ("services", name, "publishes"), WHY.format(what="the service's topic", it="it")
        if service.deployment.shifts_traffic:
            yield ("services", name, "deployment", "strategy"), WHY.format(
                what=f"the listeners a {service.deployment.strategy} deployment shifts", it="it")
    for name in blueprint.jobs:
        yield ("jobs", name), WHY.format(what="the cluster the job's schedule runs it on", it="the job")


PRODUCT_RULES = (catalog_offers_what_its_roles_can_name,)
