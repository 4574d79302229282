"""The errors catalogue's examples for `services.*.domain` (docs/errors.md, section Domains): one small
blueprint per refusal of generator/blueprint/domain.py, as (title, blueprint, what it covers)."""

from __future__ import annotations

ZONE = "Z0123456789ABCDEFGHIJ"
ACM = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def _api(body: str) -> str:
    """A blueprint whose only service, a public `api`, has these keys besides its image, port and exposure."""
    return f"name: photos\nservices:\n  api: {{image: nginx, port: 80, expose: public, {body}}}\n"


def _named(name: str) -> str:
    return _api(f"domain: {{name: '{name}', hosted_zone_id: {ZONE}}}")


DOMAIN_EXAMPLES: list[tuple[str, str, str]] = [
    ("A domain name with a final dot", _named("api.example.com."), "model:value_error"),
    ("A wildcard domain name", _named("*.example.com"), "model:value_error"),
    ("A domain name that is not ASCII", _named("bücher.example.com"), "model:value_error"),
    ("A domain name in upper case", _named("API.example.com"), "model:value_error"),
    ("A domain name with a character DNS names do not hold", _named("api_v2.example.com"), "model:value_error"),
    ("A domain name of one label", _named("localhost"), "model:value_error"),
    ("An address where a domain name goes", _named("10.0.0.1"), "model:value_error"),
    ("A domain name longer than DNS allows", _named(".".join(["a" * 63] * 4) + ".com"), "model:value_error"),
    ("A hosted zone id with its /hostedzone/ prefix", _api(f"domain: {{name: api.example.com, hosted_zone_id: "
                                                           f"/hostedzone/{ZONE}}}"), "model:string_pattern_mismatch"),
    ("A domain on a worker", f"name: photos\nservices:\n  api: {{image: nginx, domain: {{name: api.example.com, "
                             f"hosted_zone_id: {ZONE}}}}}\n", "rule:domain_on_load_balancer"),
    ("Two services with one domain", f"name: photos\nservices:\n"
                                     f"  api: {{image: nginx, port: 80, domain: {{name: photos.example.com, "
                                     f"hosted_zone_id: {ZONE}}}}}\n"
                                     f"  web: {{image: nginx, port: 80, expose: public, domain: "
                                     f"{{name: photos.example.com, hosted_zone_id: {ZONE}}}}}\n",
     "rule:distinct_domains"),
    ("HTTPS without a certificate or a domain", _api("https: {ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06}"),
     "rule:https_certificate"),
    ("A domain too long for the certificate the stack requests", _named("a" * 60 + ".example.com"),
     "rule:https_certificate"),
]

DOMAINS_ABOUT = ("A service's `domain` (generator/blueprint/domain.py): the name's syntax, the zone id's shape, "
                 "and the rules across keys: a load balancer to point at, one service per name, a certificate "
                 "for HTTPS.")
