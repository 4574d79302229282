"""`services.*.domain` as the issue writes it loads; the name's syntax, the zone id's shape and the rules across
keys (a load balancer to point at, one service per name, a certificate for HTTPS) are refused, located."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shared import CERT, load

from generator.blueprint.domain import MAX_CERTIFICATE_NAME
from generator.blueprint.errors import BlueprintErrors
from generator.blueprint.rules import TASK_DEFINITION_BYTES, TASK_DEFINITION_MARGIN, task_definition_texts
from generator.review.explain import defaults

ZONE = "Z0123456789ABCDEFGHIJ"
ISSUE = f"""\
name: photos
services:
  api:
    image: nginx
    port: 8080
    expose: public
    domain: {{name: api.example.com, hosted_zone_id: {ZONE}}}
"""


def errors(text: str) -> list[str]:
    with pytest.raises(BlueprintErrors) as failed:
        load(text)
    return failed.value.render().splitlines()


def named(name: str, extra: str = "", expose: str = "public") -> str:
    """The issue's blueprint with another domain name (quoted as YAML needs) and more keys for `api`."""
    return (f"name: photos\nservices:\n  api:\n    image: nginx\n    port: 8080\n    expose: {expose}\n{extra}"
            f"    domain: {{name: '{name}', hosted_zone_id: {ZONE}}}\n")


def test_the_issues_blueprint_loads_and_implies_https() -> None:
    api = load(ISSUE).services["api"]
    assert api.domain is not None and (api.domain.name, api.domain.hosted_zone_id) == ("api.example.com", ZONE)
    assert api.https is None and api.serves_https
    https = api.resolved_https
    assert https is not None and https.certificate_arn is None


@pytest.mark.parametrize("name", [
    "api.example.com", "example.com", "a.b", "xn--bcher-kva.example.com", "api-2.eu-west-1.example.co.uk",
    "0-9.example.com", "a" * 60 + ".com", ".".join(["a" * 20] * 3)[:MAX_CERTIFICATE_NAME],
])
def test_names_dns_accepts_load(name: str) -> None:
    assert load(named(name)).services["api"].domain.name == name  # type: ignore[union-attr]


@pytest.mark.parametrize(("name", "says"), [
    ("api.example.com.", "ends with a dot; write the name without it: api.example.com"),
    ("*.example.com", "is a wildcard"),
    ("*", "is not a domain name"),
    ("API.Example.com", "write it in lower case: api.example.com"),
    ("bücher.example.com", "in its DNS form: xn--bcher-kva.example.com"),
    ("ü" * 64 + ".com", "is not a domain name"),
    ("api_v2.example.com", "is not a domain name"),
    ("-api.example.com", "is not a domain name"),
    ("api-.example.com", "is not a domain name"),
    ("api..example.com", "is not a domain name"),
    (".example.com", "is not a domain name"),
    ("localhost", "is not a domain name"),
    ("10.0.0.1", "is not a domain name"),
    ("a" * 64 + ".example.com", "is not a domain name"),
    ("api example.com", "is not a domain name"),
    ("https://api.example.com", "is not a domain name"),
    ("", "is not a domain name"),
    (".".join(["a" * 63] * 4) + ".com", "a DNS name holds at most 253"),
])
def test_a_name_dns_does_not_hold_is_refused_at_the_name(name: str, says: str) -> None:
    [error] = errors(named(name))
    assert error.startswith("blueprint.yaml:7:") and "services.api.domain.name: " in error and says in error


@given(st.text(max_size=40))
def test_any_text_is_a_name_or_one_located_error(name: str) -> None:
    text = named(name.replace("\\", "").replace("'", "''"))
    try:
        load(text)
    except BlueprintErrors as failed:
        assert all(": error: " in line for line in failed.render().splitlines())


@pytest.mark.parametrize("zone", ["/hostedzone/" + ZONE, "z0123456789", "Z", "Z" + "A" * 33, "ABC123", "Z01234-5678"])
def test_a_zone_id_of_another_shape_is_refused_at_the_zone(zone: str) -> None:
    [error] = errors(ISSUE.replace(ZONE, zone))
    assert error.startswith("blueprint.yaml:7:") and "services.api.domain.hosted_zone_id: " in error
    assert "is not a Route 53 hosted zone id" in error


@pytest.mark.parametrize("zone", ["Z1", "Z2FDTNDATAQYW2", "Z" + "9" * 32])
def test_zone_ids_of_route_53s_shape_load(zone: str) -> None:
    assert load(ISSUE.replace(ZONE, zone)).services["api"].domain.hosted_zone_id == zone  # type: ignore[union-attr]


@pytest.mark.parametrize("block", ["{name: api.example.com}", f"{{hosted_zone_id: {ZONE}}}", "api.example.com",
                                   f"{{name: api.example.com, hosted_zone_id: {ZONE}, ttl: 60}}"])
