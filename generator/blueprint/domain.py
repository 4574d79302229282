"""A service's own domain name (issue 19): the `domain` block, its syntax, and the rules across services.

A domain gives a load-balanced service a name in a Route 53 hosted zone: the service stack makes an alias
record to its load balancer, serves HTTPS on it and, unless `https.certificate_arn` brings a certificate,
asks ACM for one validated through the same zone (generator/stacks/domain.py builds them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field

from generator.blueprint.annotations import Meaning
from generator.blueprint.errors import KeyPath
from generator.blueprint.strict import Strict

if TYPE_CHECKING:
    from generator.blueprint.model import Blueprint

Problem = tuple[KeyPath, str]

HOSTED_ZONE_PATTERN = r"^Z[A-Z0-9]{1,32}$"
LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
MAX_NAME = 253  # octets of a DNS name written without its final dot (RFC 1035)
# ACM writes the first name of a certificate into its Common Name, which RFC 5280 caps at 64 octets: a longer
# name can only be a certificate's alternative name, so the stack could not request a certificate for it.
MAX_CERTIFICATE_NAME = 64


def _domain_name(text: str) -> str:
    """A host name written as Route 53 and ACM store it: lower-case ASCII labels, no final dot, no wildcard."""
    if text.endswith(".") and text.strip("."):  # only dots: no name to suggest, the label check says why
        raise ValueError(f"{text!r} ends with a dot; write the name without it: {text.rstrip('.')}")
    if text.startswith("*."):
        raise ValueError(f"{text!r} is a wildcard, which names no one host for the service's URL; name the host "
                         "(a wildcard certificate you bring goes in `https.certificate_arn`)")
    if not text.isascii():
        try:
            ascii_name = text.encode("idna").decode()
        except UnicodeError:
            raise ValueError(f"{text!r} is not a domain name such as api.example.com") from None
        raise ValueError(f"{text!r} is not ASCII; write an internationalised name in its DNS form: {ascii_name}")
    if text != text.lower():
        raise ValueError(f"{text!r} has upper-case letters; write it in lower case: {text.lower()}")
    labels = text.split(".")
    if len(labels) < 2 or not all(LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise ValueError(f"{text!r} is not a domain name such as api.example.com: labels of a-z, 0-9 and '-' "
                         "(not first or last), 1-63 characters each, joined by dots")
    if len(text) > MAX_NAME:
        raise ValueError(f"{text!r} is {len(text)} characters; a DNS name holds at most {MAX_NAME}")
    return text


DomainName = Annotated[str, AfterValidator(_domain_name)]
HostedZoneId = Annotated[
    str, Field(pattern=HOSTED_ZONE_PATTERN),
    Meaning("a Route 53 hosted zone id: Z and 1-32 upper-case letters and digits, such as Z0123456789ABCDEFGHIJ "
            "(without /hostedzone/)"),
]

DOMAIN_DESCRIPTION = (
    "The service's own name, in a Route 53 hosted zone of yours: `{name: api.example.com, hosted_zone_id: "
    "Z0123456789ABCDEFGHIJ}`. Only for a service with a load balancer. The service stack adds an alias record "
    "(A) from the name to the load balancer and serves HTTPS on 443 (a public service's port 80 redirects to "
    "it), so `https` may be left out or give only `ssl_policy`. The certificate: the one `https.certificate_arn` "
    "names, which must cover the name (no certificate is created then, the record still is); else a new ACM "
    "certificate for the name, which CloudFormation validates by writing ACM's CNAME into the same zone, and "
    "which must therefore be a public zone (the stack waits until ACM issues the certificate, a few minutes). "
    "An internal service's name may sit in a public zone (it resolves to the load balancer's private addresses, "
    "reachable from inside the VPC only); for a private zone bring the certificate in `https.certificate_arn`. "
    "Callers find the service at `https://NAME` (its `<CALLEE>_URL`, the `ServiceUrl` output). Changing the "
    "name replaces the requested certificate (ACM fixes a certificate's names) and moves the record. Default "
    "none: the load balancer's own DNS name, HTTP unless `https` names a certificate."
)


class Domain(Strict):
    name: DomainName = Field(
        description="The host name, lower case, without a final dot: api.example.com. No wildcard (the service's "
        "URL needs one host). At most 253 characters, or 64 when the stack requests the certificate (ACM puts "
        "the name in the certificate's Common Name, which RFC 5280 caps at 64).",
    )
    hosted_zone_id: HostedZoneId = Field(
        description="Id of the Route 53 hosted zone the name belongs to (the zone of example.com for "
        "api.example.com), as the Route 53 console shows it: Z0123456789ABCDEFGHIJ.",
    )

    @property
    def url(self) -> str:
        return f"https://{self.name}"


def generated_certificate_in_words(domain: Domain) -> str:
    """How `blueprint explain` names the certificate the stack requests in place of a `certificate_arn`."""
    return f"created: an ACM certificate for {domain.name}, validated through zone {domain.hosted_zone_id}"


def domain_on_load_balancer(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        if service.domain is not None and not service.has_load_balancer:
            yield ("services", name, "domain"), (
                "a worker (`expose: none`) has no load balancer for the name to point at; give it a `port` and "
                "`expose: public` or `internal`, or leave the domain out")


def distinct_domains(blueprint: Blueprint) -> Iterator[Problem]:
    """One name, one load balancer: Route 53 holds one alias record per name and type in a zone."""
    owners: dict[str, str] = {}
    for name, service in blueprint.services.items():
        if service.domain is None:
            continue
        owner = owners.setdefault(service.domain.name, name)
        if owner != name:
            yield ("services", name, "domain", "name"), (
                f"{service.domain.name} is the domain of service `{owner}` already; each service needs a name "
                "of its own")


def https_certificate(blueprint: Blueprint) -> Iterator[Problem]:
    """HTTPS needs a certificate: the one named, or the one the stack requests for the service's domain."""
    for name, service in blueprint.services.items():
        brought = service.https is not None and service.https.certificate_arn is not None
        if service.https is not None and not brought and service.domain is None and service.has_load_balancer:
            yield ("services", name, "https"), (
                "HTTPS needs a certificate: give `certificate_arn`, or a `domain` (the stack then requests an "
                "ACM certificate for it)")
        if service.domain is not None and not brought and len(service.domain.name) > MAX_CERTIFICATE_NAME:
            yield ("services", name, "domain", "name"), (
                f"is {len(service.domain.name)} characters; ACM requests a certificate only for a name of at most "
                f"{MAX_CERTIFICATE_NAME} (its Common Name, RFC 5280): use a shorter name, or bring a certificate "
                "that covers it in `https.certificate_arn`")


DOMAIN_RULES = (domain_on_load_balancer, distinct_domains, https_certificate)
