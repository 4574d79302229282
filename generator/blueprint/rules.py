"""Rules that span several fields of a blueprint (SPEC section 2), each giving a located error."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterator
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel

from generator.blueprint.capacity_rules import RULES as CAPACITY_RULES
from generator.blueprint.deployment_rules import DEPLOYMENT_RULES
from generator.blueprint.domain import DOMAIN_RULES
from generator.blueprint.errors import KeyPath
from generator.blueprint.existing_network import existing_network_keys, is_imported
from generator.blueprint.job_rules import RULES as JOB_RULES
from generator.blueprint.job_rules import fargate_size_message
from generator.blueprint.messaging import QUEUE_VARIABLE, messaging_variables
from generator.blueprint.messaging_rules import (
    backlog_has_queue,
    messaging_variables_free,
    queue_on_worker,
    stack_needs,
    subscriptions_resolve,
    topics_distinct,
)
from generator.blueprint.model import FARGATE_MEMORY, Blueprint
from generator.blueprint.product_rules import PRODUCT_RULES
from generator.blueprint.reach import no_nat_feature_endpoints, vpn_reaches_something
from generator.blueprint.service_rules import (
    callee_urls_free,
    egress_on_own_group,
    permissions_grantable,
    reachable_from_internal,
    secrets_kms_key_has_secrets,
)
from generator.cfn.descriptions import MAX_DESCRIPTION_BYTES, description_room, template_description
from generator.cfn.ids import logical_id
from generator.cfn.stackfiles import catalog_products
from generator.subnets import max_azs

Problem = tuple[KeyPath, str]
Rule = Callable[[Blueprint], Iterator[Problem]]

NAT_FREE_ENDPOINTS = {"s3", "ecr", "ecs", "logs"}

# What catalog.yaml holds (generator/stacks/catalog.py): a portfolio, one association per principal,
# the launch policies every launch role shares (at most LAUNCH_POLICY_RESOURCES: a test holds the builder
# to it), and per product (cfn.stackfiles.catalog_products: the application, its pieces, each service) the
# product, its portfolio association, its launch constraint and (unless `local_role_name`) its launch role.
# CloudFormation allows 500 resources per template.
# It also makes the products' IAM (generator/stacks/products.py): each service's execution and task roles with
# their ARN parameters, and at most the flow-log role, the hosts' and the bastion's roles and profiles with theirs.
RESOURCES_PER_PRODUCT = 3
LAUNCH_POLICY_RESOURCES = 9
LAUNCH_ROLES_PER_PRODUCT = 1
ROLE_RESOURCES_PER_SERVICE = 4
SHARED_ROLE_RESOURCES = 8
MAX_TEMPLATE_RESOURCES = 500

# ECS refuses a task definition over 64 KiB. The blueprint's own text in it (image, command, environment,
# secrets, tags) may take all but TASK_DEFINITION_MARGIN, which holds what the service builder adds: names,
# roles, log settings, ports, health settings, each reference resolved (a test measures the builder's share).
TASK_DEFINITION_BYTES = 64 * 1024
TASK_DEFINITION_MARGIN = 4 * 1024
# An ALB's DNS name: internal-NAME-ID.REGION.elb.amazonaws.com(.cn), NAME at most 32 characters.
MAX_LOAD_BALANCER_DNS = 128
# A topic's ARN: the partition, region and account, then a name of at most 256 characters (a queue's URL is shorter).
MAX_MESSAGING_ADDRESS = 320


def tag_keys(blueprint: Blueprint) -> Iterator[Problem]:
    for key in blueprint.tags:
        if key.lower().startswith("aws:"):
            yield ("tags", key), "tag keys starting with `aws:` are reserved for AWS"


# cfn-lint 1.58 compares keyed lists (tags' Key, a container's environment and secrets' Name) with a
# "boolean string" shortcut that takes `true` or `false` for equal to any other key (E3024/E3002), so such
# a key could never pass lint. Refuse it here, located, instead of at cfn-lint.
BOOLEAN_WORDS = ("true", "false")


def boolean_key_names(blueprint: Blueprint) -> Iterator[Problem]:
    named = [(("tags", key), key) for key in blueprint.tags]
    for name, service in blueprint.services.items():
        named += [(("services", name, block, key), key) for block in ("environment", "secrets")
                  for key in getattr(service, block)]
    for path, key in named:
        if key.lower() in BOOLEAN_WORDS:
            yield path, (f"`{key}` as a name: cfn-lint 1.58 takes `true`/`false` for equal to every other name in "
                         "the same list, so the templates could not pass lint; choose another name")


def description_size(blueprint: Blueprint) -> Iterator[Problem]:
    """The root stack's Description carries the blueprint's description with the name around it
    (cfn.descriptions); the whole must fit CloudFormation's limit."""
    if blueprint.description is None:
        return
    size = len(blueprint.description.encode())
    room = description_room(blueprint.name) - len(blueprint.described("").encode())  # the environment's name
    if size > room:
        shown = template_description(blueprint.name, blueprint.described("DESCRIPTION"))
        yield ("description",), (
            f"is {size:,} bytes; at most {room:,} fit: the root stack's Description reads \"{shown}\" and "
            f"CloudFormation allows {MAX_DESCRIPTION_BYTES:,} bytes"
        )


