"""Copilot service manifests (Load Balanced Web, Backend, Worker) as blueprint services.

One converter serves a manifest and each of its `environments.<env>` overrides: it writes only the keys the
manifest gives, so an override becomes the environment's overlay of the service (deep-merged by the
blueprint); what only the service type decides (`expose`, the placeholder image) is the caller's.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from generator.blueprint.types import HEALTH_PATH_PATTERN
from generator.importing import values
from generator.importing.context import Context, Converted
from generator.importing.manifest import View
from generator.importing.task import task_fields

LOAD_BALANCED = "Load Balanced Web Service"
BACKEND = "Backend Service"
WORKER = "Worker Service"
SERVICE_TYPES = (LOAD_BALANCED, BACKEND, WORKER)


def convert_service(view: View, kind: str, name: str, context: Context) -> Converted:
    """The blueprint keys of one service manifest, or of one environment's override of it."""
    converted = task_fields(view, name, context)
    fields = converted.fields
    if view.has("exec"):
        exec_on = view.boolean("exec")
        if exec_on is not None:
            fields["exec"] = exec_on
    _count(view, fields, worker=kind == WORKER)
    _placement(view)
    if kind == WORKER:
        if view.has("image", "port"):
            view.leave("image", "port", reason="a worker has no load balancer, so no port")
        _subscribe(view, fields)
    else:
        port = view.integer("image", "port", low=1, high=65535)
        if port is not None:
            fields["port"] = port
        _http(view, kind, name, fields, context)
    _publish(view, fields)
    return converted


def _placement(view: View) -> None:
    placement = view.text("network", "vpc", "placement")
    if placement is not None and placement != "private":
        view.leave("network", "vpc", "placement",
                   reason="tasks always run in private subnets here, without public IPs (SPEC 5.1)")


def _count(view: View, fields: dict[str, Any], *, worker: bool) -> None:
    count = view.raw("count")
    if count is None:
        return
    if not isinstance(count, dict):
        number = view.integer("count", low=0, high=1000)
        if number is not None:
            fields["count"] = number
        return
    if view.has("count", "spot"):
        spot = view.integer("count", "spot", low=0, high=1000)
        if spot is not None:
            fields["count"], fields["spot"] = spot, 100
    targets: dict[str, int] = {}
    for key, target, high in (("cpu_percentage", "cpu_percent", 100), ("memory_percentage", "memory_percent", 100),
                              ("requests", "requests_per_target", 1_000_000)):
        keys = ("count", key, "value") if isinstance(view.raw("count", key), dict) else ("count", key)
        if view.has(*keys):
            number = view.integer(*keys, low=1, high=high)
            if number is not None:
                targets[target] = number
    if view.raw("count", "queue_delay") is not None:
        backlog = _backlog(view) if worker else None
        if not worker:
            view.leave("count", "queue_delay", reason="only a worker scales on its queue's backlog")
        if backlog is not None:
            targets["backlog_per_task"] = backlog
    if view.raw("count", "range") is None:
        for target in targets:
            view.leave("count", reason=f"scaling on {target} needs count.range (the fewest and most tasks)")
        return
    bounds = _range(view)
    if bounds is None:
        return
    low, high, spot_from = bounds
    if not targets:
        view.leave("count", "range", reason="a range without a metric to scale on (cpu_percentage, "
                   "memory_percentage, requests or queue_delay) does not scale")
        return
    fields["scaling"] = {"min": low, "max": high, **targets}
    if spot_from is not None and spot_from <= high:
        # Copilot puts the tasks from the spot_from-th on Spot; the blueprint gives Spot a share of the tasks:
        # the share Copilot reaches at the most tasks.
        fields["spot"] = max(1, round(100 * (high - spot_from + 1) / high))


def _range(view: View) -> tuple[int, int, int | None] | None:
    value = view.raw("count", "range")
    if isinstance(value, dict):
        low = view.integer("count", "range", "min", low=0, high=1000)
        high = view.integer("count", "range", "max", low=1, high=1000)
        spot_from = view.integer("count", "range", "spot_from", low=0, high=1000) if view.has(
            "count", "range", "spot_from") else None
        if low is None or high is None or low > high:
            if low is not None and high is not None:
                view.leave("count", "range", reason=f"the minimum {low} is above the maximum {high}")
            return None
        return low, high, spot_from
    text = view.text("count", "range")
    if text is None:
        return None
    try:
        low, high = values.task_range(text)
    except ValueError as exc:
        view.leave("count", "range", reason=str(exc))
        return None
    if high < 1 or high > 1000:
        view.leave("count", "range", reason=f"at most {high} tasks: the blueprint takes 1..1000")
        return None
    return low, high, None


