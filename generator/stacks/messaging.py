"""A service's topics and queue in its own stack (issue 20).

- `publishes`: one SNS topic per name, encrypted with the AWS managed key alias/aws/sns (the key's policy lets
  every principal of the account use it through SNS, so publishers need no KMS grant); its ARN is an output
  subscribers' stacks take through root.yaml, and the container's `<TOPIC>_TOPIC_ARN`.
- `queue`: the queue and its dead-letter queue, both under SQS-managed encryption (SNS cannot write to a queue
  under alias/aws/sqs: that key's policy is AWS's and admits no SNS); one subscription per topic (a parameter
  root.yaml feeds from the publisher's output, or this stack's own topic), and one queue policy letting exactly
  those topics send. The queue's URL is the container's `QUEUE_URL`.
The task role's grants are written here too: sns:Publish on the service's own topics, the `consume` level of
the permissions table (blueprint/permissions.py) on its own queue, nothing else.
"""

from __future__ import annotations

from awacs import sqs as sqs_actions
from awacs.aws import Allow, ArnEquals, Condition, PolicyDocument, Principal, Statement
from troposphere import GetAtt, Output, Parameter, Ref, Template, sns, sqs

from generator.blueprint.messaging import (
    DEAD_LETTER_RETENTION_SECONDS,
    QUEUE_RETENTION_SECONDS,
    QUEUE_VARIABLE,
    Subscription,
    topic_address,
    topic_variable,
)
from generator.blueprint.model import Service
from generator.blueprint.permissions import KINDS
from generator.cfn.ids import logical_id
from generator.stacks.iam import POLICY_VERSION, statement
from generator.stacks.parameters import topic_arn_output, topic_arn_parameter
from generator.stacks.scanner import skip_scanner_checks
from generator.stacks.sources import from_blueprint, record_source

QUEUE = "Queue"
DEAD_LETTER_QUEUE = "DeadLetterQueue"
QUEUE_POLICY = "QueuePolicy"
AWS_MANAGED_SNS_KEY = "alias/aws/sns"
LONG_POLL_SECONDS = 20  # SQS's longest wait: a receive returns as soon as a message arrives, with fewer empty calls


def topic_id(topic: str) -> str:
    """`order-events` -> OrderEventsTopic, the topic's logical ID in its publisher's stack."""
    return logical_id(topic, "Topic")


def add_messaging(template: Template, name: str, service: Service) -> None:
    """The service's topics and its queue, each recorded as coming from its key."""
    key = f"services.{name}"
    for topic in service.publishes:
        with from_blueprint(template, f"{key}.publishes"):
            resource = template.add_resource(sns.Topic(topic_id(topic), KmsMasterKeyId=AWS_MANAGED_SNS_KEY))
        template.add_output(Output(topic_arn_output(topic), Description=f"ARN of the {topic} topic",
                                   Value=Ref(resource)))
    if service.queue is not None:
        with from_blueprint(template, f"{key}.queue"):
            _add_queue(template, name, service, f"{key}.queue.subscribe")


def _add_queue(template: Template, name: str, service: Service, subscribe: str) -> None:
    queue_block = service.queue
    assert queue_block is not None
    dead_letters = template.add_resource(skip_scanner_checks(sqs.Queue(
        DEAD_LETTER_QUEUE, SqsManagedSseEnabled=True, MessageRetentionPeriod=DEAD_LETTER_RETENTION_SECONDS,
    ), "CKV_AWS_27"))
    queue = template.add_resource(skip_scanner_checks(sqs.Queue(
        QUEUE,
        SqsManagedSseEnabled=True,
        VisibilityTimeout=queue_block.visibility_seconds,
        MessageRetentionPeriod=QUEUE_RETENTION_SECONDS,
        ReceiveMessageWaitTimeSeconds=LONG_POLL_SECONDS,
        RedrivePolicy=sqs.RedrivePolicy(deadLetterTargetArn=GetAtt(dead_letters, "Arn"),
                                        maxReceiveCount=queue_block.max_receives),
    ), "CKV_AWS_27"))
    topics = [_topic_arn(template, name, service, entry) for entry in queue_block.subscriptions]
    policy = template.add_resource(record_source(sqs.QueuePolicy(
        QUEUE_POLICY,
        Queues=[Ref(queue)],
        PolicyDocument=PolicyDocument(Version=POLICY_VERSION, Statement=[Statement(
            Sid="SubscribedTopicsSend",
            Effect=Allow,
            Principal=Principal("Service", "sns.amazonaws.com"),
            Action=[sqs_actions.SendMessage],
            Resource=[GetAtt(queue, "Arn")],
            Condition=Condition(ArnEquals("aws:SourceArn", topics)),
        )]),
    ), subscribe))
    for entry, topic_arn in zip(queue_block.subscriptions, topics, strict=True):
        subscription = sns.SubscriptionResource(
            logical_id(*topic_address(entry.topic), "Subscription"),
            Protocol="sqs", TopicArn=topic_arn, Endpoint=GetAtt(queue, "Arn"), RawMessageDelivery=entry.raw,
            DependsOn=[policy.title],  # SNS delivers nothing the queue's policy does not let in yet
        )
        if entry.filter is not None:
            subscription.FilterPolicy = entry.filter
            subscription.FilterPolicyScope = "MessageAttributes"
        template.add_resource(record_source(subscription, subscribe))
    template.add_output(Output("QueueUrl", Description=f"URL of the {name} queue", Value=Ref(queue)))
    template.add_output(Output("DeadLetterQueueUrl", Description=f"URL of the {name} dead-letter queue: messages "
                               f"received {queue_block.max_receives} times without being deleted",
                               Value=Ref(dead_letters)))


def _topic_arn(template: Template, name: str, service: Service, entry: Subscription) -> Ref:
    """The subscribed topic's ARN: this stack's own topic, or a parameter root.yaml feeds from the publisher."""
    publisher, topic = topic_address(entry.topic)
    if publisher == name:
        return Ref(topic_id(topic))
    parameter = template.add_parameter(Parameter(topic_arn_parameter(publisher, topic), Type="String",
                                                 Description=f"ARN of the {entry.topic} topic"))
    return Ref(parameter)


def messaging_statements(service: Service) -> list[Statement]:
    """The task role's grants on the service's own topics and queue."""
    found = []
    if service.publishes:
        found.append(statement(list(KINDS["sns"].levels["publish"]),
                               [Ref(topic_id(topic)) for topic in service.publishes], sid="PublishOwnTopics"))
    if service.queue is not None:
        found.append(statement(list(KINDS["sqs"].levels["consume"]), [GetAtt(QUEUE, "Arn")], sid="ConsumeOwnQueue"))
    return found


def messaging_environment(service: Service) -> dict[str, object]:
    """`<TOPIC>_TOPIC_ARN` for each topic, `QUEUE_URL` for the queue."""
    values: dict[str, object] = {topic_variable(topic): Ref(topic_id(topic)) for topic in service.publishes}
    if service.queue is not None:
        values[QUEUE_VARIABLE] = Ref(QUEUE)
    return values
