"""A bad blueprint is refused by `blueprint build` (SPEC 2 and 3): exit 2, every error on stderr as
FILE:LINE:COL: error: KEY.PATH: message, all of them in one run, no traceback, nothing written."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from generator.blueprint import BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes
from generator.cli import EXIT_USAGE, main

ACM = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def bad(blueprint: str | bytes, *expected: str, id: str) -> object:
    """A bad blueprint and the errors it must give, each as `LINE:COL: error: KEY.PATH: words of the message`."""
    return pytest.param(blueprint, expected, id=id)


BAD_BLUEPRINTS = [
    # Unknown keys, with "did you mean" when one is close.
    bad("""\
        name: photos
        servces:
          api: {image: nginx}
        """,
        "2:1: error: servces: unknown key `servces`; did you mean `services`?",
        "1:1: error: services: required key `services` is missing",
        id="unknown-top-level-key-suggests-services"),
    bad("""\
        name: photos
        network:
          cidrr: 10.0.0.0/16
        services:
          api: {image: nginx}
        """,
        "3:3: error: network.cidrr: unknown key `cidrr`; did you mean `cidr`?",
        id="unknown-nested-key-suggests-cidr"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            prot: 8080
        """,
        "5:5: error: services.api.prot: unknown key `prot`; did you mean `port`?",
        id="unknown-service-key-suggests-port"),
    bad("""\
        name: photos
        cluster:
          instances:
            typ: t3.small
        services:
          api: {image: nginx}
        """,
        "4:5: error: cluster.instances.typ: unknown key `typ`; did you mean `type`?",
        id="unknown-instances-key-suggests-type"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            replicas: 3
        """,
        "5:5: error: services.api.replicas: unknown key `replicas`; valid keys here: image, port, expose,",
        id="unknown-key-with-nothing-close-lists-the-valid-keys"),
    # Duplicate keys: YAML parsers keep the last one silently.
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            port: 80
            image: httpd
        """,
        "6:5: error: services.api.image: duplicate key (first given on line 4)",
        id="duplicate-key-in-a-service"),
    bad("""\
        name: photos
        services:
          api: {image: nginx}
        name: videos
        """,
        "4:1: error: name: duplicate key (first given on line 1)",
        id="duplicate-top-level-key"),
    # Types: no silent coercion.
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            port: "8080"
        """,
        "5:11: error: services.api.port: expected an integer, got the string '8080'",
        id="port-as-a-string"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            count: true
        """,
        "5:12: error: services.api.count: expected an integer, got the boolean true",
        id="boolean-where-an-integer-goes"),
    bad("""\
        name: photos
        network: [10.0.0.0/16]
        services:
          api: {image: nginx}
        """,
        "2:10: error: network: expected a mapping of keys, got a list",
        id="list-where-a-mapping-goes"),
    bad("""\
        name: photos
        services:
          api: nginx
        """,
        "3:8: error: services.api: expected a mapping of keys, got the string 'nginx'",
        id="service-given-as-a-string"),
    bad("""\
        name: yes
        services:
          api: {image: nginx}
        """,
        "1:7: error: name: YAML 1.1 reads yes as the boolean true; write true, or 'yes' in quotes if it is text",
        id="yaml-11-boolean-where-a-string-goes"),
    bad("""\
        name: true
        services:
          api: {image: nginx}
        """,
        "1:7: error: name: expected a string, got the boolean true; put it in quotes",
        id="yaml-boolean-where-a-string-goes"),
    bad("""\
        name: photos
        description: 2024-13-01
        services:
          api: {image: nginx}
        """,
        "2:14: error: description: YAML cannot read this value (month must be in 1..12); quote it if it is text",
        id="impossible-date-is-an-error-not-a-crash"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            environment:
              LOG_LEVEL: [info]
        """,
        "6:18: error: services.api.environment.LOG_LEVEL: expected a string, got a list",
        id="environment-value-that-is-not-a-scalar"),
    bad("""\
        name: photos
        services: {}
        """,
        "2:11: error: services: needs at least 1 entry, got 0",
        id="no-services"),
    # Ranges.
    bad("""\
        name: photos
        network:
          availability_zones: 1
        services:
          api: {image: nginx}
        """,
        "3:23: error: network.availability_zones: must be at least 2, got 1",
        id="one-availability-zone"),
    bad("""\
        name: photos
        network:
          availability_zones: 7
        services:
          api: {image: nginx}
        """,
        "3:23: error: network.availability_zones: must be at most 6, got 7",
        id="seven-availability-zones"),
    bad("""\
        name: photos
        services:
          api: {image: nginx, port: 0}
        """,
        "3:29: error: services.api.port: must be at least 1, got 0",
        id="port-0"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            port: 70000
        """,
        "5:11: error: services.api.port: must be at most 65535, got 70000",
        id="port-70000"),
    bad("""\
        name: photos
        cluster:
          instances:
            volume_gb: 8
        services:
          api: {image: nginx}
        """,
        "4:16: error: cluster.instances.volume_gb: must be at least 30, got 8",
        id="root-volume-below-the-ami-minimum"),
    # Formats.
    bad("""\
        name: Photos
        services:
          api: {image: nginx}
        """,
        "1:7: error: name: 'Photos' is not 1-32 characters of a-z, 0-9 and '-', starting with a letter",
        id="name-with-capitals"),
    bad("""\
        name: photos
        services:
          API: {image: nginx}
        """,
        "3:3: error: services.API: 'API' is not 1-32 characters of a-z, 0-9 and '-', starting with a letter",
        id="service-name-with-capitals"),
    bad("""\
        name: photos
        network:
          cidr: 10.0.0.1/16
        services:
          api: {image: nginx}
        """,
        "3:9: error: network.cidr: '10.0.0.1/16' has host bits set; did you mean 10.0.0.0/16?",
        id="cidr-with-host-bits"),
    bad("""\
        name: photos
        network:
          cidr: 10.0.0.0
        services:
          api: {image: nginx}
        """,
        "3:9: error: network.cidr: '10.0.0.0' has no prefix length",
        id="cidr-without-a-prefix-length"),
    bad("""\
        name: photos
        network:
          cidr: "2001:db8::/56"
        services:
          api: {image: nginx}
        """,
        "3:9: error: network.cidr: '2001:db8::/56' is IPv6; format 1 builds IPv4 networks",
        id="ipv6-vpc-cidr"),
    bad("""\
        name: photos
        network:
          cidr: 10.0.0.0/12
        services:
          api: {image: nginx}
        """,
        "3:9: error: network.cidr: prefix /12 is outside /16 to /24",
        id="vpc-cidr-larger-than-a-16"),
    bad("""\
        name: photos
        network:
          availability_zones: [us-east-1a, us-east-1]
        services:
          api: {image: nginx}
        """,
        "3:36: error: network.availability_zones[1]: 'us-east-1' is not an availability zone name",
        id="availability-zone-name-without-its-letter"),
    bad(f"""\
        name: photos
        services:
          api:
            image: nginx
            port: 443
            expose: public
            https:
              certificate_arn: {ACM.replace("123456789012", "1234")}
        """,
        "8:24: error: services.api.https.certificate_arn: 'arn:aws:acm:us-east-1:1234:certificate/",
        "is not an ACM certificate ARN",
        id="acm-arn-with-a-short-account"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            secrets:
              DB_PASSWORD: arn:aws:s3:::bucket/password
        """,
        "6:20: error: services.api.secrets.DB_PASSWORD: 'arn:aws:s3:::bucket/password' is not a Secrets Manager",
        id="secret-arn-of-an-s3-object"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx latest
        """,
        "4:12: error: services.api.image: 'nginx latest' is not a container image reference",
        id="image-with-a-space"),
    bad("""\
        name: photos
        network:
          endpoints: [s3, dynamodb]
        services:
          api: {image: nginx}
        """,
        "3:19: error: network.endpoints[1]: the string 'dynamodb' is not one of 's3', 'ecr'",
        id="unknown-vpc-endpoint"),
    # Cross-field rules.
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            scaling: {min: 5, max: 2, cpu_percent: 60}
        """,
        "5:20: error: services.api.scaling.min: min (5) is greater than max (2)",
        id="scaling-min-above-max"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            count: 20
            scaling: {min: 1, max: 10, cpu_percent: 60}
        """,
        "5:12: error: services.api.count: count (20) must lie between scaling.min (1) and max (10)",
        id="count-outside-scaling"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            talks_to: [imgs]
          images: {image: nginx, port: 8080}
        """,
        "5:16: error: services.api.talks_to[0]: there is no service `imgs`; did you mean `images`?",
        id="talks-to-an-unknown-service"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            talks_to: [web]
          web: {image: nginx, port: 8080, expose: public}
        """,
        "5:16: error: services.api.talks_to[0]: `web` is public, not internal",
        id="talks-to-a-public-service"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            port: 8080
            talks_to: [api]
        """,
        "6:16: error: services.api.talks_to[0]: a service cannot list itself",
        id="talks-to-itself"),
    bad("""\
        name: photos
        services:
          orders:
            image: nginx
            port: 8080
            talks_to: [billing]
          billing:
            image: nginx
            port: 8080
            talks_to: [orders]
        """,
        "10:15: error: services.billing.talks_to: services billing, orders call each other in a circle",
        id="talks-to-in-a-circle"),
    bad("""\
        name: photos
        services:
          api-2: {image: nginx}
          api2: {image: nginx}
        """,
        "4:9: error: services.api2: `api2` and `api-2` both become the CloudFormation name Api2; rename one",
        id="two-service-names-one-logical-id"),
    bad("""\
        name: photos
        network:
          nat_gateways: none
          endpoints: [s3, ecr]
        services:
          api: {image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1}
        """,
        "3:17: error: network.nat_gateways: `none` leaves private subnets without a way to ECR, ECS and "
        "CloudWatch Logs; add the endpoints ecs, logs",
        id="no-nat-gateways-without-endpoints"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            launch_type: ec2
        """,
        "5:18: error: services.api.launch_type: `ec2` needs EC2 hosts: add `cluster.instances`",
        id="ec2-launch-type-without-instances"),
    bad("""\
        name: photos
        cluster:
          instances: {type: t3.large}
          fargate: false
        services:
          api:
            image: nginx
            launch_type: fargate
        """,
        "8:18: error: services.api.launch_type: `fargate` needs Fargate capacity: set `cluster.fargate: true`",
        id="fargate-launch-type-with-fargate-off"),
    bad("""\
        name: photos
        cluster:
          fargate: false
        services:
          api: {image: nginx}
        """,
        "3:12: error: cluster.fargate: the cluster has no capacity: set `instances` or leave Fargate on",
        id="cluster-with-no-capacity"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            cpu: 256
            memory: 4096
        """,
        "6:13: error: services.api.memory: Fargate does not run cpu 256 with memory 4096; with cpu 256 "
        "memory is one of 512, 1024, 2048",
        id="fargate-cpu-memory-pair-aws-rejects"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            expose: public
        """,
        "5:13: error: services.api.expose: a public service needs a `port`",
        id="public-service-without-a-port"),
    bad("""\
        name: photos
        access:
          bastion:
            allowed_cidrs:
              - 0.0.0.0/0
              - 203.0.113.0/24
              - ::/0
        services:
          api: {image: nginx}
        """,
        "5:9: error: access.bastion.allowed_cidrs[0]: 0.0.0.0/0 opens SSH to the whole internet",
        "7:9: error: access.bastion.allowed_cidrs[2]: ::/0 opens SSH to the whole internet",
        id="bastion-open-to-the-whole-internet"),
    bad(f"""\
        name: photos
        access:
          vpn:
            client_cidr: 10.0.0.0/22
            server_certificate_arn: {ACM}
            client_certificate_arn: {ACM}
        services:
          api: {{image: nginx}}
        """,
        "4:18: error: access.vpn.client_cidr: 10.0.0.0/22 overlaps the VPC (10.0.0.0/16)",
        id="vpn-clients-overlapping-the-vpc"),
    bad(f"""\
        name: photos
        access:
          vpn:
            client_cidr: 10.250.0.0/24
            server_certificate_arn: {ACM}
            client_certificate_arn: {ACM}
        services:
          api: {{image: nginx}}
        """,
        "4:18: error: access.vpn.client_cidr: prefix /24 is outside /12 to /22",
        id="vpn-client-range-smaller-than-a-22"),
    bad(f"""\
        name: photos
        access:
          vpn:
            client_cidr: 172.0.0.0/11
            server_certificate_arn: {ACM}
            client_certificate_arn: {ACM}
        services:
          api: {{image: nginx}}
        """,
        "4:18: error: access.vpn.client_cidr: prefix /11 is outside /12 to /22",
        id="vpn-client-range-larger-than-a-12"),
    bad("""\
        name: photos
        cluster:
          instances:
            min: 5
            max: 2
        services:
          api: {image: nginx}
        """,
        "4:10: error: cluster.instances.min: min (5) is greater than max (2)",
        id="instances-min-above-max"),
    bad("""\
        name: photos
        network:
          cidr: 10.0.0.0/24
          availability_zones: 4
        services:
          api: {image: nginx}
        """,
        "3:9: error: network.cidr: a /24 VPC holds subnets for at most 2 availability zones",
        id="a-24-vpc-with-four-zones"),
    bad("""\
        name: photos
        services:
          api:
            image: nginx
            port: 8080
            allowed_cidrs: [10.0.0.0/8]
        """,
        "6:20: error: services.api.allowed_cidrs: only a public service takes allowed_cidrs",
        id="allowed-cidrs-on-an-internal-service"),
    bad(f"""\
        name: photos
        services:
          worker:
            image: nginx
            https:
              certificate_arn: {ACM}
        """,
        "6:7: error: services.worker.https: a service with `expose: none` has no load balancer to use this",
        id="https-on-a-worker"),
    # Not a blueprint at all.
    bad(b"",
        "1:1: error: empty file; a blueprint is a mapping with at least `name` and `services`",
        id="empty-file"),
    bad("""\
        # name: photos
        # services: {}
        """,
        "1:1: error: empty file",
        id="only-comments"),
    bad("""\
        - name: photos
        - services: {}
        """,
        "1:1: error: the file holds a list; a blueprint is a mapping of keys",
        id="a-list"),
    bad("""\
        # a blueprint
        photos
        """,
        "2:1: error: the file holds a single value; a blueprint is a mapping of keys",
        id="a-scalar"),
    bad("""\
        name: photos
        services:
          api: {image: nginx}
        ---
        name: videos
        """,
        "5:1: error: several YAML documents; a blueprint is exactly one",
        id="two-yaml-documents"),
    bad(b"name: photos\nservices:\n  api:\n    image: caf\xe9\n",
        "4:15: error: not UTF-8 text (byte 0xe9); save the file as UTF-8",
        id="latin-1-bytes-give-the-line-of-the-bad-byte"),
    bad(b"name: photos\nservices:\n  api: {image: nginx}\n\x00\x00",
        "4:1: error: character U+0000 is not allowed in YAML",
        id="binary-zero-bytes"),
    bad(b"name: photos\n# " + b"x" * (1024 * 1024) + b"\nservices:\n  api: {image: nginx}\n",
        "1:1: error: file is 1,048,624 bytes; a blueprint may be at most 1 MiB",
        id="over-one-mebibyte"),
    bad("""\
        a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        name: photos
        """,
        ": error: e[", "more than 20,000 values after expanding aliases; is this an alias bomb?",
        id="billion-laughs"),
    bad("name: photos\ntags: " + "{a: " * 40 + "b" + "}" * 40 + "\n",
        "2:135: error: tags" + ".a" * 32 + ": nested deeper than 32 levels",
        id="deeply-nested-mapping"),
    bad("name: photos\ntags: " + "[" * 5000 + "]" * 5000 + "\n",
        "2:", "error: nested deeper than 32 levels",  # the column is where the stack ran out
        id="thousands-of-brackets-are-an-error-not-a-recursion-crash"),
    bad("""\
        name: photos
        services:
          api: {image: nginx, port: 8080
        network: {}
        """,
        "4:8: error: invalid YAML: expected ',' or '}', but got ':' (while parsing a flow mapping started on line 3)",
        id="invalid-yaml-syntax"),
    bad("name: photos\nservices:\n  api:\n\timage: nginx\n",
        "4:1: error: invalid YAML: found character '\\t' that cannot start any token; YAML does not allow tabs "
        "for indentation, use spaces",
        id="tabs-for-indentation"),
]


