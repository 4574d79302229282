"""Issue 18 in the service stack: callers find their callees (`<CALLEE>_URL`), task roles get exactly the declared
permissions, the execution role decrypts with `secrets_kms_key`, declared egress lands on the service's own task
group, and `reachable_from` admits the Client VPN and CIDRs into an internal load balancer."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import CERT, build, real_rules, resolve

VPN = (f"access: {{vpn: {{client_cidr: 10.250.0.0/22, server_certificate_arn: '{CERT}', "
       f"client_certificate_arn: '{CERT}'}}}}")


def container(templates: dict[str, Any], filename: str) -> dict[str, Any]:
    (definition,) = templates[filename]["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    return definition


def environment(templates: dict[str, Any], filename: str) -> dict[str, Any]:
    return {entry["Name"]: entry["Value"] for entry in container(templates, filename)["Environment"]}


def policy(templates: dict[str, Any], filename: str, role: str) -> list[dict[str, Any]]:
    properties = templates[filename]["Resources"][role]["Properties"]
    return [s for p in properties.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]


# --- discovery ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fargate", [True, False])
def test_each_caller_gets_its_callees_urls_from_their_stacks(fargate: bool) -> None:
    cluster = "cluster: {fargate: true}" if fargate else "cluster: {instances: {}}"
    templates = build(f"""\
        name: photos
        {cluster}
        services:
          api: {{image: nginx, port: 80, expose: public, talks_to: [images, image-store], environment: {{A: b}}}}
          images: {{image: nginx, port: 8080}}
          image-store: {{image: nginx, port: 8080, https: {{certificate_arn: '{CERT}'}}}}
        """)
    found = environment(templates, "service-api.yaml")
    assert found == {"A": "b", "IMAGES_URL": {"Ref": "ImagesServiceUrl"},
                     "IMAGE_STORE_URL": {"Ref": "ImageStoreServiceUrl"}}
    # root.yaml feeds each parameter from the callee stack's output: no literal, no export.
    parameters = templates["root.yaml"]["Resources"]["ApiService"]["Properties"]["Parameters"]
    assert parameters["ImagesServiceUrl"] == {"Fn::GetAtt": ["ImagesService", "Outputs.ServiceUrl"]}
    assert parameters["ImageStoreServiceUrl"] == {"Fn::GetAtt": ["ImageStoreService", "Outputs.ServiceUrl"]}
    dns = {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}
    assert templates["service-images.yaml"]["Outputs"]["ServiceUrl"]["Value"] == {
        "Fn::Join": ["", ["http://", dns, ":80"]]}
    assert templates["service-image-store.yaml"]["Outputs"]["ServiceUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", dns, ":443"]]}
    assert not any("Export" in output for t in templates.values() for output in t.get("Outputs", {}).values())


def test_a_service_that_calls_nothing_gets_no_url() -> None:
    templates = build("name: photos\nservices:\n  api: {image: nginx, port: 80, environment: {A: b}}\n")
    assert environment(templates, "service-api.yaml") == {"A": "b"}


# --- permissions --------------------------------------------------------------------------------------------

S3_READ = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"]
S3_WRITE = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
TABLE_READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
              "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"]
TABLE_WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"]
BUCKET = "arn:aws:s3:::photos-originals"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:thumbnails"
TOPIC = "arn:aws:sns:us-east-1:123456789012:uploads"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/photos"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:photos/api-key-AbCdEf"
PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/photos/config"
BUS = "arn:aws:events:us-east-1:123456789012:event-bus/photos"

# (resource, access) -> the one statement's Sid, actions and resources.
EXPECTED = {
    (BUCKET, "read"): ("S3Read1", S3_READ, [BUCKET, BUCKET + "/*"]),
    (BUCKET, "write"): ("S3Write1", S3_WRITE, [BUCKET, BUCKET + "/*"]),
    (BUCKET, "read-write"): ("S3ReadWrite1", S3_READ + S3_WRITE, [BUCKET, BUCKET + "/*"]),
    (QUEUE, "send"): ("SqsSend1", ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"], [QUEUE]),
    (QUEUE, "consume"): ("SqsConsume1", ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                                        "sqs:GetQueueAttributes", "sqs:GetQueueUrl"], [QUEUE]),
    (TOPIC, "publish"): ("SnsPublish1", ["sns:Publish"], [TOPIC]),
    (TABLE, "read"): ("DynamodbRead1", TABLE_READ, [TABLE, TABLE + "/index/*"]),
    (TABLE, "write"): ("DynamodbWrite1", [*TABLE_WRITE, "dynamodb:DescribeTable"], [TABLE, TABLE + "/index/*"]),
    (TABLE, "read-write"): ("DynamodbReadWrite1", TABLE_READ + TABLE_WRITE, [TABLE, TABLE + "/index/*"]),
    (KEY, "decrypt"): ("KmsDecrypt1", ["kms:Decrypt", "kms:DescribeKey"], [KEY]),
    (KEY, "encrypt"): ("KmsEncrypt1", ["kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [KEY]),
    (SECRET, "read"): ("SecretsRead1", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], [SECRET]),
    (PARAMETER, "read"): ("SsmRead1", ["ssm:GetParameter", "ssm:GetParameters"], [PARAMETER]),
    (BUS, "put"): ("EventbridgePut1", ["events:PutEvents"], [BUS]),
}


@pytest.mark.parametrize(("resource", "access"), list(EXPECTED), ids=[f"{r.split(':')[2]}-{a}" for r, a in EXPECTED])
def test_each_access_level_grants_exactly_its_statement(resource: str, access: str) -> None:
    templates = build(f"name: photos\nservices:\n  api: {{image: nginx, permissions: [{{resource: '{resource}', "
                      f"access: {access}}}]}}\n")
    sid, actions, resources = EXPECTED[(resource, access)]
    assert policy(templates, "service-api.yaml", "TaskRole") == [
        {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}]
    assert policy(templates, "service-api.yaml", "ExecutionRole") == []  # the execution role gets none of it


def test_a_partial_secret_arn_matches_the_secret_it_names_only() -> None:
    templates = build("name: photos\nservices:\n  api: {image: nginx, permissions: [{resource: "
                      "'arn:aws:secretsmanager:us-east-1:123456789012:secret:photos/key', access: read}]}\n")
    (statement,) = policy(templates, "service-api.yaml", "TaskRole")
    assert statement["Resource"] == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:photos/key-??????"]


def test_permissions_are_one_statement_per_resource_in_order_and_nothing_else() -> None:
    templates = build(f"""\
        name: photos
        services:
          api:
            image: nginx
            permissions:
              - {{resource: "{BUCKET}", access: read-write}}
              - {{resource: "{QUEUE}", access: send}}
        """)
    found = policy(templates, "service-api.yaml", "TaskRole")
    assert [(s["Sid"], s["Resource"]) for s in found] == [("S3ReadWrite1", [BUCKET, BUCKET + "/*"]),
                                                          ("SqsSend2", [QUEUE])]


def test_no_permissions_leave_the_task_role_empty() -> None:
    templates = build("name: photos\nservices:\n  api: {image: nginx}\n")
    assert policy(templates, "service-api.yaml", "TaskRole") == []


def test_the_secrets_key_decrypts_on_the_execution_role_only() -> None:
    templates = build(f"""\
        name: photos
        services:
          api:
            image: nginx
            secrets: {{TOKEN: "{PARAMETER}"}}
            secrets_kms_key: "{KEY}"
        """)
    assert policy(templates, "service-api.yaml", "ExecutionRole") == [
        {"Sid": "ReadParameters", "Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [PARAMETER]},
        {"Sid": "DecryptSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY]},
    ]
    assert policy(templates, "service-api.yaml", "TaskRole") == []


# --- egress -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cluster", ["cluster: {fargate: true}", "cluster: {instances: {}}"])
def test_declared_egress_goes_on_the_services_own_task_group(cluster: str) -> None:
    templates = build(f"""\
        name: photos
        {cluster}
        services:
          api:
            image: nginx
            egress:
              - {{to: 10.0.192.0/20, port: 5432, description: Postgres in the database subnets}}
              - {{to: pl-0123456789abcdef0, port: 587, protocol: tcp, description: SMTP relay}}
              - {{to: 203.0.113.0/24, port: "8000-8099", protocol: udp, description: Partner API}}
          other: {{image: nginx}}
        """)
    out = {(r.group, r.peer, r.protocol, r.ports, r.description) for r in real_rules(templates) if r.direction == "out"}
    group = "service-api.yaml/TaskSecurityGroup"
    assert {rule for rule in out if rule[0] == group} == {
        (group, "0.0.0.0/0", "tcp", (443, 443), "HTTPS out: ECR image pulls, CloudWatch Logs, secrets"),
        (group, "10.0.192.0/20", "tcp", (5432, 5432), "Postgres in the database subnets"),
        (group, "pl-0123456789abcdef0", "tcp", (587, 587), "SMTP relay"),
        (group, "203.0.113.0/24", "udp", (8000, 8099), "Partner API"),
    }
    other = "service-other.yaml/TaskSecurityGroup"  # another service's group keeps HTTPS out only
    assert {(rule[1], rule[3]) for rule in out if rule[0] == other} == {("0.0.0.0/0", (443, 443))}
    prefix = templates["service-api.yaml"]["Resources"]["TaskSecurityGroupEgress2"]["Properties"]
    assert prefix["DestinationPrefixListId"] == "pl-0123456789abcdef0" and "CidrIp" not in prefix


def test_a_workers_group_says_it_is_a_worker() -> None:
    templates = build("name: photos\nservices:\n  worker: {image: nginx}\n  api: {image: nginx, port: 80}\n")
    worker = templates["service-worker.yaml"]["Resources"]["TaskSecurityGroup"]["Properties"]["GroupDescription"]
    api = templates["service-api.yaml"]["Resources"]["TaskSecurityGroup"]["Properties"]["GroupDescription"]
    assert worker == "Tasks of worker: a worker without a load balancer, nothing may reach them"
    assert api == "Tasks of api: only its load balancer may reach them"


# --- reachability in ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("https", "port"), [(False, 80), (True, 443)])
def test_vpn_and_cidrs_reach_an_internal_load_balancer_on_its_listener_port(https: bool, port: int) -> None:
    tls = f", https: {{certificate_arn: '{CERT}'}}" if https else ""
    templates = build(f"""\
        name: photos
        {VPN}
        services:
          images: {{image: nginx, port: 8080, reachable_from: [vpn, 192.168.0.0/16, 172.16.0.0/12]{tls}}}
        """)
    balancer, vpn = "service-images.yaml/LoadBalancerSecurityGroup", "access.yaml/VpnSecurityGroup"
    into = {(r.peer, r.ports) for r in real_rules(templates) if r.direction == "in" and r.group == balancer}
    assert into == {(vpn, (port, port)), ("192.168.0.0/16", (port, port)), ("172.16.0.0/12", (port, port))}
    # The VPN's group is let out to this load balancer (its own egress is SSH only otherwise).
    vpn_out = {(r.peer, r.ports) for r in real_rules(templates) if r.direction == "out" and r.group == vpn}
    assert (balancer, (port, port)) in vpn_out
    parameters = templates["root.yaml"]["Resources"]["ImagesService"]["Properties"]["Parameters"]
    assert parameters["VpnSecurityGroup"] == {"Fn::GetAtt": ["Access", "Outputs.VpnSecurityGroup"]}
    assert resolve(templates, "service-images.yaml", {"Ref": "VpnSecurityGroup"}) == vpn


def test_without_reachable_from_only_callers_reach_an_internal_load_balancer() -> None:
    # (The VPN reaches the hosts, which have a key pair: a VPN that reaches nothing is refused.)
    templates = build(f"name: photos\ncluster: {{instances: {{key_name: ops}}}}\n{VPN}\n"
                      "services:\n  images: {image: nginx, port: 8080}\n")
    balancer = "service-images.yaml/LoadBalancerSecurityGroup"
    assert [r for r in real_rules(templates) if r.direction == "in" and r.group == balancer] == []
