"""The issue 20 keys for topics and queues load as the issue writes them; each refusal points at the key at fault."""

from __future__ import annotations

import pytest
from shared import load

from generator.blueprint.errors import BlueprintErrors
from generator.blueprint.messaging import Subscription, messaging_variables, topic_variable
from generator.blueprint.messaging_rules import stack_needs
from generator.blueprint.rules import call_order

ISSUE = """\
name: shop
services:
  orders:
    image: nginx
    port: 8080
    publishes: [order-events]
  fulfil:
    expose: none
    image: nginx
    queue:
      subscribe: [orders.order-events]
      max_receives: 5
      visibility_seconds: 60
    scaling: {min: 0, max: 10, backlog_per_task: 100}
"""


def errors(text: str) -> list[str]:
    with pytest.raises(BlueprintErrors) as failed:
        load(text)
    return failed.value.render().splitlines()


def test_the_issues_blueprint_loads() -> None:
    blueprint = load(ISSUE)
    fulfil = blueprint.services["fulfil"]
    assert blueprint.services["orders"].publishes == ["order-events"]
    assert fulfil.queue is not None and fulfil.queue.subscriptions == [Subscription(topic="orders.order-events")]
    assert (fulfil.queue.max_receives, fulfil.queue.visibility_seconds) == (5, 60)
    assert fulfil.scaling is not None and fulfil.scaling.backlog_per_task == 100
    assert fulfil.resolved_count == 0  # scaling.min: idle until messages arrive
    assert call_order(blueprint) == ["orders", "fulfil"]


def test_the_map_form_and_the_defaults() -> None:
    blueprint = load("""\
        name: shop
        services:
          fulfil:
            image: nginx
            publishes: [retries]
            queue:
              subscribe:
                - {topic: fulfil.retries, filter: {type: [a, b], amount: [{numeric: ['>=', 100]}]}, raw: true}
        """)
    queue = blueprint.services["fulfil"].queue
    assert queue is not None and (queue.max_receives, queue.visibility_seconds) == (5, 30)
    (entry,) = queue.subscriptions
    assert (entry.topic, entry.raw) == ("fulfil.retries", True)
    assert entry.filter == {"type": ["a", "b"], "amount": [{"numeric": [">=", 100]}]}
    assert stack_needs(blueprint, "fulfil") == []  # its own topic: no other stack first


@pytest.mark.parametrize(("topic", "variable"), [
    ("order-events", "ORDER_EVENTS_TOPIC_ARN"), ("x", "X_TOPIC_ARN"), ("a1-b2-c3", "A1_B2_C3_TOPIC_ARN")])
def test_each_topic_arrives_in_a_variable_of_its_name(topic: str, variable: str) -> None:
    assert topic_variable(topic) == variable
    assert messaging_variables([topic], None) == [variable]


WORKER = ("name: shop\nservices:\n  orders: {{image: nginx, port: 80, publishes: [order-events]}}\n"
          "  fulfil: {{{body}}}\n")