@pytest.mark.parametrize(("blueprint", "expected"), BAD_BLUEPRINTS)
def test_bad_blueprint_is_refused_at_its_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], blueprint: str | bytes, expected: tuple[str, ...]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(blueprint if isinstance(blueprint, bytes) else textwrap.dedent(blueprint).encode())
    output = tmp_path / "output"

    code = main(["build", str(path), "-o", str(output)])

    captured = capsys.readouterr()
    assert code == EXIT_USAGE
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines, "no error printed"
    assert all(line.startswith(f"{path}:") and ": error: " in line for line in lines), captured.err
    for fragment in expected:
        # `LINE:COL: error: KEY.PATH: ...` must follow the file name exactly; other words may be anywhere.
        found = [line for line in lines if line.startswith(f"{path}:{fragment}")] if fragment[0].isdigit() else [
            line for line in lines if fragment in line
        ]
        assert found, f"{fragment!r} not in:\n{captured.err}"
    assert "Traceback" not in captured.err
    assert not output.exists()


def test_every_error_in_a_file_is_reported_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(textwrap.dedent("""\
        name: Photos
        network:
          cidr: 10.0.0.1/16
          availability_zones: 9
          nat_gateway: single
        services:
          api:
            image: nginx
            port: "8080"
            cpu: 256
            cpu: 512
          worker:
            image: nginx
            cuont: 3
        """))

    code = main(["build", str(path), "-o", str(tmp_path / "output")])

    assert code == EXIT_USAGE
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:1:7: error: name: 'Photos' is not 1-32 characters of a-z, 0-9 and '-', starting with a letter",
        f"{path}:3:9: error: network.cidr: '10.0.0.1/16' has host bits set; did you mean 10.0.0.0/16?",
        f"{path}:4:23: error: network.availability_zones: must be at most 6, got 9",
        f"{path}:5:3: error: network.nat_gateway: unknown key `nat_gateway`; did you mean `nat_gateways`?",
        f"{path}:9:11: error: services.api.port: expected an integer, got the string '8080'",
        f"{path}:11:5: error: services.api.cpu: duplicate key (first given on line 10)",
        f"{path}:14:5: error: services.worker.cuont: unknown key `cuont`; did you mean `count`?",
    ]


