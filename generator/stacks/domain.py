"""A service's `domain` in its stack: the certificate its HTTPS listener serves and the alias record to its
load balancer.

The certificate is the one `https.certificate_arn` names, else one this stack requests from ACM for the domain
with DNS validation through the domain's hosted zone: given `HostedZoneId`, CloudFormation writes ACM's
validation record into the zone itself and finishes the certificate only once ACM has issued it, so the
listener that refers to it never serves a pending certificate.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Template, certificatemanager, route53
from troposphere import elasticloadbalancingv2 as elb

from generator.blueprint.model import Service
from generator.stacks.sources import record_source

CERTIFICATE = "Certificate"


def listener_certificate(template: Template, name: str, service: Service) -> str | Ref:
    """The ARN of the certificate the HTTPS listener serves, requesting one for the domain if none is named."""
    https = service.resolved_https
    assert https is not None  # called for services that serve HTTPS only
    if https.certificate_arn is not None:
        return https.certificate_arn
    if CERTIFICATE in template.resources:  # requested once, served by every HTTPS listener of the service
        return Ref(template.resources[CERTIFICATE])
    domain = service.domain
    assert domain is not None  # the loader's rule: HTTPS without a certificate ARN needs a domain
    certificate = template.add_resource(record_source(certificatemanager.Certificate(
        CERTIFICATE,
        DomainName=domain.name,
        ValidationMethod="DNS",
        DomainValidationOptions=[certificatemanager.DomainValidationOption(
            DomainName=domain.name, HostedZoneId=domain.hosted_zone_id,
        )],
    ), f"services.{name}.domain"))
    return Ref(certificate)


def add_alias_record(template: Template, name: str, service: Service, load_balancer: elb.LoadBalancer) -> None:
    """The domain's A record, an alias to the load balancer (IPv4 only: the load balancers are not dualstack)."""
    domain = service.domain
    if domain is None:
        return
    template.add_resource(record_source(route53.RecordSetType(
        "AliasRecord",
        HostedZoneId=domain.hosted_zone_id,
        Name=domain.name,
        Type="A",
        AliasTarget=route53.AliasTarget(
            DNSName=GetAtt(load_balancer, "DNSName"),
            HostedZoneId=GetAtt(load_balancer, "CanonicalHostedZoneID"),
            EvaluateTargetHealth=False,  # one load balancer per name: no other record to fail over to
        ),
    ), f"services.{name}.domain"))
