"""The S3 bucket every load balancer of the application writes its access logs to (network.yaml).

Encrypted with S3-managed keys (the only kind load balancer log delivery supports), public access
blocked, TLS required, versioned, old logs expired. Regions older than August 2022 deliver from a
regional Elastic Load Balancing account; newer ones from the log-delivery service principal: the
policy grants both, the first only where it exists. Kept when the stack is deleted: logs are evidence.
"""

from __future__ import annotations

from awacs import s3 as s3_actions
from awacs.aws import Allow, AWSPrincipal, Bool, Condition, Deny, Principal, Statement
from troposphere import Equals, FindInMap, GetAtt, If, NoValue, Or, Output, Ref, Region, Sub, Template, s3

from generator.stacks.scanner import skip_scanner_checks

# Elastic Load Balancing's log-delivery account in each region opened before August 2022.
ELB_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
    "ap-south-1": "718504428378", "ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ca-central-1": "985666609251", "eu-central-1": "054676820928", "eu-west-1": "156460612806",
    "eu-west-2": "652711504416", "eu-west-3": "009996457667", "eu-south-1": "635631232127",
    "eu-north-1": "897822967062", "me-south-1": "076674570225", "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}
LEGACY_REGION = "HasElbLogDeliveryAccount"


def add_access_log_bucket(template: Template, retention_days: int) -> s3.Bucket:
    """The bucket, its objects expired after the blueprint's `logs.retention_days` like its log groups."""
    template.add_mapping("ElbLogDeliveryAccounts", {region: {"Account": account}
                                                    for region, account in ELB_ACCOUNTS.items()})
    template.add_condition(LEGACY_REGION, _region_is_one_of(sorted(ELB_ACCOUNTS)))
    bucket = template.add_resource(s3.Bucket(
        "AccessLogBucket",
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
        BucketEncryption=s3.BucketEncryption(ServerSideEncryptionConfiguration=[
            s3.ServerSideEncryptionRule(ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                SSEAlgorithm="AES256"))]),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True, RestrictPublicBuckets=True),
        OwnershipControls=s3.OwnershipControls(Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        LifecycleConfiguration=s3.LifecycleConfiguration(Rules=[s3.LifecycleRule(
            Id="expire-old-logs", Status="Enabled", ExpirationInDays=retention_days,
            NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(NoncurrentDays=30),
        )]),
    ))
    skip_scanner_checks(bucket, "CKV_AWS_18", "CKV_AWS_145")
    logs_path = Sub("${AccessLogBucket.Arn}/AWSLogs/${AWS::AccountId}/*")
    template.add_resource(s3.BucketPolicy(
        "AccessLogBucketPolicy",
        Bucket=Ref(bucket),
        # A plain mapping, so one statement can be conditional (awacs documents cannot hold Fn::If).
        PolicyDocument={"Version": "2012-10-17", "Statement": [
            Statement(Sid="DenyInsecureTransport", Effect=Deny, Principal=Principal("*"),
                      Action=[s3_actions.Action("*")],
                      Resource=[GetAtt(bucket, "Arn"), Sub("${AccessLogBucket.Arn}/*")],
                      Condition=Condition(Bool("aws:SecureTransport", "false"))),
            Statement(Sid="LogDeliveryService", Effect=Allow,
                      Principal=Principal("Service", "logdelivery.elasticloadbalancing.amazonaws.com"),
                      Action=[s3_actions.PutObject], Resource=[logs_path]),
            If(LEGACY_REGION, Statement(
                Sid="LogDeliveryRegionalAccount", Effect=Allow,
                Principal=AWSPrincipal(Sub("arn:${AWS::Partition}:iam::${Account}:root", Account=FindInMap(
                    "ElbLogDeliveryAccounts", Region, "Account"))),
                Action=[s3_actions.PutObject], Resource=[logs_path]), NoValue),
        ]},
    ))
    template.add_output(Output("AccessLogBucket", Description="S3 bucket of the load balancers' access logs",
                               Value=Ref(bucket)))
    return bucket


def _region_is_one_of(regions: list[str]) -> Or:
    equals = [Equals(Region, region) for region in regions]
    groups = [Or(*equals[i:i + 10]) if len(equals[i:i + 10]) > 1 else equals[i] for i in range(0, len(equals), 10)]
    return Or(*groups)
