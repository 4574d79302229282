"""The blueprint's scalar types: text with a pattern and what it means, CIDR blocks with their rules.

The model's blocks (model.py and the modules beside it) build on these; the loader's errors quote each
pattern's meaning.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from generator.blueprint.annotations import Meaning

NAME_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
# Digits are [0-9], never \d: pydantic's regex reads \d as any Unicode digit (Arabic-Indic, Devanagari, ...),
# which no AWS name or account id holds.
AZ_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9][a-z]$"
INSTANCE_TYPE_PATTERN = r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$"
KEY_NAME_PATTERN = r"^[\x20-\x7e]{1,255}$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
ARN_PARTITION = r"arn:aws(-cn|-us-gov|-iso|-iso-b)?"
ACM_ARN_PATTERN = ARN_PARTITION + r":acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$"
SECRET_ARN_PATTERN = (
    "^" + ARN_PARTITION + r":(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@:-]+"
    r"|ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+)$"
)
KMS_KEY_ARN_PATTERN = "^" + ARN_PARTITION + r":kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]{1,128}$"
PRINCIPAL_ARN_PATTERN = "^" + ARN_PARTITION + r":iam::[0-9]{12}:(role|user|group)/[A-Za-z0-9+=,.@_/-]+$"
SSM_AMI_PATTERN = r"^(/[A-Za-z0-9_.-]+)+$|^ami-[0-9a-f]{8}([0-9a-f]{9})?$"
IMAGE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$"
HEALTH_PATH_PATTERN = r"^/[\x21-\x7e]{0,1023}$"
TLS_POLICY_PATTERN = r"^ELBSecurityPolicy-(TLS13-1-[23]|FS-1-2|TLS-1-2)[A-Za-z0-9-]*$"
TAG_KEY_PATTERN = r"^[\w .:/=+@-]+$"
TAG_VALUE_PATTERN = r"^[\w .:/=+@-]*$"
ROLE_NAME_PATTERN = r"^[A-Za-z0-9+=,.@_-]{1,64}$"

Endpoint = Literal["s3", "ecr", "logs", "ecs", "ssm", "ssmmessages", "ec2messages", "secretsmanager", "sts", "kms"]


def _network(text: str, example: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not a CIDR block such as {example}") from None
    if "/" not in text:
        raise ValueError(f"{text!r} has no prefix length; write a CIDR block such as {example}")
    if str(network) != text:
        raise ValueError(f"{text!r} has host bits set; did you mean {network}?")
    return network


def _ipv4_network(text: str) -> str:
    """An IPv4 network in CIDR notation with its host bits zero."""
    if _network(text, "10.0.0.0/16").version != 4:
        raise ValueError(f"{text!r} is IPv6; format 1 builds IPv4 networks")
    return text


def _client_cidr(text: str) -> str:
    """Any IPv4 CIDR; the whole internet is judged by the field that uses it."""
    if _network(text, "203.0.113.0/24").version != 4:
        raise ValueError(f"{text!r} is IPv6; the VPC and its load balancers are IPv4-only in format 1")
    return text


def _ssh_cidr(text: str) -> str:
    """A network that may open SSH to the bastion: never the whole internet (SPEC 5.6), IPv4 or IPv6."""
    if _network(text, "203.0.113.0/24").prefixlen == 0:
        raise ValueError(
            f"{text} opens SSH to the whole internet; list your office or VPN ranges instead "
            "(or use SSM Session Manager, which needs no open port)"
        )
    return _client_cidr(text)


Cidr = Annotated[str, AfterValidator(_ipv4_network)]
SourceCidr = Annotated[str, AfterValidator(_client_cidr)]
SshCidr = Annotated[str, AfterValidator(_ssh_cidr)]

# Text with a pattern, and what the pattern means: the loader's error quotes the meaning.
Name = Annotated[
    str, Field(pattern=NAME_PATTERN), Meaning("1-32 characters of a-z, 0-9 and '-', starting with a letter")
]
AzName = Annotated[str, Field(pattern=AZ_PATTERN), Meaning("an availability zone name such as us-east-1a")]
InstanceType = Annotated[
    str, Field(pattern=INSTANCE_TYPE_PATTERN), Meaning("an EC2 instance type such as t3.medium")
]
KeyName = Annotated[str, Field(pattern=KEY_NAME_PATTERN), Meaning("an EC2 key pair name")]
EnvName = Annotated[
    str, Field(pattern=ENV_NAME_PATTERN),
    Meaning("an environment variable name: letters, digits and _, not starting with a digit"),
]
AcmArn = Annotated[
    str, Field(pattern="^" + ACM_ARN_PATTERN),
    Meaning("an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)"),
]
SecretArn = Annotated[
    str, Field(pattern=SECRET_ARN_PATTERN), Meaning("a Secrets Manager secret ARN or an SSM parameter ARN")
]
KmsKeyArn = Annotated[
    str, Field(pattern=KMS_KEY_ARN_PATTERN), Meaning("a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)")
]
PrincipalArn = Annotated[str, Field(pattern=PRINCIPAL_ARN_PATTERN), Meaning("an IAM role, user or group ARN")]
Ami = Annotated[
    str, Field(pattern=SSM_AMI_PATTERN), Meaning("an SSM parameter name (/aws/service/...) or an AMI id (ami-...)")
]
Image = Annotated[
    str, Field(pattern=IMAGE_PATTERN),
    Meaning("a container image reference such as public.ecr.aws/nginx/nginx:1.27"),
]
HealthPath = Annotated[str, Field(pattern=HEALTH_PATH_PATTERN), Meaning("an HTTP path starting with /")]
TlsPolicy = Annotated[
    str, Field(pattern=TLS_POLICY_PATTERN),
    Meaning("an ELB TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06"),
]
RoleName = Annotated[
    str, Field(pattern=ROLE_NAME_PATTERN), Meaning("an IAM role name: 1-64 of letters, digits and + = , . @ _ -")
]
TagKey = Annotated[
    str, Field(min_length=1, max_length=128, pattern=TAG_KEY_PATTERN),
    Meaning("a tag key: letters, digits, spaces and _ . : / = + @ -"),
]
# Not empty: ECS capacity providers and Service Catalog products refuse an empty tag value.
TagValue = Annotated[
    str, Field(min_length=1, max_length=256, pattern=TAG_VALUE_PATTERN),
    Meaning("a tag value: letters, digits, spaces and _ . : / = + @ -"),
]