def _backlog(view: View) -> int | None:
    """Copilot's queue_delay (acceptable latency / time per message) as the backlog a task may hold."""
    latency = view.text("count", "queue_delay", "acceptable_latency")
    processing = view.text("count", "queue_delay", "msg_processing_time")
    if latency is None or processing is None:
        view.leave("count", "queue_delay", reason="needs acceptable_latency and msg_processing_time")
        return None
    try:
        backlog = int(values.seconds(latency) // values.seconds(processing))
    except (ValueError, ZeroDivisionError) as exc:
        view.leave("count", "queue_delay", reason=str(exc) or "msg_processing_time is zero")
        return None
    if backlog < 1:
        view.leave("count", "queue_delay", reason="a task could not take even one message within the latency")
        return None
    return backlog


def _http(view: View, kind: str, name: str, fields: dict[str, Any], context: Context) -> None:
    http = view.raw("http")
    if http is False:
        view.take("http")
        if kind == LOAD_BALANCED:
            fields["expose"] = "none"
            view.leave("http", reason="no load balancer in Copilot (http: false); written as a worker "
                       "(expose: none): a Network Load Balancer has no equivalent here")
        return
    if not isinstance(http, dict):
        if http is not None:
            view.leave("http", reason="expected a mapping (or false)")
        return
    if view.has("http", "path"):
        view.text("http", "path")  # every path reaches the service: it has a load balancer of its own
    _health_check(view, fields)
    _domain(view, name, fields, context)
    if view.raw("http", "allowed_source_ips") is not None:
        cidrs = _cidrs(view, "http", "allowed_source_ips")
        if cidrs:
            fields["allowed_cidrs"] = cidrs


def _health_check(view: View, fields: dict[str, Any]) -> None:
    check = view.raw("http", "healthcheck")
    if check is None:
        return
    keys = ("http", "healthcheck", "path") if isinstance(check, dict) else ("http", "healthcheck")
    health: dict[str, Any] = {}
    path = view.text(*keys)
    if path is not None:
        if re.fullmatch(HEALTH_PATH_PATTERN, path):
            health["path"] = path
        else:
            view.leave(*keys, reason=f"{path!r} is not an HTTP path starting with /")
    if isinstance(check, dict) and view.has("http", "healthcheck", "grace_period"):
        grace = view.text("http", "healthcheck", "grace_period")
        if grace is not None:
            try:
                health["grace_seconds"] = int(values.seconds(grace))
            except ValueError as exc:
                view.leave("http", "healthcheck", "grace_period", reason=str(exc))
    if health:
        fields["health_check"] = health


def _domain(view: View, name: str, fields: dict[str, Any], context: Context) -> None:
    """The first alias with its hosted zone as the service's domain; the other aliases are reported."""
    alias = view.raw("http", "alias")
    if alias is None:
        return
    items = alias if isinstance(alias, list) else [alias]
    keys_of = (lambda index: ("http", "alias", index)) if isinstance(alias, list) else (lambda index: ("http", "alias"))
    zone_default = view.text("http", "hosted_zone") if view.has("http", "hosted_zone") else None
    for index, item in enumerate(items):
        keys = keys_of(index)
        if index > 0:
            view.leave(*keys, reason="a service here has one domain: only the first alias is carried over")
            continue
        domain, zone = (view.text(*keys, "name"), view.text(*keys, "hosted_zone")) if isinstance(item, dict) else (
            view.text(*keys), zone_default)
        if domain is None:
            continue
        if zone is None:
            view.leave(*keys, reason=f"{domain}: no hosted_zone given (Copilot used the application's domain); "
                       "write `domain: {name: ..., hosted_zone_id: ...}`")
            continue
        owner = context.claim_domain(view.environment, domain, name)
        if owner != name:
            view.leave(*keys, reason=f"{domain} is service {owner}'s domain already (Copilot routed by path on "
                       "one load balancer; here each service has its own)")
            continue
        fields["domain"] = {"name": domain, "hosted_zone_id": zone}


def _cidrs(view: View, *keys: str) -> list[str]:
    raw = view.raw(*keys)
    if not isinstance(raw, list):
        view.leave(*keys, reason="expected a list of CIDR blocks")
        return []
    cidrs = []
    for index in range(len(raw)):
        text = view.text(*keys, index)
        if text is None:
            continue
        try:
            network = ipaddress.ip_network(text, strict=True)
        except ValueError:
            view.leave(*keys, index, reason=f"{text!r} is not a CIDR block with its host bits zero")
            continue
        if network.version != 4:
            view.leave(*keys, index, reason=f"{text} is IPv6; load balancers are IPv4-only here")
            continue
        cidrs.append(text)
    return cidrs


def _publish(view: View, fields: dict[str, Any]) -> None:
    topics = view.raw("publish", "topics")
    if topics is None:
        return
    if not isinstance(topics, list):
        view.leave("publish", "topics", reason="expected a list of topics")
        return
    names = []
    for index, topic in enumerate(topics):
        keys = ("publish", "topics", index, "name") if isinstance(topic, dict) else ("publish", "topics", index)
        text = view.text(*keys)
        if text is None:
            continue
        try:
            names.append(values.name(text))
        except ValueError as exc:
            view.leave(*keys, reason=str(exc))
    if names:
        fields["publishes"] = names


def _subscribe(view: View, fields: dict[str, Any]) -> None:
    if view.raw("subscribe") is None:
        return
    queue: dict[str, Any] = {}
    topics = view.raw("subscribe", "topics")
    if isinstance(topics, list):
        subscriptions = []
        for index in range(len(topics)):
            topic, service = view.text("subscribe", "topics", index, "name"), view.text(
                "subscribe", "topics", index, "service")
            if topic is not None and service is not None:
                subscriptions.append(f"{service}.{topic}")
        if subscriptions:
            queue["subscribe"] = subscriptions
    elif topics is not None:
        view.leave("subscribe", "topics", reason="expected a list of topics")
    if view.has("subscribe", "queue", "dead_letter", "tries"):
        tries = view.integer("subscribe", "queue", "dead_letter", "tries", low=1, high=1000)
        if tries is not None:
            queue["max_receives"] = tries
    if view.has("subscribe", "queue", "timeout"):
        timeout = view.text("subscribe", "queue", "timeout")
        if timeout is not None:
            try:
                visibility = int(values.seconds(timeout))
                if not 0 <= visibility <= 43200:
                    raise ValueError(f"{timeout}: SQS takes 0s to 12h")
                queue["visibility_seconds"] = visibility
            except ValueError as exc:
                view.leave("subscribe", "queue", "timeout", reason=str(exc))
    if queue:
        fields["queue"] = queue
