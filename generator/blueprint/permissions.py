"""What a service's task role may be granted: `services.<name>.permissions`, one resource and one access level each.

THE table of resource kinds and access levels: the loader checks ARNs and levels against it, the service
builder writes each entry as one IAM statement of exactly these actions (stacks/permissions.py), and the
field's description (docs/blueprint.md, the schema) is rendered from it, so the documented action lists are
the granted ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from awacs import dynamodb, events, kms, s3, secretsmanager, sns, sqs, ssm
from awacs.aws import Action
from pydantic import Field

from generator.blueprint.strict import Strict

ARN = re.compile(r"^arn:(?P<partition>aws(-cn|-us-gov|-iso|-iso-b)?):(?P<service>[a-z0-9-]+):"
                 r"(?P<region>[a-z0-9-]*):(?P<account>[0-9]*):(?P<resource>.+)$")
REGIONAL = r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]"


@dataclass(frozen=True)
class ResourceKind:
    """One kind of resource a task role may be granted: what its ARN looks like and its access levels."""

    noun: str  # "S3 bucket"
    example: str  # an ARN of this kind, for docs and errors
    resource: str  # pattern of the ARN's resource part (after REGION:ACCOUNT:)
    levels: Mapping[str, tuple[Action, ...]]
    children: str | None = None  # what else the grant covers, after the ARN: a bucket's objects, a table's indexes
    regional: bool = True  # the ARN names a region and an account (S3 buckets name neither)

    def matches(self, region: str, account: str, resource: str) -> bool:
        if self.regional != bool(region and account):
            return False
        if self.regional and not (re.fullmatch(REGIONAL, region) and re.fullmatch(r"[0-9]{12}", account)):
            return False
        return re.fullmatch(self.resource, resource) is not None


_S3_READ = (s3.GetObject, s3.GetObjectVersion, s3.ListBucket, s3.GetBucketLocation)
_S3_WRITE = (s3.PutObject, s3.DeleteObject, s3.AbortMultipartUpload, s3.ListMultipartUploadParts)
_TABLE_READ = (dynamodb.GetItem, dynamodb.BatchGetItem, dynamodb.Query, dynamodb.Scan, dynamodb.ConditionCheckItem,
               dynamodb.DescribeTable)
_TABLE_WRITE = (dynamodb.PutItem, dynamodb.UpdateItem, dynamodb.DeleteItem, dynamodb.BatchWriteItem,
                dynamodb.DescribeTable)

# By the ARN's service (arn:PARTITION:SERVICE:...).
KINDS: dict[str, ResourceKind] = {
    "s3": ResourceKind("S3 bucket", "arn:aws:s3:::photos-originals", r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", {
        "read": _S3_READ, "write": _S3_WRITE, "read-write": _S3_READ + _S3_WRITE,
    }, children="/*", regional=False),
    "sqs": ResourceKind("SQS queue", "arn:aws:sqs:us-east-1:123456789012:thumbnails",
                        r"[A-Za-z0-9_-]{1,80}(\.fifo)?", {
        "send": (sqs.SendMessage, sqs.GetQueueAttributes, sqs.GetQueueUrl),
        "consume": (sqs.ReceiveMessage, sqs.DeleteMessage, sqs.ChangeMessageVisibility, sqs.GetQueueAttributes,
                    sqs.GetQueueUrl),
    }),
    "sns": ResourceKind("SNS topic", "arn:aws:sns:us-east-1:123456789012:uploads", r"[A-Za-z0-9_-]{1,256}(\.fifo)?", {
        "publish": (sns.Publish,),
    }),
    "dynamodb": ResourceKind("DynamoDB table", "arn:aws:dynamodb:us-east-1:123456789012:table/photos",
                             r"table/[A-Za-z0-9_.-]{3,255}", {
        "read": _TABLE_READ, "write": _TABLE_WRITE,
        "read-write": _TABLE_READ + tuple(a for a in _TABLE_WRITE if a not in _TABLE_READ),
    }, children="/index/*"),
    "kms": ResourceKind("KMS key", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                        r"key/[A-Za-z0-9-]{1,128}", {
        "decrypt": (kms.Decrypt, kms.DescribeKey),
        "encrypt": (kms.Encrypt, kms.GenerateDataKey, kms.DescribeKey),
    }),
    "secretsmanager": ResourceKind("Secrets Manager secret",
                                   "arn:aws:secretsmanager:us-east-1:123456789012:secret:photos/api-key-AbCdEf",
                                   r"secret:[A-Za-z0-9/_+=.@-]{1,512}", {
        "read": (secretsmanager.GetSecretValue, secretsmanager.DescribeSecret),
    }),
    "ssm": ResourceKind("SSM parameter", "arn:aws:ssm:us-east-1:123456789012:parameter/photos/config",
                        r"parameter/[A-Za-z0-9/_.-]{1,1011}", {
        "read": (ssm.GetParameter, ssm.GetParameters),
    }),
    "events": ResourceKind("EventBridge bus", "arn:aws:events:us-east-1:123456789012:event-bus/photos",
                           r"event-bus/[A-Za-z0-9/_.-]{1,256}", {
        "put": (events.PutEvents,),
    }),
}


def action_names(actions: tuple[Action, ...]) -> list[str]:
    return [action.JSONrepr() for action in actions]


def _table_in_words() -> str:
    return "; ".join(
        f"{kind.noun} (`{kind.example}`"
        + {"/*": ", the bucket and its objects", "/index/*": ", the table and its indexes"}.get(kind.children or "", "")
        + "): " + ", ".join(f"`{level}` = {' '.join(action_names(actions))}" for level, actions in kind.levels.items())
        for kind in KINDS.values()
    )


PERMISSIONS_DESCRIPTION = (
    "What the task role may do: exactly these, one IAM statement per resource, nothing else. Default none: "
    "an empty task role. `resource` is one resource's ARN, no wildcards; its service comes from the ARN. "
    "Access levels and the actions each grants: " + _table_in_words() + "."
)


class Permission(Strict):
    resource: str = Field(
        description="ARN of one resource (no `*` or `?`): an S3 bucket, SQS queue, SNS topic, DynamoDB table, KMS "
        "key, Secrets Manager secret, SSM parameter or EventBridge bus.",
    )
    access: str = Field(description="Access level; which levels a resource has depends on its service (see "
                        "`permissions`).")


def check_permission(permission: Permission) -> tuple[str, str] | None:
    """(the key at fault, what is wrong, with what is accepted), or None when the entry is one the table grants."""
    arn = permission.resource
    if "*" in arn or "?" in arn:
        return "resource", f"{arn!r} holds a wildcard; name one resource (the task role gets exactly what is listed)"
    found = ARN.match(arn)
    if found is None:
        return "resource", f"{arn!r} is not an ARN such as {KINDS['s3'].example}"
    kind = KINDS.get(found["service"])
    if kind is None:
        return "resource", (f"{arn!r} is an ARN of `{found['service']}`; permissions cover "
                            f"{', '.join(KINDS)} ({', '.join(k.noun for k in KINDS.values())})")
    if not kind.matches(found["region"], found["account"], found["resource"]):
        return "resource", f"{arn!r} is not a valid {kind.noun} ARN such as {kind.example}"
    if permission.access not in kind.levels:
        return "access", f"{kind.noun} access is {' | '.join(kind.levels)}, not {permission.access!r}"
    return None


def kind_of(arn: str) -> ResourceKind:
    """The kind of an ARN the loader accepted."""
    found = ARN.match(arn)
    assert found is not None, arn
    return KINDS[found["service"]]
