"""A hypothesis strategy over the whole blueprint format (SPEC 2) that draws only VALID blueprints.

Every choice respects the documented rules: CIDR sizes that hold their AZs, NAT `none` only with the
endpoints it needs, Fargate sizes AWS accepts, capacity for each launch type, `talks_to` forming a DAG
towards internal services, a VPN range clear of the VPC. A drawn blueprint that the loader refuses is
a bug in this strategy or in the loader; one that fails to build is a bug in the generator.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import yaml
from hypothesis import strategies as st

from generator.blueprint.capacity import is_graviton
from generator.blueprint.logs import RETENTION_DAYS
from generator.blueprint.messaging import QUEUE_VARIABLE, topic_variable
from generator.blueprint.model import FARGATE_MEMORY, Service
from generator.blueprint.rules import BOOLEAN_WORDS
from generator.blueprint.types import NAME_PATTERN
from generator.cfn.ids import logical_id
from generator.subnets import max_azs

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "sa-east-1"]
ENDPOINTS = ["s3", "ecr", "logs", "ecs", "ssm", "ssmmessages", "ec2messages", "secretsmanager", "sts", "kms"]
SESSION_MANAGER = ["ssm", "ssmmessages", "ec2messages"]
NAT_FREE_ENDPOINTS = ["s3", "ecr", "ecs", "logs"]
PUBLIC_IMAGES = ["public.ecr.aws/nginx/nginx:1.27", "nginx", "library/redis:7", "ghcr.io/acme/api@sha256:" + "a" * 64,
                 "registry.example.com:5000/team/app:v1.2.3"]
PRIVATE_IMAGES = [f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/app:{tag}" for region in REGIONS[:3]
                  for tag in ("1", "latest")]
INSTANCE_TYPES = ["t3.micro", "t3.medium", "m6i.large", "c7g.xlarge", "r5.2xlarge"]
TLS_POLICIES = ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06",
                "ELBSecurityPolicy-TLS-1-2-2017-01", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
                "ELBSecurityPolicy-FS-1-2-Res-2020-10"]
# A service's switches (its true/false keys) are read from the model: a new switch is drawn, built and audited
# here with no edit. One that a rule across keys restricts needs its own drawing below, like `expose`.
SERVICE_SWITCHES = [name for name, field in Service.model_fields.items() if field.annotation is bool]
# Private ranges the VPC and the VPN client range are drawn from, each from a different one.
POOLS = [ipaddress.IPv4Network("10.0.0.0/8"), ipaddress.IPv4Network("172.16.0.0/12"),
         ipaddress.IPv4Network("192.168.0.0/16")]

names = st.from_regex(NAME_PATTERN, fullmatch=True)
# Domain names of at most 50 characters, so that with the service's label in front ACM still takes them (64).
domain_names = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?){0,2}\.[a-z]{2,6}",
                             fullmatch=True)
zone_ids = st.from_regex(r"Z[A-Z0-9]{1,32}", fullmatch=True)
# `true`/`false` as names are refused (rules.boolean_key_names: a cfn-lint quirk), so never drawn here.
env_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,30}", fullmatch=True).filter(
    lambda name: name.lower() not in BOOLEAN_WORDS)
# Any text a YAML file can carry: every character but the lone surrogates no file can hold, and never `${`,
# which CloudFormation's tools read as a reference (the loader refuses it; test_yaml_meaning_fuzz inserts it).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40).filter(lambda text: "${" not in text)


def acm_arn(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    return f"arn:aws:acm:{region}:{ACCOUNT}:certificate/{draw(st.uuids())}"


@st.composite
def subnet_of(draw: st.DrawFn, pool: ipaddress.IPv4Network, prefix: int) -> ipaddress.IPv4Network:
    """A network of `prefix` inside `pool`, host bits zero."""
    index = draw(st.integers(0, 2 ** (prefix - pool.prefixlen) - 1))
    return ipaddress.IPv4Network((int(pool.network_address) + index * 2 ** (32 - prefix), prefix))


@st.composite
def source_cidr(draw: st.DrawFn, *, internet: bool) -> str:
    """IPv4 only: the VPC and its load balancers are IPv4-only in format 1, and so the bastion."""
    if internet and draw(st.integers(0, 3)) == 0:
        return "0.0.0.0/0"
    prefix = draw(st.integers(8, 32))
    address = draw(st.integers(0, 2**32 - 1))
    return str(ipaddress.IPv4Network((address, prefix), strict=False))


@st.composite
def network(draw: st.DrawFn, pool: ipaddress.IPv4Network, private_images_only: bool) -> dict[str, Any]:
    prefix = draw(st.integers(max(16, pool.prefixlen), 24))
    block: dict[str, Any] = {"cidr": str(draw(subnet_of(pool, prefix)))}
    az_count = draw(st.integers(2, min(6, max_azs(prefix))))
    if draw(st.booleans()):
        region = draw(st.sampled_from(REGIONS))
        letters = draw(st.permutations("abcdef"))[:az_count]
        block["availability_zones"] = [f"{region}{letter}" for letter in letters]
    elif az_count != 2 or draw(st.booleans()):
        block["availability_zones"] = az_count
    endpoints = draw(st.lists(st.sampled_from(ENDPOINTS), unique=True))
    if private_images_only:
        block["nat_gateways"] = "none"
        endpoints = list(dict.fromkeys(endpoints + draw(st.permutations(NAT_FREE_ENDPOINTS))))
    elif draw(st.booleans()):
        block["nat_gateways"] = draw(st.sampled_from(["per-az", "single"]))
    if endpoints:
        block["endpoints"] = endpoints
    if draw(st.booleans()):
        block["flow_logs"] = draw(st.booleans())  # off is an opt-out the audit flags as a warning
    return block


@st.composite
def cluster(draw: st.DrawFn) -> dict[str, Any]:
    block: dict[str, Any] = {}
    kind = draw(st.sampled_from(["instances", "fargate", "both"]))
    if kind != "fargate":
        low = draw(st.integers(0, 5))
        instances: dict[str, Any] = {"type": draw(st.sampled_from(INSTANCE_TYPES)), "min": low,
                                     "max": draw(st.integers(max(1, low), 20))}
        if draw(st.booleans()):
            instances["volume_gb"] = draw(st.integers(30, 500))
        if draw(st.booleans()):
            instances["ami"] = draw(st.sampled_from(
                ["/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id", "ami-0123456789abcdef0"]))
        if draw(st.booleans()):
            instances["key_name"] = draw(st.sampled_from(["ops", "deploy key", "team.ops-2024"]))
        if is_graviton(instances["type"]):  # hosts, their Spot types and their AMI agree on one architecture
            instances["architecture"] = "arm64"
            instances.pop("ami", None)
        if draw(st.booleans()):
            pool = [kind for kind in [*INSTANCE_TYPES, "m7g.large", "t4g.medium"]
                    if is_graviton(kind) == is_graviton(instances["type"])]
            instances["spot"] = {"percent": draw(st.integers(1, 100)),
                                 "types": draw(st.lists(st.sampled_from(pool), min_size=2, max_size=3, unique=True))}
        block["instances"] = instances
    if kind == "both" or (kind == "fargate" and draw(st.booleans())):
        block["fargate"] = True
    if draw(st.booleans()):
        block["container_insights"] = draw(st.booleans())
    return block


@st.composite
def access(draw: st.DrawFn, vpn_pool: ipaddress.IPv4Network) -> dict[str, Any]:
    block: dict[str, Any] = {}
    ssm = draw(st.booleans())
    if not ssm or draw(st.booleans()):
        block["ssm"] = ssm
    if draw(st.booleans()):
        bastion: dict[str, Any] = {
            "allowed_cidrs": draw(st.lists(source_cidr(internet=False), min_size=1, max_size=4, unique=True))
        }
        if draw(st.booleans()):
            bastion["instance_type"] = draw(st.sampled_from(INSTANCE_TYPES))
        if not ssm or draw(st.booleans()):
            bastion["key_name"] = "ops"
        block["bastion"] = bastion
    if draw(st.booleans()):
        prefix = draw(st.integers(max(12, vpn_pool.prefixlen), 22))
        block["vpn"] = {"client_cidr": str(draw(subnet_of(vpn_pool, prefix))),
                        "server_certificate_arn": acm_arn(draw), "client_certificate_arn": acm_arn(draw)}
    return block


@st.composite
def service(draw: st.DrawFn, *, callees: list[str], launch_types: list[str], private_images_only: bool,
            expose: str) -> dict[str, Any]:
    block: dict[str, Any] = {
        "image": draw(st.sampled_from(PRIVATE_IMAGES if private_images_only else PUBLIC_IMAGES + PRIVATE_IMAGES))
    }
    if expose != "none":
        block["port"] = draw(st.integers(1, 65535))
    if expose == "public" or draw(st.booleans()):  # internal (with a port) and none (without) are the defaults
        block["expose"] = expose
    launch_type = draw(st.sampled_from(launch_types))
    default_launch_type = "ec2" if "ec2" in launch_types else "fargate"
    if launch_type != default_launch_type or draw(st.booleans()):
        block["launch_type"] = launch_type
    if launch_type == "fargate":
        cpu = draw(st.sampled_from(sorted(FARGATE_MEMORY)))
        memory = draw(st.sampled_from(FARGATE_MEMORY[cpu]))
    else:
        cpu, memory = draw(st.integers(128, 4096)), draw(st.integers(128, 16384))
    if (cpu, memory) != (256, 512) or draw(st.booleans()):
        block["cpu"], block["memory"] = cpu, memory
    if draw(st.booleans()):
        low = draw(st.integers(0, 10))
        targets = ["cpu_percent", "memory_percent"] + (["requests_per_target"] if expose != "none" else [])
        chosen = draw(st.lists(st.sampled_from(targets), min_size=1, unique=True))
        scaling: dict[str, Any] = {"min": low, "max": draw(st.integers(max(1, low), 100))}
        for target in chosen:
            scaling[target] = draw(st.integers(1, 100 if target.endswith("percent") else 1_000_000))
        block["scaling"] = scaling
        if draw(st.booleans()):
            block["count"] = draw(st.integers(low, scaling["max"]))
    elif draw(st.booleans()):
        block["count"] = draw(st.integers(0, 50))
    if expose != "none":
        if draw(st.booleans()):
            path = draw(st.from_regex(r"/[\x21-\x7e]{0,40}", fullmatch=True).filter(lambda path: "${" not in path))
            block["health_check"] = {"path": path, "grace_seconds": draw(st.integers(0, 3600))}
        if draw(st.booleans()):  # valid_blueprints makes each name its service's own
            block["domain"] = {"name": draw(domain_names), "hosted_zone_id": draw(zone_ids)}
        if draw(st.booleans()):
            block["https"] = {"certificate_arn": acm_arn(draw)}
            if draw(st.booleans()):
                block["https"]["ssl_policy"] = draw(st.sampled_from(TLS_POLICIES))
            if "domain" in block and draw(st.booleans()):  # with a domain the stack requests the certificate
                del block["https"]["certificate_arn"]
    if expose == "public" and draw(st.booleans()):
        block["allowed_cidrs"] = draw(st.lists(source_cidr(internet=True), min_size=1, max_size=4,
                                               unique=True))
    environment = draw(st.dictionaries(env_names, any_text, max_size=4))
    if environment:
        block["environment"] = environment
    secret_names = draw(st.lists(env_names.filter(lambda name: name not in environment), max_size=3, unique=True))
    if secret_names:
        block["secrets"] = {
            name: draw(st.sampled_from([
                f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app/{name.lower()}-AbCdEf",
                f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:{name}",
                f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/{name}",
            ]))
            for name in secret_names
        }
    if draw(st.booleans()):
        block["command"] = draw(st.lists(any_text, min_size=1, max_size=4))
    if callees:
        talks_to = draw(st.lists(st.sampled_from(callees), unique=True, max_size=3))
        if talks_to:
            block["talks_to"] = talks_to
    for switch in SERVICE_SWITCHES:
        if draw(st.booleans()):
            block[switch] = draw(st.booleans())
    return block


# The model's tag pattern is [\w .:/=+@-], with \w as pydantic's (Rust) regex reads it: letters, marks and
# decimal digits, not Python's \w, which also takes digits such as '²'.
tag_characters = st.characters(categories=["L", "Nd"], include_characters=" .:/=+@-_")


@st.composite
def tags(draw: st.DrawFn) -> dict[str, str]:
    keys = st.text(tag_characters, min_size=1, max_size=30).filter(
        lambda key: not key.lower().startswith("aws:") and key.lower() not in BOOLEAN_WORDS)
    return draw(st.dictionaries(keys, st.text(tag_characters, min_size=1, max_size=40), max_size=5))


@st.composite
def valid_blueprints(draw: st.DrawFn) -> dict[str, Any]:
    """A valid blueprint, as the data its YAML holds."""
    vpc_pool, vpn_pool = draw(st.permutations(POOLS))[:2]
    if vpn_pool.prefixlen > 12 and vpc_pool.prefixlen <= 12:
        vpc_pool, vpn_pool = vpn_pool, vpc_pool  # a VPN range may be as large as /12
    private_images_only = draw(st.integers(0, 4)) == 0  # then no NAT gateways at all
    blueprint: dict[str, Any] = {"name": draw(names)}
    if draw(st.booleans()):
        blueprint["description"] = draw(any_text)
    blueprint_tags = draw(tags())
    if blueprint_tags:
        blueprint["tags"] = blueprint_tags
    blueprint["network"] = draw(network(vpc_pool, private_images_only))
    blueprint["cluster"] = draw(cluster())
    block = draw(access(vpn_pool))
    if "vpn" in block:  # a VPN must reach something: SSH to hosts with a key pair (or drop it on Fargate only)
        if "instances" in blueprint["cluster"]:
            blueprint["cluster"]["instances"].setdefault("key_name", "ops")
        else:
            del block["vpn"]
    if block:
        blueprint["access"] = block

    offers = blueprint["cluster"]
    launch_types = (["ec2"] if "instances" in offers else []) + (
        ["fargate"] if "instances" not in offers or offers.get("fargate") else [])
    service_names = draw(st.lists(names, min_size=1, max_size=6, unique_by=logical_id))
    services: dict[str, Any] = {}
    internal: list[str] = []  # drawn so far, in order: a service calls only earlier ones, so no cycles
    for name in service_names:
        expose = draw(st.sampled_from(["public", "internal", "internal", "none"]))
        services[name] = draw(service(callees=list(internal), launch_types=launch_types,
                                      private_images_only=private_images_only, expose=expose))
        if expose == "internal":
            internal.append(name)
        if "domain" in services[name]:  # one service per name: its index as the first label
            services[name]["domain"]["name"] = f"s{len(services)}.{services[name]['domain']['name']}"
    order = draw(st.permutations(list(services)))  # blueprint order need not be call order
    blueprint["services"] = {name: services[name] for name in order}
    if private_images_only:  # without NAT, each feature's AWS API needs its endpoint too
        blueprint["network"]["endpoints"] = list(dict.fromkeys(
            blueprint["network"]["endpoints"] + _feature_endpoints(blueprint)))
    add_deployments_and_messaging(draw, blueprint, with_nat=not private_images_only)
    if not private_images_only:  # a job's public image and its timer need NAT
        drawn_jobs = draw(jobs(list(services), launch_types))
        if drawn_jobs:
            blueprint["jobs"] = drawn_jobs
    if draw(st.booleans()):
        blueprint["logs"] = {"retention_days": draw(st.sampled_from(RETENTION_DAYS))}
    # A catalog's product roles cannot name what a product creates at launch (blueprint/product_rules.py).
    launch_named = "jobs" in blueprint or any(
        "publishes" in service or service.get("deployment", {}).get("strategy", "rolling") != "rolling"
        for service in services.values())
    if not launch_named and draw(st.integers(0, 3)) == 0:
        catalog: dict[str, Any] = {"portfolio": draw(any_text.filter(lambda t: 1 <= len(t) <= 100)),
                                   "owner": draw(any_text.filter(lambda t: 1 <= len(t) <= 50))}
        if draw(st.booleans()):
            catalog["principals"] = [f"arn:aws:iam::{ACCOUNT}:role/Developers", f"arn:aws:iam::{ACCOUNT}:group/ops"]
        if draw(st.booleans()):
            catalog["local_role_name"] = "ServiceCatalogLaunch"
        blueprint["catalog"] = catalog
    if draw(st.integers(0, 3)) == 0:
        blueprint["environments"] = draw(environments(blueprint))
    return blueprint


# Issues 19-21's keys: schedules Scheduler takes (cron oddities included), IANA zones, deployment strategies.
SCHEDULES = ["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(30 days)",
             "cron(0 3 * * ? *)", "cron(0/15 8-18 ? * MON-FRI *)", "cron(0 0 L * ? *)", "cron(30 6 15W * ? *)",
             "cron(0 12 ? * 2#1 *)", "cron(0 22 ? * 6L 2025-2199)", "cron(5,35 * * JAN,JUL ? *)"]
TIME_ZONES = ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Asia/Kolkata"]
ENVIRONMENT_NAMES = ["dev", "staging", "prod", "qa"]


def tenths(low: int) -> st.SearchStrategy[float]:
    """Percentages in ECS's steps of 0.1 from low/10 to 100 that cfn-lint's float multipleOf verifies (68.8 / 0.1 is
    not whole in floating point: deployment_rules refuses such a value, naming ones that are)."""
    return st.integers(low, 1000).map(lambda number: number / 10).filter(lambda value: int(value / 0.1) == value / 0.1)


@st.composite
def deployment(draw: st.DrawFn) -> dict[str, Any]:
    """A deployment of a load-balanced service whose tasks have their own interface (awsvpc, the default)."""
    strategy = draw(st.sampled_from(["rolling", "blue-green", "linear", "canary"]))
    block: dict[str, Any] = {"strategy": strategy}
    if strategy != "rolling":
        if draw(st.booleans()):
            block["bake_minutes"] = draw(st.integers(0, 60))
        if draw(st.booleans()):
            block["test_port"] = draw(st.integers(1024, 65535))
    if strategy == "canary" and draw(st.booleans()):
        block["canary_percent"] = draw(tenths(1))
        block["canary_minutes"] = draw(st.integers(0, 30))
    if strategy == "linear" and draw(st.booleans()):
        block["step_percent"] = draw(tenths(30))
        block["step_minutes"] = draw(st.integers(0, 30))
    if draw(st.booleans()):
        block["alarms"] = draw(st.booleans())
    return block


def add_deployments_and_messaging(draw: st.DrawFn, blueprint: dict[str, Any], with_nat: bool) -> None:
    """Deployments for load-balanced services; topics, and queues of workers subscribed to the topics of
    services drawn before them (so subscriptions never go round in a circle), only with NAT (SNS and SQS
    are reached through it)."""
    topics: list[str] = []
    for name, service in blueprint["services"].items():
        scaled_on_requests = "requests_per_target" in service.get("scaling", {})
        if service.get("expose") != "none" and "port" in service and not scaled_on_requests and draw(st.booleans()):
            service["deployment"] = draw(deployment())
        if not with_nat:
            continue
        taken = {*service.get("environment", {}), *service.get("secrets", {}),
                 *(f"{callee.upper().replace('-', '_')}_URL" for callee in service.get("talks_to", []))}
        if service.get("expose") == "none" and "port" not in service and topics and QUEUE_VARIABLE not in taken \
                and draw(st.booleans()):
            queue: dict[str, Any] = {"subscribe": draw(st.lists(st.sampled_from(topics), min_size=1, max_size=3,
                                                                unique=True))}
            if draw(st.booleans()):
                queue["max_receives"] = draw(st.integers(1, 1000))
            service["queue"] = queue
            taken.add(QUEUE_VARIABLE)
        published = [topic for topic in draw(st.lists(names, max_size=2, unique_by=logical_id))
                     if topic_variable(topic) not in taken]
        if published:
            service["publishes"] = published
            topics += [f"{name}.{topic}" for topic in published]


@st.composite
def jobs(draw: st.DrawFn, taken: list[str], launch_types: list[str]) -> dict[str, Any]:
    """Jobs named apart from the services (one namespace of stacks), each on a launch type the cluster offers."""
    drawn: dict[str, Any] = {}
    ids = {logical_id(name) for name in taken}
    for name in draw(st.lists(names.filter(lambda name: logical_id(name) not in ids), max_size=2,
                              unique_by=logical_id)):
        job: dict[str, Any] = {"image": draw(st.sampled_from(PUBLIC_IMAGES)),
                               "schedule": draw(st.sampled_from(SCHEDULES))}
        if draw(st.booleans()):
            job["timezone"] = draw(st.sampled_from(TIME_ZONES))
        launch_type = draw(st.sampled_from(launch_types))
        if launch_type != ("ec2" if "ec2" in launch_types else "fargate") or draw(st.booleans()):
            job["launch_type"] = launch_type
        if launch_type == "fargate" and draw(st.booleans()):
            job["cpu"] = draw(st.sampled_from(sorted(FARGATE_MEMORY)))
            job["memory"] = draw(st.sampled_from(FARGATE_MEMORY[job["cpu"]]))
        if draw(st.booleans()):
            job["command"] = draw(st.lists(any_text, min_size=1, max_size=3))
        if draw(st.booleans()):
            job["timeout_minutes"] = draw(st.integers(1, 24 * 60))
        if draw(st.booleans()):
            job["retries"] = draw(st.integers(0, 185))
        drawn[name] = job
    return drawn


@st.composite
def environments(draw: st.DrawFn, blueprint: dict[str, Any]) -> dict[str, Any]:
    """Overlays that stay valid once merged: another log retention, another count for a service without
    scaling (whose bounds it would have to respect), the blueprint's own account."""
    drawn: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(ENVIRONMENT_NAMES), min_size=1, max_size=2, unique=True)):
        overlay: dict[str, Any] = {}
        if draw(st.booleans()):
            overlay["account"] = ACCOUNT
        if draw(st.booleans()):
            overlay["logs"] = {"retention_days": draw(st.sampled_from(RETENTION_DAYS))}
        unscaled = [service for service, block in blueprint["services"].items() if "scaling" not in block]
        if unscaled and draw(st.booleans()):
            overlay["services"] = {draw(st.sampled_from(unscaled)): {"count": draw(st.integers(0, 10))}}
        drawn[name] = overlay
    return drawn


def as_yaml(blueprint: dict[str, Any]) -> str:
    return yaml.safe_dump(blueprint, sort_keys=False, allow_unicode=True, width=100)


def _feature_endpoints(blueprint: dict[str, Any]) -> list[str]:
    """The endpoints the drawn features call without NAT: secrets by ARN, ECS Exec, Session Manager on hosts."""
    needed: list[str] = []
    if blueprint.get("access", {}).get("ssm", True) and "instances" in blueprint["cluster"]:
        needed += SESSION_MANAGER
    for service in blueprint["services"].values():
        needed += [arn.split(":")[2] for arn in service.get("secrets", {}).values()]
        if service.get("exec"):
            needed += SESSION_MANAGER
    return needed
