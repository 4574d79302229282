"""Topics and queues (issue 20): the SNS topics a service publishes (`publishes`), the SQS queue a worker
consumes (`queue`, subscribed to other services' topics), and the environment variables that carry their
addresses into the container. Rules across services (a topic nobody publishes, cycles) are in
messaging_rules.py."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from generator.blueprint.annotations import Meaning
from generator.blueprint.strict import Strict
from generator.blueprint.types import NAME_PATTERN

QUEUE_VARIABLE = "QUEUE_URL"
TOPIC_SUFFIX = "_TOPIC_ARN"
_PART = NAME_PATTERN.strip("^$")
TOPIC_ADDRESS_PATTERN = rf"^{_PART}\.{_PART}$"
# SNS's limits on a filter policy: at most 5 keys, at most 150 combinations of their values.
FILTER_KEYS = 5
FILTER_COMBINATIONS = 150
MAX_TOPICS = 20  # per service, and per queue's subscriptions: each is a resource, an output or a parameter
DEFAULT_MAX_RECEIVES = 5
DEFAULT_VISIBILITY_SECONDS = 30
QUEUE_RETENTION_SECONDS = 4 * 24 * 3600  # SQS's default, written out: the dead-letter queue must keep longer
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's longest

TopicName = Annotated[
    str, Field(pattern=NAME_PATTERN),
    Meaning("a topic name: 1-32 characters of a-z, 0-9 and '-', starting with a letter"),
]
TopicAddress = Annotated[
    str, Field(pattern=TOPIC_ADDRESS_PATTERN),
    Meaning("a topic address `<service>.<topic>`, such as orders.order-events"),
]
FilterValue = str | int | float | dict[str, Any]


def _filter_policy(policy: dict[str, list[FilterValue]]) -> dict[str, list[FilterValue]]:
    """SNS refuses a policy of more than 5 keys or 150 combinations of values, or one that is not JSON; say so
    at the blueprint."""
    if any(isinstance(number, float) and not math.isfinite(number) for number in _numbers(policy)):
        raise ValueError("holds .nan or .inf; the numbers of a filter policy are finite (the policy is JSON, "
                         "which has neither)")
    if len(policy) > FILTER_KEYS:
        raise ValueError(f"has {len(policy)} keys; SNS allows at most {FILTER_KEYS} in a filter policy")
    combinations = math.prod(len(values) for values in policy.values())
    if combinations > FILTER_COMBINATIONS:
        raise ValueError(f"its values make {combinations} combinations; SNS allows at most {FILTER_COMBINATIONS} "
                         "(the product of the number of values of each key)")
    return policy


def _numbers(value: Any) -> Iterator[Any]:
    """Every scalar in a filter policy, at any depth (`{numeric: ['>=', 100]}` nests them)."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    else:
        yield value


FilterPolicy = Annotated[
    dict[Annotated[str, Field(min_length=1)], Annotated[list[FilterValue], Field(min_length=1)]],
    Field(min_length=1), AfterValidator(_filter_policy),
]


class Subscription(Strict):
    topic: TopicAddress = Field(description="The topic, as `<service>.<topic>`: a service and one of its `publishes`.")
    filter: FilterPolicy | None = Field(
        None,
        description="SNS filter policy on the messages' attributes: the queue receives only messages whose "
        "attributes match, e.g. `{type: [order-placed], amount: [{numeric: ['>=', 100]}]}`. At most 5 keys and "
        "150 combinations of values (SNS's limits). Default none: every message of the topic.",
    )
    raw: bool = Field(
        False,
        description="Raw message delivery: the queue receives the message body as published. Default off: each "
        "message arrives wrapped in SNS's JSON envelope (`Message`, `TopicArn`, `MessageAttributes`, ...), as "
        "Copilot delivers it, so a queue subscribed to several topics can tell them apart.",
    )