@pytest.mark.parametrize(("body", "where"), [
    # the model: names, addresses, ranges, filter policies
    ("image: nginx, publishes: [Order-Events]", "services.fulfil.publishes[0]"),
    ("image: nginx, publishes: ['order.events']", "services.fulfil.publishes[0]"),
    ("image: nginx, queue: {subscribe: [orders]}", "services.fulfil.queue.subscribe[0]"),
    ("image: nginx, queue: {subscribe: [orders.order-events.x]}", "services.fulfil.queue.subscribe[0]"),
    ("image: nginx, queue: {subscribe: [7]}", "services.fulfil.queue.subscribe[0]"),
    ("image: nginx, queue: {subscribe: [{topic: orders.order-events, filters: {}}]}",
     "services.fulfil.queue.subscribe[0].filters"),
    ("image: nginx, queue: {subscribe: [{topic: orders.order-events, filter: {}}]}",
     "services.fulfil.queue.subscribe[0].filter"),
    ("image: nginx, queue: {subscribe: [{topic: orders.order-events, filter: {type: []}}]}",
     "services.fulfil.queue.subscribe[0].filter.type"),
    ("image: nginx, queue: {subscribe: [{topic: orders.order-events, filter: {type: a}}]}",
     "services.fulfil.queue.subscribe[0].filter.type"),
    ("image: nginx, queue: {subscribe: [{topic: orders.order-events, filter: {a: [1], b: [1], c: [1], d: [1], "
     "e: [1], f: [1]}}]}", "services.fulfil.queue.subscribe[0].filter"),
    ("image: nginx, queue: {subscribe: [{topic: orders.order-events, filter: {a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],"
     " b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]}}]}", "services.fulfil.queue.subscribe[0].filter"),
    ("image: nginx, queue: {subscribe: []}", "services.fulfil.queue.subscribe"),
    ("image: nginx, queue: {}", "services.fulfil.queue.subscribe"),
    ("image: nginx, queue: {subscribe: [orders.order-events], max_receives: 0}", "services.fulfil.queue.max_receives"),
    ("image: nginx, queue: {subscribe: [orders.order-events], max_receives: 1001}",
     "services.fulfil.queue.max_receives"),
    ("image: nginx, queue: {subscribe: [orders.order-events], visibility_seconds: -1}",
     "services.fulfil.queue.visibility_seconds"),
    ("image: nginx, queue: {subscribe: [orders.order-events], visibility_seconds: 43201}",
     "services.fulfil.queue.visibility_seconds"),
    ("image: nginx, queue: {subscribe: [orders.order-events]}, scaling: {min: 0, max: 2, backlog_per_task: 0}",
     "services.fulfil.scaling.backlog_per_task"),
    # the rules across keys
    ("image: nginx, publishes: [events, events]", "services.fulfil.publishes[1]"),
    ("image: nginx, publishes: [a-b, a--b]", "services.fulfil.publishes[1]"),
    ("image: nginx, queue: {subscribe: [ordres.order-events]}", "services.fulfil.queue.subscribe[0]"),
    ("image: nginx, queue: {subscribe: [orders.events]}", "services.fulfil.queue.subscribe[0]"),
    ("image: nginx, queue: {subscribe: [fulfil.events]}", "services.fulfil.queue.subscribe[0]"),
    ("image: nginx, queue: {subscribe: [orders.order-events, orders.order-events]}",
     "services.fulfil.queue.subscribe[1]"),
    ("image: nginx, port: 80, queue: {subscribe: [orders.order-events]}", "services.fulfil.queue"),
    ("image: nginx, port: 80, expose: public, queue: {subscribe: [orders.order-events]}", "services.fulfil.queue"),
    ("image: nginx, scaling: {min: 0, max: 2, backlog_per_task: 10}", "services.fulfil.scaling.backlog_per_task"),
    ("image: nginx, queue: {subscribe: [orders.order-events]}, environment: {QUEUE_URL: x}",
     "services.fulfil.environment.QUEUE_URL"),
    ("image: nginx, publishes: [jobs], environment: {JOBS_TOPIC_ARN: x}", "services.fulfil.environment.JOBS_TOPIC_ARN"),
    ("image: nginx, publishes: [jobs], secrets: {JOBS_TOPIC_ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/x'}",
     "services.fulfil.secrets.JOBS_TOPIC_ARN"),
    ("image: nginx, queue: {subscribe: [orders.order-events]}, talks_to: [queue]", "services.fulfil.talks_to[0]"),
])
def test_refusals_point_at_the_key(body: str, where: str) -> None:
    found = errors(WORKER.format(body=body) + "  queue: {image: nginx, port: 80}\n")
    assert any(f": error: {where}: " in line for line in found), found


def test_backlog_scaling_needs_container_insights() -> None:
    body = "image: nginx, queue: {subscribe: [orders.order-events]}, scaling: {min: 0, max: 2, backlog_per_task: 10}"
    text = WORKER.format(body=body) + "cluster: {container_insights: false}\n"
    (line,) = errors(text)
    assert ": error: services.fulfil.scaling.backlog_per_task: " in line and "Container Insights" in line


def test_backlog_per_task_alone_is_a_scaling_target() -> None:
    load(WORKER.format(body="image: nginx, queue: {subscribe: [orders.order-events]}, "
                            "scaling: {min: 0, max: 2, backlog_per_task: 10}"))


@pytest.mark.parametrize("services", [
    # two workers that subscribe to each other's topics
    {"a": "image: nginx, publishes: [x], queue: {subscribe: [b.y]}",
     "b": "image: nginx, publishes: [y], queue: {subscribe: [a.x]}"},
    # three workers in a ring (only workers subscribe, and a load-balanced service only calls others of its kind,
    # so a circle through subscriptions holds workers only)
    {"a": "image: nginx, publishes: [x], queue: {subscribe: [c.z]}",
     "b": "image: nginx, publishes: [y], queue: {subscribe: [a.x]}",
     "c": "image: nginx, publishes: [z], queue: {subscribe: [b.y]}, talks_to: [d]",
     "d": "image: nginx, port: 80"},
])
def test_a_circle_of_subscriptions_and_calls_is_refused(services: dict[str, str]) -> None:
    text = "name: shop\nservices:\n" + "".join(f"  {name}: {{{body}}}\n" for name, body in services.items())
    (line,) = errors(text)
    assert ": error: services.a.queue.subscribe: services a, b" in line and "in a circle" in line


def test_a_subscriber_called_by_its_publisher_is_no_circle() -> None:
    """The publisher calls an internal service; the subscriber of its topic is another: order is possible."""
    blueprint = load("""\
        name: shop
        services:
          api: {image: nginx, port: 80, publishes: [x], talks_to: [store]}
          store: {image: nginx, port: 80}
          worker: {image: nginx, queue: {subscribe: [api.x]}}
        """)
    assert call_order(blueprint) == ["store", "api", "worker"]