def test_every_cross_field_error_is_reported_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent("""\
        name: photos
        cluster:
          instances: {min: 3, max: 1}
        services:
          api:
            image: nginx
            expose: public
            talks_to: [images]
          images:
            image: nginx
            launch_type: fargate
            cpu: 1024
            memory: 1024
        """))

    code = main(["build", str(path), "-o", str(tmp_path / "output")])

    assert code == EXIT_USAGE
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:3:20: error: cluster.instances.min: min (3) is greater than max (1)",
        f"{path}:7:13: error: services.api.expose: a public service needs a `port` for its load balancer to reach",
        f"{path}:8:16: error: services.api.talks_to[0]: `images` is a worker without a load balancer, not internal; "
        "talks_to opens a path to an internal load balancer only",
        f"{path}:11:18: error: services.images.launch_type: `fargate` needs Fargate capacity: set "
        "`cluster.fargate: true`",
        f"{path}:13:13: error: services.images.memory: Fargate does not run cpu 1024 with memory 1024; with cpu 1024 "
        "memory is one of 2048, 3072, 4096, 5120, 6144, 7168, 8192",
    ]


def test_a_file_that_cannot_be_read_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.yaml"

    code = main(["build", str(missing), "-o", str(tmp_path / "output")])

    assert code == EXIT_USAGE
    assert capsys.readouterr().err.startswith(f"{missing}:1:1: error: cannot read file: No such file")