def test_a_domain_block_without_both_keys_or_with_more_is_refused(block: str) -> None:
    assert all("services.api.domain" in line for line in errors(ISSUE.replace(
        f"{{name: api.example.com, hosted_zone_id: {ZONE}}}", block)))


@pytest.mark.parametrize("worker", ["    expose: none\n", ""])
def test_a_worker_cannot_have_a_domain(worker: str) -> None:
    text = (f"name: photos\nservices:\n  api:\n    image: nginx\n{worker}"
            f"    domain: {{name: api.example.com, hosted_zone_id: {ZONE}}}\n")
    [error] = errors(text)
    line = 5 + bool(worker)
    assert error.startswith(f"blueprint.yaml:{line}:")
    assert "error: services.api.domain: a worker (`expose: none`) has no load balancer" in error


@pytest.mark.parametrize("second", ["public", "internal"])
def test_two_services_with_one_name_are_refused_at_the_second(second: str) -> None:
    text = ISSUE + (f"  web:\n    image: nginx\n    port: 80\n    expose: {second}\n"
                    f"    domain: {{name: api.example.com, hosted_zone_id: Z9999}}\n"
                    f"  other:\n    image: nginx\n    port: 80\n"
                    f"    domain: {{name: other.example.com, hosted_zone_id: {ZONE}}}\n")
    [error] = errors(text)
    assert error.startswith("blueprint.yaml:12:") and "services.web.domain.name: api.example.com is the domain of " \
        "service `api` already" in error


@pytest.mark.parametrize("https", ["{ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06}", "{}"])
def test_https_without_a_certificate_needs_a_domain(https: str) -> None:
    text = f"name: photos\nservices:\n  api:\n    image: nginx\n    port: 80\n    https: {https}\n"
    [error] = errors(text)
    assert error.startswith("blueprint.yaml:6:") and "services.api.https: HTTPS needs a certificate" in error
    assert load(text + f"    domain: {{name: api.example.com, hosted_zone_id: {ZONE}}}\n").services["api"].serves_https


def test_https_on_a_worker_is_refused_once() -> None:
    [error] = errors("name: photos\nservices:\n  api:\n    image: nginx\n    https: {}\n")
    assert "services.api.https: a service with `expose: none` has no load balancer" in error


def test_a_name_too_long_for_a_requested_certificate_is_refused_unless_one_is_brought() -> None:
    name = "a" * (MAX_CERTIFICATE_NAME - len(".example.com") + 1) + ".example.com"
    [error] = errors(named(name))
    assert error.startswith("blueprint.yaml:7:") and f"is {MAX_CERTIFICATE_NAME + 1} characters; ACM requests" in error
    brought = named(name, extra=f"    https: {{certificate_arn: '{CERT}'}}\n")
    assert load(brought).services["api"].domain.name == name  # type: ignore[union-attr]
    assert load(named(name[1:])).services["api"].domain.name == name[1:]  # type: ignore[union-attr]


def test_a_callees_domain_counts_in_the_task_definitions_size() -> None:
    """The callee's URL is `https://NAME`, up to 261 characters: longer than a load balancer's URL."""
    longest = ".".join(["a" * 63] * 3 + ["a" * 61])
    with_domain = f"    https: {{certificate_arn: '{CERT}'}}\n    domain: {{name: {longest}, hosted_zone_id: {ZONE}}}\n"

    def blueprint(filler: int, domain: str) -> str:
        return (f"name: photos\nservices:\n  api:\n    image: nginx\n    talks_to: [images]\n"
                f"    environment: {{BIG: {'x' * filler}}}\n  images:\n    image: nginx\n    port: 80\n{domain}")

    room = TASK_DEFINITION_BYTES - TASK_DEFINITION_MARGIN - sum(task_definition_texts(load(blueprint(0, "")), "api")
                                                                .values())
    fits_a_load_balancers_url = blueprint(room - 10, "")
    assert load(fits_a_load_balancers_url).services["images"].domain is None
    [error] = errors(blueprint(room - 10, with_domain))
    assert "the task definition of `api` would hold" in error


def test_explain_shows_the_certificate_the_stack_requests() -> None:
    shown = {d.path: d.value for d in defaults(load(ISSUE))}
    assert shown["services.api.https"]["certificate_arn"] == (
        f"created: an ACM certificate for api.example.com, validated through zone {ZONE}")
    assert shown["services.api.https"]["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    with_policy = named("api.example.com", extra="    https: {ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06}\n")
    assert {d.path: d.value for d in defaults(load(with_policy))}["services.api.https.certificate_arn"].startswith(
        "created: an ACM certificate for api.example.com")
    brought = named("api.example.com", extra=f"    https: {{certificate_arn: '{CERT}'}}\n")
    assert not any(d.path.startswith("services.api.https") for d in defaults(load(brought)) if d.resolved)