def no_template_references(blueprint: Blueprint) -> Iterator[Problem]:
    """Every text of a blueprint lands in a template as it is. CloudFormation's tools read `${...}` in any
    string as a reference that only Fn::Sub resolves (cfn-lint E1029), so the build would fail at lint,
    far from the line that caused it."""
    for path, text in _texts(blueprint, ()):
        if "${" in text:
            yield path, (
                "contains `${`, which CloudFormation reads as a reference (`${AWS::AccountId}`) that "
                "only Fn::Sub resolves; the text would reach the template as it is and fail cfn-lint (E1029): "
                "leave out the braces (a shell variable works as $NAME)"
            )


def _texts(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """Every string of the blueprint, mapping keys included, with its key path (field names are the YAML keys)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key, (*path, key))
            yield from _texts(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))


def task_definition_size(blueprint: Blueprint) -> Iterator[Problem]:
    budget = TASK_DEFINITION_BYTES - TASK_DEFINITION_MARGIN
    for name in blueprint.services:
        parts = task_definition_texts(blueprint, name)
        size = sum(parts.values())
        if size > budget:
            largest = max(parts, key=lambda path: parts[path])  # the line to shorten first
            yield largest, (
                f"the task definition of `{name}` would hold {size:,} bytes of the blueprint's image, command, "
                f"environment, secrets and tags ({parts[largest]:,} of them here); ECS allows "
                f"{TASK_DEFINITION_BYTES // 1024} KiB per task definition, {budget:,} bytes of it for these (the rest "
                "is kept for what the builder adds): move large values into the image, S3 or a secret"
            )


def task_definition_texts(blueprint: Blueprint, name: str) -> dict[KeyPath, int]:
    """The bytes each of the blueprint's values takes in a service's task definition, by key path: as ECS's
    JSON holds them (UTF-8, with quotes, escapes, the field names around them and the comma after them)."""
    def size(value: Any) -> int:
        return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()) + 1

    service = blueprint.services[name]
    here: KeyPath = ("services", name)
    parts: dict[KeyPath, int] = {(*here, "image"): size({"image": service.image})}
    if service.command:
        parts[(*here, "command")] = size({"command": service.command})
    for key, value in service.environment.items():
        parts[(*here, "environment", key)] = size({"name": key, "value": value})
    for key, arn in service.secrets.items():
        parts[(*here, "secrets", key)] = size({"name": key, "valueFrom": arn})
    for index, (callee, variable) in enumerate(service.callee_variables.items()):  # each URL as long as one gets
        domain = blueprint.services[callee].domain if callee in blueprint.services else None
        url = domain.url if domain is not None else f"https://{'x' * MAX_LOAD_BALANCER_DNS}:443"
        parts[(*here, "talks_to", index)] = size({"name": variable, "value": url})
    for index, variable in enumerate(messaging_variables(service.publishes, service.queue)):  # as long as one gets
        at = (*here, "queue") if variable == QUEUE_VARIABLE else (*here, "publishes", index)
        parts[at] = size({"name": variable, "value": "x" * MAX_MESSAGING_ADDRESS})
    for key, value in blueprint.tags.items():  # the task definition carries the blueprint's tags too
        parts[("tags", key)] = size({"key": key, "value": value})
    return parts


def vpc_has_room(blueprint: Blueprint) -> Iterator[Problem]:
    if is_imported(blueprint.network):  # an existing VPC's subnets are already carved
        return
    network = ipaddress.IPv4Network(blueprint.network.cidr)
    if not 16 <= network.prefixlen <= 24:
        yield ("network", "cidr"), f"prefix /{network.prefixlen} is outside /16 to /24"
        return
    fits = max_azs(network.prefixlen)
    if blueprint.az_count > fits:
        yield (
            ("network", "cidr"),
            f"a /{network.prefixlen} VPC holds subnets for at most {fits} availability zones "
            f"(load balancers need /27 subnets or larger); use a larger block such as "
            f"/{network.prefixlen - 1} or fewer zones",
        )


def distinct_zones(blueprint: Blueprint) -> Iterator[Problem]:
    zones = blueprint.network.availability_zones
    if isinstance(zones, int):
        return
    seen: set[str] = set()
    for index, zone in enumerate(zones):
        if zone in seen:
            yield ("network", "availability_zones", index), f"{zone} is listed twice"
        seen.add(zone)
    regions = {zone[:-1] for zone in zones}
    if len(regions) > 1:
        yield ("network", "availability_zones"), f"zones span several regions ({', '.join(sorted(regions))})"


def distinct_endpoints(blueprint: Blueprint) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, endpoint in enumerate(blueprint.network.endpoints):
        if endpoint in seen:
            yield ("network", "endpoints", index), f"{endpoint} is listed twice"
        seen.add(endpoint)


def no_nat_needs_endpoints(blueprint: Blueprint) -> Iterator[Problem]:
    if blueprint.network.nat_gateways != "none":
        return
    missing = sorted(NAT_FREE_ENDPOINTS - set(blueprint.network.endpoints))
    if missing:
        yield (
            ("network", "nat_gateways"),
            "`none` leaves private subnets without a way to ECR, ECS and CloudWatch Logs; add the "
            f"endpoints {', '.join(missing)} (s3 serves ECR's image layers) or use `single`",
        )
    for name, service in blueprint.services.items():
        if ".dkr.ecr." not in service.image:
            yield (
                ("services", name, "image"),
                "with `network.nat_gateways: none` tasks can pull only from a private ECR registry "
                "(ACCOUNT.dkr.ecr.REGION.amazonaws.com/...)",
            )


def instances_min_max(blueprint: Blueprint) -> Iterator[Problem]:
    instances = blueprint.cluster.instances
    if instances and instances.min > instances.max:
        yield ("cluster", "instances", "min"), f"min ({instances.min}) is greater than max ({instances.max})"


def cluster_has_capacity(blueprint: Blueprint) -> Iterator[Problem]:
    if blueprint.cluster.instances is None and blueprint.cluster.fargate is False:
        yield ("cluster", "fargate"), "the cluster has no capacity: set `instances` or leave Fargate on"


def bastion_reachable(blueprint: Blueprint) -> Iterator[Problem]:
    bastion = blueprint.access.bastion
    if bastion is not None and bastion.key_name is None and not blueprint.access.ssm:
        yield (
            ("access", "bastion"),
            "nobody could log in to this bastion: give it a `key_name` for SSH, or keep `access.ssm: true`",
        )


def vpn_client_cidr(blueprint: Blueprint) -> Iterator[Problem]:
    vpn = blueprint.access.vpn
    if vpn is None:
        return
    client = ipaddress.IPv4Network(vpn.client_cidr)
    if not 12 <= client.prefixlen <= 22:
        yield ("access", "vpn", "client_cidr"), f"prefix /{client.prefixlen} is outside /12 to /22 (Client VPN's range)"
    # An existing VPC's block is not in the blueprint: Client VPN itself refuses an overlap at deploy.
    if not is_imported(blueprint.network) and client.overlaps(ipaddress.IPv4Network(blueprint.network.cidr)):
        yield (
            ("access", "vpn", "client_cidr"),
            f"{vpn.client_cidr} overlaps the VPC ({blueprint.network.cidr}); VPN clients need their own range",
        )


def unique_logical_ids(blueprint: Blueprint) -> Iterator[Problem]:
    owners: dict[str, str] = {}
    for name in blueprint.services:
        key = logical_id(name)
        if key in owners:
            yield (
                ("services", name),
                f"`{name}` and `{owners[key]}` both become the CloudFormation name {key}; rename one",
            )
        else:
            owners[key] = name


def service_exposure(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        path: KeyPath = ("services", name)
        expose = service.resolved_expose
        if expose != "none" and service.port is None:
            yield (*path, "expose"), f"a {expose} service needs a `port` for its load balancer to reach"
        if expose != "public" and service.allowed_cidrs is not None:
            yield (
                (*path, "allowed_cidrs"),
                "only a public service takes allowed_cidrs; an internal ALB admits only the services "
                "that list it in talks_to",
            )
        if expose == "none":
            for key in ("https", "health_check"):
                if getattr(service, key) is not None:
                    yield (*path, key), "a service with `expose: none` has no load balancer to use this"
            if service.scaling and service.scaling.requests_per_target is not None:
                yield (
                    (*path, "scaling", "requests_per_target"),
                    "a service with `expose: none` has no load balancer to count requests",
                )


def launch_type_has_capacity(blueprint: Blueprint) -> Iterator[Problem]:
    cluster = blueprint.cluster
    for name, service in blueprint.services.items():
        launch_type = blueprint.launch_type(name)
        if launch_type == "ec2" and cluster.instances is None:
            yield (
                ("services", name, "launch_type"),
                "`ec2` needs EC2 hosts: add `cluster.instances` or use `launch_type: fargate`",
            )
        if launch_type == "fargate" and not cluster.offers_fargate:
            yield (
                ("services", name, "launch_type"),
                "`fargate` needs Fargate capacity: set `cluster.fargate: true`",
            )
        if launch_type == "fargate" and service.memory not in FARGATE_MEMORY.get(service.cpu, ()):
            # A cpu Fargate has no size for is the cpu's fault; a memory it does not pair with, the memory's.
            at = "memory" if service.cpu in FARGATE_MEMORY else "cpu"
            yield (("services", name, at), fargate_size_message(service.cpu, service.memory))


def count_within_scaling(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        scaling = service.scaling
        if scaling is None:
            continue
        path: KeyPath = ("services", name, "scaling")
        if scaling.min > scaling.max:
            yield (*path, "min"), f"min ({scaling.min}) is greater than max ({scaling.max})"
        elif service.count is not None and not scaling.min <= service.count <= scaling.max:
            yield (
                ("services", name, "count"),
                f"count ({service.count}) must lie between scaling.min ({scaling.min}) and max ({scaling.max})",
            )
        targets = (scaling.cpu_percent, scaling.memory_percent, scaling.requests_per_target, scaling.backlog_per_task)
        if all(target is None for target in targets):
            yield path, "give at least one target: cpu_percent, memory_percent, requests_per_target or backlog_per_task"


def talks_to_internal_services(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        seen: set[str] = set()
        for index, target in enumerate(service.talks_to):
            path: KeyPath = ("services", name, "talks_to", index)
            if target in seen:
                yield path, f"{target} is listed twice"
            seen.add(target)
            callee = blueprint.services.get(target)
            if target == name:
                yield path, "a service cannot list itself; it reaches its own tasks without a load balancer"
            elif callee is None:
                yield path, f"there is no service `{target}`{_suggest(target, list(blueprint.services))}"
            elif callee.resolved_expose != "internal":
                what = "public" if callee.resolved_expose == "public" else "a worker without a load balancer"
                yield (
                    path,
                    f"`{target}` is {what}, not internal; talks_to opens a path to an internal load balancer only",
                )


def talks_to_without_cycles(blueprint: Blueprint) -> Iterator[Problem]:
    """A caller's stack adds the rules into its callee's load balancer group, so it is nested after the
    callee; a subscriber's stack takes its publisher's topic ARN, so it is nested after the publisher.
    Services that need each other in a circle would each need the other first."""
    order = call_order(blueprint)
    if order is not None:
        return
    remaining = _cycle_members(blueprint)
    first = min(remaining)
    # Only workers subscribe, and a load-balanced service calls only load-balanced ones: a circle is of one kind.
    if not any(other in remaining for other in blueprint.services[first].talks_to):
        yield (("services", first, "queue", "subscribe"),
               f"services {', '.join(sorted(remaining))} subscribe to each other's topics in a circle; format 1 "
               "nests each subscriber after its topic's publisher, so one subscription must go (or the work be "
               "handled inside one worker)")
        return
    yield (
        ("services", first, "talks_to"),
        f"services {', '.join(sorted(remaining))} call each other in a circle; format 1 nests each caller after "
        "its callee, so one direction must go (or be handled inside one service)",
    )


def call_order(blueprint: Blueprint) -> list[str] | None:
    """Services with every callee before its callers (ties by blueprint order), or None on a cycle."""
    ordered: list[str] = []
    placed: set[str] = set()
    pending = list(blueprint.services)
    while pending:
        ready = [name for name in pending
                 if all(t in placed or t not in blueprint.services for t in stack_needs(blueprint, name))]
        if not ready:
            return None
        ordered.append(ready[0])
        placed.add(ready[0])
        pending.remove(ready[0])
    return ordered


def _cycle_members(blueprint: Blueprint) -> set[str]:
    remaining = set(blueprint.services)
    changed = True
    while changed:
        changed = False
        for name in sorted(remaining):
            callees = {t for t in stack_needs(blueprint, name) if t in remaining}
            callers = {n for n in remaining if name in stack_needs(blueprint, n)}
            if not callees or not callers:
                remaining.discard(name)
                changed = True
    return remaining


def catalog_fits_one_template(blueprint: Blueprint) -> Iterator[Problem]:
    catalog = blueprint.catalog
    if catalog is None:
        return
    products = catalog_products(len(blueprint.services))
    per_product = RESOURCES_PER_PRODUCT + (0 if catalog.local_role_name else LAUNCH_ROLES_PER_PRODUCT)
    resources = (1 + len(catalog.principals) + (0 if catalog.local_role_name else LAUNCH_POLICY_RESOURCES)
                 + per_product * products + ROLE_RESOURCES_PER_SERVICE * len(blueprint.services)
                 + SHARED_ROLE_RESOURCES)
    if resources > MAX_TEMPLATE_RESOURCES:
        yield ("catalog",), (
            f"needs up to {resources} resources in catalog.yaml ({per_product} for each of {products} "
            f"products, the products' roles, one per principal, the portfolio and the launch policies); "
            f"CloudFormation allows {MAX_TEMPLATE_RESOURCES} per template: publish fewer services or principals in "
            "the catalog"
        )


def environment_and_secrets_disjoint(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        for key in sorted(set(service.environment) & set(service.secrets)):
            yield ("services", name, "secrets", key), f"{key} is also in environment; give it once"


def _suggest(word: str, choices: list[str]) -> str:
    close = get_close_matches(word, choices, n=1)
    return f"; did you mean `{close[0]}`?" if close else ""


RULES: tuple[Rule, ...] = (
    tag_keys,
    boolean_key_names,
    description_size,
    no_template_references,
    existing_network_keys,
    vpc_has_room,
    distinct_zones,
    distinct_endpoints,
    no_nat_needs_endpoints,
    no_nat_feature_endpoints,
    instances_min_max,
    cluster_has_capacity,
    bastion_reachable,
    vpn_client_cidr,
    vpn_reaches_something,
    unique_logical_ids,
    service_exposure,
    launch_type_has_capacity,
    count_within_scaling,
    talks_to_internal_services,
    talks_to_without_cycles,
    environment_and_secrets_disjoint,
    callee_urls_free,
    permissions_grantable,
    secrets_kms_key_has_secrets,
    egress_on_own_group,
    reachable_from_internal,
    topics_distinct,
    subscriptions_resolve,
    queue_on_worker,
    backlog_has_queue,
    messaging_variables_free,
    *DOMAIN_RULES,
    task_definition_size,
    catalog_fits_one_template,
    *DEPLOYMENT_RULES,
    *JOB_RULES,
    *CAPACITY_RULES,
    *PRODUCT_RULES,
)


def problems(blueprint: Blueprint) -> Iterator[Problem]:
    for rule in RULES:
        yield from rule(blueprint)
