"""The stack kinds of an application, each listed once, in nesting order: its file, the blueprint block it
comes from, its builder, which stacks of it a blueprint has, how root.yaml wires it, and how Service
Catalog offers it. application.py builds and nests the children from this table, catalog.py makes the
products, `blueprint diff` orders stacks by it. Adding a stack kind is its builder and one row here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from troposphere import Template

from generator.blueprint.messaging import topic_address
from generator.blueprint.model import Blueprint
from generator.blueprint.rules import call_order
from generator.cfn.ids import logical_id
from generator.cfn.stackfiles import CATALOG, CATALOG_PIECES, ROOT, SERVICE_FILE, template_kind
from generator.stacks.access import build_access, needs_access_stack
from generator.stacks.cluster import build_cluster
from generator.stacks.existing_network import build_access_logs, is_imported, needs_access_logs_stack
from generator.stacks.network import build_network
from generator.stacks.parameters import (
    LOAD_BALANCER_SECURITY_GROUP,
    SERVICE_URL,
    callee_security_group,
    callee_url,
    topic_arn_output,
    topic_arn_parameter,
)
from generator.stacks.service import build_service

# What root.yaml feeds a child explicitly, beyond sibling outputs of a parameter's name:
# (its parameter -> (sibling stack, that stack's output), root output -> the child's output).
Wiring = tuple[Mapping[str, tuple[str, str]], Mapping[str, str]]


@dataclass(frozen=True)
class Product:
    """How Service Catalog offers a stack: the product's name after the application's, `{service}` filled
    in, and its description."""

    title: str
    describe: Callable[[Blueprint, str | None], str]
    logical_id: str | None = None  # default: the nested stack's logical ID and "Product"


def _one(blueprint: Blueprint) -> Sequence[str | None]:
    return [None]


@dataclass(frozen=True)
class StackKind:
    """One kind of stack. `file` and `block` hold `{service}` for a kind every service has one of."""

    file: str
    block: str  # the blueprint block the stack is built from: a nested stack's Metadata.Source in root.yaml
    build: Callable[..., Template] | None = None  # (blueprint) or (blueprint, service); None: made from the others
    instances: Callable[[Blueprint], Sequence[str | None]] = _one  # a child's stacks: None, or each service
    wiring: Callable[[Blueprint, str], Wiring] | None = None
    provides: bool = True  # whether siblings may take its outputs by name
    product: Product | None = None

    @property
    def kind(self) -> str:
        return template_kind(self.file)[0]

    @property
    def per_service(self) -> bool:
        return "{service}" in self.file

    @property
    def offered(self) -> bool:
        """Whether catalog.yaml offers it: the application, its pieces (cfn.stackfiles), each service."""
        return self.file == ROOT or self.per_service or self.kind in CATALOG_PIECES

    def filename(self, service: str | None = None) -> str:
        return self.file.format(service=service)

    def source(self, service: str | None = None) -> str:
        return self.block.format(service=service)

    def stack_name(self, service: str | None = None) -> str:
        """Its nested stack's logical ID in root.yaml: `Network`, `ImagesService`."""
        return logical_id(*((service,) if service is not None else ()), self.kind)


def _services_callees_first(blueprint: Blueprint) -> Sequence[str | None]:
    # Callees first, so a caller's stack can take its callee's load balancer group; publishers before their
    # subscribers, whose stacks take the topics' ARNs.
    return call_order(blueprint) or list(blueprint.services)


def _service_wiring(blueprint: Blueprint, name: str) -> Wiring:
    service = blueprint.services[name]
    inputs: dict[str, tuple[str, str]] = {}
    for callee in service.talks_to:  # its load balancer group (the call path) and its URL (`<CALLEE>_URL`)
        inputs[callee_security_group(callee)] = (SERVICE.stack_name(callee), LOAD_BALANCER_SECURITY_GROUP)
        inputs[callee_url(callee)] = (SERVICE.stack_name(callee), SERVICE_URL)
    for entry in service.queue.subscriptions if service.queue else []:  # each topic's ARN from its publisher
        publisher, topic = topic_address(entry.topic)
        if publisher != name:
            inputs[topic_arn_parameter(publisher, topic)] = (SERVICE.stack_name(publisher), topic_arn_output(topic))
    surfaced = {logical_id(name, "url"): SERVICE_URL} if service.resolved_expose == "public" else {}
    return inputs, surfaced


def _describe_service(blueprint: Blueprint, name: str | None) -> str:
    assert name is not None
    service = blueprint.services[name]
    if service.has_load_balancer:
        return f"Service {name} ({service.resolved_expose}) with its own load balancer, tasks and scaling"
    return f"Worker {name}: tasks without a load balancer"


ROOT_STACK = StackKind(ROOT, "name", product=Product(
    "whole application", lambda blueprint, _: f"{blueprint.description or blueprint.name}: network, cluster, "
    "operator access and every service, as one stack", logical_id="ApplicationProduct"))
NETWORK = StackKind("network.yaml", "network", build_network, product=Product(
    "network", lambda blueprint, _: "VPC with public and private subnets per AZ, NAT, flow logs"),
    instances=lambda blueprint: [] if is_imported(blueprint) else [None])  # none on an existing VPC
ACCESS_LOGS = StackKind("access-logs.yaml", "network.vpc_id", build_access_logs,  # network.yaml's bucket, on its own
                        instances=lambda blueprint: [None] if needs_access_logs_stack(blueprint) else [])
CLUSTER = StackKind("cluster.yaml", "cluster", build_cluster, product=Product(
    "ECS cluster", lambda blueprint, _: "ECS cluster with its EC2 hosts and/or Fargate capacity"))
ACCESS = StackKind("access.yaml", "access", build_access,
                   instances=lambda blueprint: [None] if needs_access_stack(blueprint) else [])
SERVICE = StackKind(SERVICE_FILE, "services.{service}", build_service, instances=_services_callees_first,
                    wiring=_service_wiring, provides=False, product=Product("service {service}", _describe_service))
CATALOG_STACK = StackKind(CATALOG, "catalog")  # built by the pipeline after the others: it addresses their bytes

# In nesting order.
KINDS: tuple[StackKind, ...] = (ROOT_STACK, NETWORK, ACCESS_LOGS, CLUSTER, ACCESS, SERVICE, CATALOG_STACK)
CHILDREN = tuple(kind for kind in KINDS if kind.build is not None)  # what root.yaml nests, in this order


def kind_of(filename: str) -> StackKind | None:
    kind = template_kind(filename)[0]
    return next((row for row in KINDS if row.kind == kind), None)


def nesting_order(filename: str) -> int:
    """Where a template comes in the nesting (root first, the catalog last); other files after all."""
    row = kind_of(filename)
    return KINDS.index(row) if row is not None else len(KINDS)
