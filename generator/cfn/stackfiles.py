"""The file names of an application's templates, which every layer may need: root.yaml nests the children,
each service has its own `service-<name>.yaml`, each job its `job-<name>.yaml`, catalog.yaml is published on
its own. Which stacks exist,
how they are built and nested is the stack registry's (generator/stacks/registry.py); this holds only
what layers below it (the loader, deploy) must know too.
"""

from __future__ import annotations

from pathlib import PurePath

from generator.cfn.artifacts import ROOT

__all__ = ["CATALOG", "CATALOG_PIECES", "JOB", "JOB_FILE", "ROOT", "SERVICE", "SERVICE_FILE", "catalog_products",
           "template_kind"]

CATALOG = "catalog.yaml"
SERVICE = "service"  # the kind of stack every service of the blueprint gets, one template each
SERVICE_FILE = f"{SERVICE}-{{service}}.yaml"
JOB = "job"  # the kind of stack every scheduled job gets, one template each
JOB_FILE = f"{JOB}-{{job}}.yaml"

# The stacks catalog.yaml offers on their own, besides the whole application and each service. Here,
# below the loader, because the loader sizes catalog.yaml by them (blueprint/rules.py) and the catalog
# builder offers exactly these (generator/stacks/catalog.py), so the count is never kept twice.
CATALOG_PIECES = ("network", "cluster")


def catalog_products(services: int) -> int:
    """How many products catalog.yaml holds: the whole application, its pieces, and each service."""
    return 1 + len(CATALOG_PIECES) + services


def template_kind(filename: str) -> tuple[str, str | None]:
    """`service-api.yaml` -> ("service", "api"); `job-report.yaml` -> ("job", "report"); `network.yaml` ->
    ("network", None)."""
    stem = PurePath(filename).stem
    for kind in (SERVICE, JOB):
        if stem.startswith(f"{kind}-"):
            return kind, stem.removeprefix(f"{kind}-")
    return stem, None
