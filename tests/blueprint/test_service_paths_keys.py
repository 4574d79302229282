"""The issue 18 keys as the issue writes them load; their refusals point at the key at fault."""

from __future__ import annotations

import pytest
from shared import CERT, load

from generator.blueprint.errors import BlueprintErrors

ISSUE = f"""\
name: photos
access:
  vpn: {{client_cidr: 10.250.0.0/22, server_certificate_arn: '{CERT}', client_certificate_arn: '{CERT}'}}
services:
  api:
    image: nginx
    port: 80
    expose: public
    talks_to: [images]
    secrets: {{DB: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}}
    permissions:
      - {{resource: "arn:aws:s3:::photos-originals", access: read-write}}
      - {{resource: "arn:aws:sqs:us-east-1:123456789012:thumbnails", access: send}}
    secrets_kms_key: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    egress:
      - {{to: 10.0.192.0/20, port: 5432, description: Postgres in the database subnets}}
      - {{to: pl-0123456789abcdef0, port: 587, protocol: tcp, description: SMTP relay}}
  images:
    image: nginx
    port: 80
    expose: internal
    reachable_from: [vpn, 192.168.0.0/16]
"""


def test_the_issues_blueprint_loads() -> None:
    blueprint = load(ISSUE)
    api = blueprint.services["api"]
    assert api.callee_variables == {"images": "IMAGES_URL"}
    assert [(rule.to, rule.ports, rule.protocol) for rule in api.egress] == [
        ("10.0.192.0/20", (5432, 5432), "tcp"), ("pl-0123456789abcdef0", (587, 587), "tcp")]
    assert blueprint.services["images"].reachable_from == ["vpn", "192.168.0.0/16"]


def errors(text: str) -> list[str]:
    with pytest.raises(BlueprintErrors) as failed:
        load(text)
    return failed.value.render().splitlines()


@pytest.mark.parametrize(("body", "where"), [
    ("image: nginx, talks_to: [images], environment: {IMAGES_URL: x}", "services.api.environment.IMAGES_URL"),
    ("image: nginx, permissions: [{resource: 'arn:aws:s3:::a*', access: read}]",
     "services.api.permissions[0].resource"),
    ("image: nginx, permissions: [{resource: 'arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1', access: read}]",
     "services.api.permissions[0].resource"),
    ("image: nginx, permissions: [{resource: 'arn:aws:sns:us-east-1:123456789012:t', access: read}]",
     "services.api.permissions[0].access"),
    ("image: nginx, egress: [{to: 10.0.0.0/8, port: '9-1', description: x}]", "services.api.egress[0].port"),
    ("image: nginx, port: 80, expose: public, reachable_from: [10.0.0.0/8]", "services.api.reachable_from"),
    ("image: nginx, port: 80, reachable_from: [vpn]", "services.api.reachable_from[0]"),
    ("image: nginx, port: 80, reachable_from: [172.16.0.0/12, 10.0.128.0/24]", "services.api.reachable_from[1]"),
    ("image: nginx, cpu: 300", "services.api.cpu"),
    ("image: nginx, cpu: 1024, memory: 512", "services.api.memory"),
])
def test_refusals_point_at_the_key(body: str, where: str) -> None:
    text = f"name: photos\nservices:\n  api: {{{body}}}\n  images: {{image: nginx, port: 80}}\n"
    assert any(f": error: {where}: " in line for line in errors(text)), errors(text)


def test_unknown_service_and_level_errors_list_what_is_accepted() -> None:
    (line,) = errors("name: p\nservices:\n  api: {image: nginx, permissions: [{resource: "
                     "'arn:aws:rds:us-east-1:123456789012:db:x', access: read}]}\n")
    assert "s3, sqs, sns, dynamodb, kms, secretsmanager, ssm, events" in line
    (line,) = errors("name: p\nservices:\n  api: {image: nginx, permissions: [{resource: "
                     "'arn:aws:s3:::photos', access: publish}]}\n")
    assert "read | write | read-write" in line