GOOD = """\
name: photos
services:
  api:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
"""


def test_a_failed_build_leaves_the_previous_output_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "photos.yaml"
    output = tmp_path / "output"
    path.write_text(GOOD)
    assert main(["build", str(path), "-o", str(output)]) == 0
    before = {file: file.read_bytes() for file in sorted(output.rglob("*")) if file.is_file()}
    assert output / "photos" / "root.yaml" in before
    capsys.readouterr()

    path.write_text(GOOD.replace("port: 8080", "port: 80800"))
    code = main(["build", str(path), "-o", str(output)])

    assert code == EXIT_USAGE
    assert f"{path}:5:11: error: services.api.port: must be at most 65535" in capsys.readouterr().err
    after = {file: file.read_bytes() for file in sorted(output.rglob("*")) if file.is_file()}
    assert after == before
    assert sorted(output.iterdir()) == [output / "photos"]


def test_errors_at_one_place_are_listed_in_the_same_order_every_run() -> None:
    """An alias repeats a value at other keys, so their errors all point at the alias's line and column."""
    from generator.blueprint.errors import BlueprintError, BlueprintErrors

    same_place = [BlueprintError(3, 7, ("services", f"s{index:02}", "cpu"), "expected an integer, got a list")
                  for index in range(20)]

    assert BlueprintErrors("b.yaml", same_place[::-1]).errors == same_place


@pytest.mark.parametrize(("block", "path"), [
    ("tags: {'FALSE': x, team: y}\n", "tags.FALSE"),
    ("services:\n  api:\n    image: nginx\n    environment: {'true': '1', X: '2'}\n", "services.api.environment.true"),
    ("services:\n  api:\n    image: nginx\n    secrets: {'False': 'arn:aws:ssm:us-east-1:123456789012:parameter/x'}\n",
     "services.api.secrets.False"),
])
def test_true_or_false_as_a_name_is_refused_before_cfn_lint_misreads_it(block: str, path: str) -> None:
    text = "name: shop\n" + (block if block.startswith("services") else block + "services:\n  api: {image: nginx}\n")
    with pytest.raises(BlueprintErrors) as caught:
        load_blueprint_bytes(text.encode(), "b.yaml")
    assert any(f"{path}:" in line and "cfn-lint" in line for line in caught.value.render().splitlines())