class Queue(Strict):
    subscribe: Annotated[list[TopicAddress | Subscription], Field(min_length=1, max_length=MAX_TOPICS)] = Field(
        description="Topics of other services (or of this one) whose messages the queue receives: each "
        "`<service>.<topic>` (`orders.order-events`), or a mapping `{topic: orders.order-events, filter: {...}, "
        "raw: true}` to filter the messages or drop SNS's envelope. Each becomes an SNS subscription of protocol "
        "sqs, and the queue's policy lets exactly these topics send to it. The publisher's stack is nested "
        f"before this one. Required, 1 to {MAX_TOPICS}.",
    )
    max_receives: Annotated[int, Field(ge=1, le=1000)] = Field(
        DEFAULT_MAX_RECEIVES,
        description="How many times a message may be received (and not deleted) before it moves to the queue's "
        f"dead-letter queue, 1 to 1000. Default {DEFAULT_MAX_RECEIVES}: a message that failed five times is most "
        "likely one that will never succeed, and it no longer blocks the others. The dead-letter queue keeps "
        "messages 14 days (SQS's longest), the queue 4 days (SQS's default).",
    )
    visibility_seconds: Annotated[int, Field(ge=0, le=43200)] = Field(
        DEFAULT_VISIBILITY_SECONDS,
        description="Seconds a received message stays hidden from other consumers before it is delivered again, "
        f"0 to 43200 (12 hours). Default {DEFAULT_VISIBILITY_SECONDS} (SQS's): set it above the time a task takes "
        "to handle one message, or messages are handled twice.",
    )

    @property
    def subscriptions(self) -> list[Subscription]:
        """Every entry of `subscribe` as a Subscription (a plain `<service>.<topic>` has no filter)."""
        return [entry if isinstance(entry, Subscription) else Subscription(topic=entry) for entry in self.subscribe]


PUBLISHES_DESCRIPTION = (
    "SNS topics this service owns and publishes to, by name (`order-events`). Each topic is encrypted with the "
    "AWS managed key alias/aws/sns; its ARN reaches the container as `<TOPIC>_TOPIC_ARN` (`order-events` -> "
    "`ORDER_EVENTS_TOPIC_ARN`), and the task role may sns:Publish to exactly these topics. Workers subscribe "
    f"their `queue` to them as `<service>.<topic>`. Default none; at most {MAX_TOPICS}."
)
QUEUE_DESCRIPTION = (
    "An SQS queue this worker (`expose: none`) consumes, with a dead-letter queue, subscribed to topics. Both "
    "queues are encrypted with SQS-managed keys (SSE-SQS): SNS cannot deliver to a queue under the AWS managed "
    "KMS key alias/aws/sqs, whose key policy cannot let SNS use it. The queue's URL reaches the container as "
    "`QUEUE_URL`; the task role may receive, delete, change the visibility of and read the attributes of "
    "messages on this queue only. Receives wait up to 20 seconds for a message (long polling): fewer empty "
    "calls. With `scaling.backlog_per_task` the service scales on the queue's backlog, "
    "down to zero tasks. Default none. Only for a worker: a service behind a load balancer that also consumes "
    "a queue would scale on two unrelated loads; give the consumer a worker service of its own."
)
BACKLOG_DESCRIPTION = (
    "Target messages waiting in the service's `queue` per running task (a service with a queue only): target "
    "tracking on CloudWatch metric math, the queue's ApproximateNumberOfMessagesVisible divided by the service's "
    "RunningTaskCount (Container Insights, which `cluster.container_insights` must leave on). With `min: 0` the "
    "service scales down to no task when the queue is empty. A service at zero tasks has no backlog per task to "
    "track (a division by zero is no data, and target tracking does nothing without data), so a second policy "
    "wakes it: an alarm on messages visible while the service wants no task (DesiredTaskCount 0) adds one task, "
    "and target tracking takes over from there. Waking takes a few minutes: SQS and Container Insights report "
    "each minute, then the task starts."
)


def topic_variable(topic: str) -> str:
    """`order-events` -> ORDER_EVENTS_TOPIC_ARN: the environment variable a publisher finds its topic by."""
    return topic.upper().replace("-", "_") + TOPIC_SUFFIX


def topic_address(address: str) -> tuple[str, str]:
    """`orders.order-events` -> (`orders`, `order-events`): the publishing service and its topic."""
    service, topic = address.split(".", 1)
    return service, topic


def messaging_variables(publishes: list[str], queue: Queue | None) -> list[str]:
    """The environment variables the builder adds for a service's topics and queue, in the order given."""
    return [topic_variable(topic) for topic in publishes] + ([QUEUE_VARIABLE] if queue is not None else [])
