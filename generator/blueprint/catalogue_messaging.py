"""The error catalogue's examples for topics and queues (issue 20), as (title, blueprint, covers) rows that
catalogue.py turns into its examples, in a section of their own."""

from __future__ import annotations

PUBLISHER = "name: shop\nservices:\n  orders: {image: nginx, port: 80, publishes: [order-events]}\n"


def worker(body: str, extra: str = "") -> str:
    """The publisher `orders` and a worker `fulfil` with these keys (one flow mapping)."""
    return f"{PUBLISHER}  fulfil: {{image: nginx, {body}}}\n{extra}"


ROWS: list[tuple[str, str, str]] = [
    ("A topic name that is not a name", "name: shop\nservices:\n  orders: {image: nginx, publishes: [Order_Events]}\n",
     "model:string_pattern_mismatch"),
    ("A subscription that is not `<service>.<topic>`", worker("queue: {subscribe: [order-events]}"),
     "model:string_pattern_mismatch"),
    ("A filter policy of more than five keys", worker(
        "queue: {subscribe: [{topic: orders.order-events, filter: {a: [1], b: [1], c: [1], d: [1], e: [1], f: [1]}}]}"),
     "model:value_error"),
    ("A filter policy of too many combinations", worker(
        "queue: {subscribe: [{topic: orders.order-events, filter: {a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], "
        "b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}}]}"), "model:value_error"),
    ("A filter policy with a number that is not finite", worker(
        "queue: {subscribe: [{topic: orders.order-events, filter: {amount: [{numeric: ['>', .inf]}]}}]}"),
     "model:value_error"),
    ("A queue with no subscription", worker("queue: {subscribe: []}"), "model:too_short"),
    ("A max_receives above 1000", worker("queue: {subscribe: [orders.order-events], max_receives: 1001}"),
     "model:less_than_equal"),
    ("A topic listed twice", "name: shop\nservices:\n  orders: {image: nginx, publishes: [events, events]}\n",
     "rule:topics_distinct"),
    ("Two topics with one CloudFormation name",
     "name: shop\nservices:\n  orders: {image: nginx, publishes: [order-events, order--events]}\n",
     "rule:topics_distinct"),
    ("A subscription to a service that does not exist", worker("queue: {subscribe: [order.order-events]}"),
     "rule:subscriptions_resolve"),
    ("A subscription to a topic nobody publishes", worker("queue: {subscribe: [orders.order-event]}"),
     "rule:subscriptions_resolve"),
    ("A subscription to a service that publishes nothing",
     worker("queue: {subscribe: [billing.invoices]}", "  billing: {image: nginx}\n"), "rule:subscriptions_resolve"),
    ("A subscription listed twice", worker(
        "queue: {subscribe: [orders.order-events, {topic: orders.order-events, raw: true}]}"),
     "rule:subscriptions_resolve"),
    ("Two subscriptions with one CloudFormation name", worker(
        "queue: {subscribe: [orders.order-events, orders-order.events]}",
        "  orders-order: {image: nginx, publishes: [events]}\n"), "rule:subscriptions_resolve"),
    ("A queue on a service with a load balancer", worker("port: 80, queue: {subscribe: [orders.order-events]}"),
     "rule:queue_on_worker"),
    ("Backlog scaling without a queue", worker("scaling: {min: 0, max: 4, backlog_per_task: 10}"),
     "rule:backlog_has_queue"),
    ("Backlog scaling without Container Insights", worker(
        "queue: {subscribe: [orders.order-events]}, scaling: {min: 0, max: 4, backlog_per_task: 10}",
        "cluster: {container_insights: false}\n"), "rule:backlog_has_queue"),
    ("An environment variable where the queue's URL goes", worker(
        "queue: {subscribe: [orders.order-events]}, environment: {QUEUE_URL: x}"), "rule:messaging_variables_free"),
    ("A secret where a topic's ARN goes", "name: shop\nservices:\n  orders: {image: nginx, publishes: [order-events], "
     "secrets: {ORDER_EVENTS_TOPIC_ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/x'}}\n",
     "rule:messaging_variables_free"),
    ("A callee whose URL would take the queue's variable", worker(
        "queue: {subscribe: [orders.order-events]}, talks_to: [queue]", "  queue: {image: nginx, port: 80}\n"),
     "rule:messaging_variables_free"),
    ("Workers that subscribe to each other's topics in a circle", """\
        name: shop
        services:
          orders: {image: nginx, publishes: [order-events], queue: {subscribe: [fulfil.shipments]}}
          fulfil: {image: nginx, publishes: [shipments], queue: {subscribe: [orders.order-events]}}
        """, "rule:talks_to_without_cycles"),
]
