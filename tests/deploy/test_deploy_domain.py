"""Services with a `domain` deploy in moto into a hosted zone the test creates first: the alias record lands in
the zone and points at the service's load balancer, and the HTTPS listener serves the certificate.

What moto (5.2.5) does not model: AWS::CertificateManager::Certificate has no CloudFormation model (moto skips
it), and its ELBv2 refuses a listener certificate its ACM does not hold (CertificateNotFound). So a certificate
the stack requests cannot deploy there: these services bring one (`https.certificate_arn`, requested from
moto's ACM first), and the requested certificate's template is covered by tests/stacks/test_domain.py and
cfn-lint. The record, the listeners and the URLs are the same either way. moto also leaves the alias's
`Fn::GetAtt LoadBalancer.CanonicalHostedZoneID` unresolved (its load balancer model lacks the attribute).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from generator.pipeline import build

from .harness import Deployment, MotoCloud, declared_vs_created, deploy

ZONE_NAME = "example.com"
ZONE_ID = "Z0123456789ABCDEFGHIJ"
BLUEPRINT = """\
name: names
services:
  web:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    expose: public
    count: 1
    https: {{certificate_arn: '{web_certificate}'}}
    domain: {{name: www.{zone_name}, hosted_zone_id: {zone_id}}}
    talks_to: [api]
  api:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    count: 1
    https: {{certificate_arn: '{api_certificate}'}}
    domain: {{name: api.{zone_name}, hosted_zone_id: {zone_id}}}
"""
# Declared types moto 5.2.5 creates nothing for, in these stacks.
ALLOWED_UNMODELLED = frozenset({"AWS::EC2::SecurityGroupEgress", "AWS::S3::BucketPolicy",
                                "AWS::ECS::ClusterCapacityProviderAssociations", "AWS::CloudWatch::Alarm"})


@pytest.fixture(scope="module")
def zone(moto: MotoCloud) -> Iterator[str]:
    """A public hosted zone with the id the blueprint names (moto's ids are random: it takes a custom one)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.route53.models import HostedZoneIdentifier
    from moto.utilities.id_generator import moto_id_manager as id_manager

    identifier = HostedZoneIdentifier(DEFAULT_ACCOUNT_ID, f"{ZONE_NAME}.", None)
    id_manager.set_custom_id(identifier, ZONE_ID)
    try:
        created = moto.client("route53").create_hosted_zone(Name=ZONE_NAME, CallerReference="domain-test")
        assert created["HostedZone"]["Id"].endswith(ZONE_ID)
        yield ZONE_ID
    finally:
        id_manager.unset_custom_id(identifier)


@pytest.fixture(scope="module")
def certificates(moto: MotoCloud) -> dict[str, str]:
    """A certificate per name in moto's ACM (its ELBv2 serves only certificates ACM holds)."""
    acm = moto.client("acm")
    return {service: acm.request_certificate(DomainName=f"{service}.{ZONE_NAME}", ValidationMethod="DNS")[
        "CertificateArn"] for service in ("www", "api")}


@pytest.fixture(scope="module")
def deployed(moto: MotoCloud, zone: str, certificates: dict[str, str],
             tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    scratch = tmp_path_factory.mktemp("domain")
    path = scratch / "names.yaml"
    path.write_text(BLUEPRINT.format(zone_name=ZONE_NAME, zone_id=zone, web_certificate=certificates["www"],
                                     api_certificate=certificates["api"]))
    return deploy(moto, build(path, scratch / "out").directory)


def records(moto: MotoCloud, zone: str) -> dict[str, dict]:
    found = moto.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return {record["Name"].rstrip("."): record for record in found if record["Type"] == "A"}


def test_the_stacks_are_created_with_their_records(moto: MotoCloud, deployed: Deployment) -> None:
    assert {node.status for node in deployed.stacks.values()} == {"CREATE_COMPLETE"}
    comparison = declared_vs_created(moto.client("cloudformation"), deployed.stack_name)
    assert comparison.unexpected(ALLOWED_UNMODELLED) == {}
    assert {service: node.types.get("AliasRecord") for service, node in deployed.stacks.items()
            if service.endswith("Service")} == {"WebService": "AWS::Route53::RecordSet",
                                                "ApiService": "AWS::Route53::RecordSet"}


def test_each_name_is_an_alias_to_its_load_balancer(moto: MotoCloud, zone: str, deployed: Deployment) -> None:
    found = records(moto, zone)
    assert set(found) == {f"www.{ZONE_NAME}", f"api.{ZONE_NAME}"}
    balancers = moto.client("elbv2").describe_load_balancers()["LoadBalancers"]
    for service, name in (("WebService", f"www.{ZONE_NAME}"), ("ApiService", f"api.{ZONE_NAME}")):
        arn = deployed.stacks[service].resources["LoadBalancer"]
        [balancer] = [b for b in balancers if b["LoadBalancerArn"] == arn]
        target = found[name]["AliasTarget"]
        assert target["DNSName"].rstrip(".") == balancer["DNSName"]
        # moto leaves `Fn::GetAtt LoadBalancer.CanonicalHostedZoneID` unresolved: read what was declared.
        declared = deployed.stacks[service].declared()["AliasRecord"]["Properties"]["AliasTarget"]["HostedZoneId"]
        assert declared == {"Fn::GetAtt": ["LoadBalancer", "CanonicalHostedZoneID"]}


def test_the_listeners_serve_https_and_redirect_port_80(moto: MotoCloud, deployed: Deployment,
                                                        certificates: dict[str, str]) -> None:
    elbv2 = moto.client("elbv2")
    for service, certificate, ports in (("WebService", "www", {443: "HTTPS", 80: "HTTP"}),
                                        ("ApiService", "api", {443: "HTTPS"})):
        arn = deployed.stacks[service].resources["LoadBalancer"]
        found = {listener["Port"]: listener for listener in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]}
        assert {port: listener["Protocol"] for port, listener in found.items()} == ports
        assert found[443]["Certificates"] == [{"CertificateArn": certificates[certificate]}]
        if 80 in found:  # public: port 80 only redirects
            assert [action["Type"] for action in found[80]["DefaultActions"]] == ["redirect"]


def test_the_url_outputs_are_the_names(deployed: Deployment) -> None:
    assert deployed.stacks["WebService"].outputs["ServiceUrl"] == f"https://www.{ZONE_NAME}"
    assert deployed.stacks["ApiService"].outputs["ServiceUrl"] == f"https://api.{ZONE_NAME}"


def test_the_deployed_record_is_gone_with_the_stack(moto: MotoCloud, zone: str, deployed: Deployment) -> None:
    """Deleting the application's stacks removes its records from the zone (the zone itself stays)."""
    cfn = moto.client("cloudformation")
    cfn.delete_stack(StackName=deployed.stack_name)
    assert set(records(moto, zone)) == set()
