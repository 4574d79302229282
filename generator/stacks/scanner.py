"""The outside scanner's (checkov's) findings that are right for this architecture, each with its reason.

This is the whole list of allowed skips: a stack builder may only skip a check named here, and the
reason written into the resource's Metadata is the one below, so docs/scanner.md and the templates
can never disagree.
"""

from __future__ import annotations

from troposphere import AWSObject

ALLOWED_SKIPS: dict[str, str] = {
    "CKV_AWS_158": "CloudWatch Logs encrypts this log group at rest with AWS-owned keys; a customer-managed "
                   "KMS key would add cost and a key policy without narrowing who can read it (IAM does that).",
    "CKV_AWS_260": "Port 80 on an internet-facing load balancer: it only redirects to HTTPS, or the blueprint "
                   "gives this service no certificate (services.<name>.https).",
    "CKV_AWS_2": "Plain HTTP listener because the blueprint gives this service no certificate; add "
                 "services.<name>.https to serve HTTPS and turn this listener into a redirect.",
    "CKV_AWS_103": "Plain HTTP listener because the blueprint gives this service no certificate; TLS policies "
                   "apply to HTTPS listeners, which always use a TLS 1.2+ policy here.",
    "CKV_AWS_88": "The bastion is the one instance meant to be reached from outside: SSH only, from "
                  "access.bastion.allowed_cidrs.",
    "CKV_AWS_18": "This bucket receives the load balancers' access logs; logging its own access would log "
                  "into itself.",
    "CKV_AWS_111": "Only the launch role's actions that AWS grants on no resource ARN at all (they accept only "
                   "`*`, such as application-autoscaling:RegisterScalableTarget or logs:PutResourcePolicy) are "
                   "in this policy, and none of them is an IAM action; every other action is limited to the "
                   "catalog's own roles, launched stacks' buckets or this account and region.",
    "CKV_AWS_145": "Load balancer access logs can only be delivered to buckets encrypted with S3-managed keys "
                   "(SSE-S3), which this bucket uses.",
    "CKV_AWS_27": "The queue is encrypted at rest with SQS-managed keys (SqsManagedSseEnabled, SSE-SQS), which this "
                  "check does not read. A KMS key would have to be a customer managed key whose policy lets SNS use "
                  "it: SNS cannot deliver to a queue under the AWS managed key alias/aws/sqs.",
}


def skip_scanner_checks(resource: AWSObject, *check_ids: str) -> AWSObject:
    """Record in the resource's Metadata that checkov should skip these checks, and why."""
    metadata = dict(getattr(resource, "Metadata", None) or {})
    skips = list(metadata.get("checkov", {}).get("skip", []))
    for check_id in check_ids:
        skips.append({"id": check_id, "comment": ALLOWED_SKIPS[check_id]})
    metadata["checkov"] = {"skip": skips}
    resource.Metadata = metadata
    return resource
