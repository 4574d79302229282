"""Rules across the keys of topics and queues (issue 20): each subscription names a topic some service
publishes, topics and queues keep to the names the builder gives them, a queue belongs to a worker, backlog
scaling has a backlog to count. Each gives a located error; rules.py lists them with the others."""

from __future__ import annotations

from collections.abc import Iterator
from difflib import get_close_matches

from generator.blueprint.errors import KeyPath
from generator.blueprint.messaging import QUEUE_VARIABLE, topic_address, topic_variable
from generator.blueprint.model import Blueprint, Service, callee_variable
from generator.cfn.ids import logical_id

Problem = tuple[KeyPath, str]


def publishers(service: Service) -> list[str]:
    """The services whose topics this one's queue subscribes to, each once, in the blueprint's order."""
    if service.queue is None:
        return []
    return list(dict.fromkeys(topic_address(entry.topic)[0] for entry in service.queue.subscriptions))


def stack_needs(blueprint: Blueprint, name: str) -> list[str]:
    """The other services whose stacks this one's stack takes outputs from, so must be nested after: its
    `talks_to` callees (their load balancer groups and URLs), the publishers of the topics it subscribes to
    (their topics' ARNs)."""
    service = blueprint.services[name]
    return [other for other in dict.fromkeys([*service.talks_to, *publishers(service)]) if other != name]


def topics_distinct(blueprint: Blueprint) -> Iterator[Problem]:
    """Each topic once, and under a CloudFormation name of its own (`order-events` and `order--events` are both
    OrderEventsTopic)."""
    for name, service in blueprint.services.items():
        owners: dict[str, str] = {}
        for index, topic in enumerate(service.publishes):
            key = logical_id(topic)
            if topic in owners.values():
                yield ("services", name, "publishes", index), f"{topic} is listed twice"
            elif key in owners:
                yield ("services", name, "publishes", index), (
                    f"`{topic}` and `{owners[key]}` both become the CloudFormation name {key}Topic; rename one")
            owners.setdefault(key, topic)


def subscriptions_resolve(blueprint: Blueprint) -> Iterator[Problem]:
    """Each subscription names an existing service and a topic it publishes, once."""
    for name, service in blueprint.services.items():
        if service.queue is None:
            continue
        seen: dict[str, str] = {}
        for index, entry in enumerate(service.queue.subscriptions):
            path: KeyPath = ("services", name, "queue", "subscribe", index)
            publisher, topic = topic_address(entry.topic)
            other = blueprint.services.get(publisher)
            key = logical_id(publisher, topic)
            if other is None:
                yield path, f"there is no service `{publisher}`{_suggest(publisher, list(blueprint.services))}"
            elif topic not in other.publishes:
                yield path, (f"`{publisher}` publishes no topic `{topic}`" + (
                    f"; it publishes {', '.join(other.publishes)}{_suggest(topic, other.publishes)}" if other.publishes
                    else f": add `publishes: [{topic}]` to `{publisher}`"))
            elif entry.topic in seen.values():
                yield path, f"{entry.topic} is listed twice"
            elif key in seen:
                yield path, (f"`{entry.topic}` and `{seen[key]}` both become the CloudFormation name "
                             f"{key}Subscription; rename one of the services or topics")
            seen.setdefault(key, entry.topic)


def queue_on_worker(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        if service.queue is not None and service.has_load_balancer:
            yield ("services", name, "queue"), (
                f"a queue belongs to a worker (`expose: none`), not to a service behind a load balancer (`expose: "
                f"{service.resolved_expose}`), which would scale on requests and backlog at once; consume the queue "
                "in a worker service of its own")


def backlog_has_queue(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        if service.scaling is None or service.scaling.backlog_per_task is None:
            continue
        path: KeyPath = ("services", name, "scaling", "backlog_per_task")
        if service.queue is None:
            yield path, "the service has no `queue` whose backlog to count; add one, or scale on cpu_percent"
        elif not blueprint.cluster.container_insights:
            yield path, ("backlog per task divides by the service's running tasks, which only Container Insights "
                         "counts; leave `cluster.container_insights` on")


def messaging_variables_free(blueprint: Blueprint) -> Iterator[Problem]:
    """A topic's ARN arrives as `<TOPIC>_TOPIC_ARN` and the queue's URL as `QUEUE_URL`; the service's own
    variables (and a callee's URL, `QUEUE_URL` for a callee named `queue`) may not take those names."""
    for name, service in blueprint.services.items():
        given = {topic_variable(topic): f"the ARN of its topic {topic}" for topic in service.publishes}
        if service.queue is not None:
            given[QUEUE_VARIABLE] = "the URL of its queue"
        for block in ("environment", "secrets"):
            for variable in getattr(service, block):
                if variable in given:
                    yield ("services", name, block, variable), (
                        f"{variable} is where the service gets {given[variable]}; rename this variable (or drop it: "
                        "the value is given)")
        for index, callee in enumerate(service.talks_to):
            if callee_variable(callee) in given:
                yield ("services", name, "talks_to", index), (
                    f"the URL of {callee} would arrive as {callee_variable(callee)}, where the service gets "
                    f"{given[callee_variable(callee)]}; rename the service {callee}")


def _suggest(word: str, choices: list[str]) -> str:
    close = get_close_matches(word, choices, n=1)
    return f"; did you mean `{close[0]}`?" if close else ""
