"""A service's `domain` in its stack: the ACM certificate validated through the zone (unless the blueprint brings
one), the alias record to the load balancer, the HTTPS listener with port 80 redirecting (public), the
`https://NAME` URL its callers get; lint, audit and `blueprint diff` on the result."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.checks.audit import TemplateSet, audit_set
from generator.pipeline import build as build_and_check
from generator.pipeline import generate
from generator.review.diff import REPLACEMENT, diff_apps

from .helpers import CERT, build, lint_blueprint, load, only, resolve, resources

ZONE = "Z0123456789ABCDEFGHIJ"
OTHER_ZONE = "Z9ZYXWVUTSRQPONMLK"
DEFAULT_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
OWN_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
SHOP = f"""\
    name: shop
    services:
      web:                  # public, certificate requested for the domain
        image: nginx
        port: 8080
        expose: public
        domain: {{name: shop.example.com, hosted_zone_id: {ZONE}}}
        talks_to: [api, search]
      api:                  # internal, requested certificate, its own TLS policy
        image: nginx
        port: 8080
        https: {{ssl_policy: {OWN_POLICY}}}
        domain: {{name: api.internal.example.com, hosted_zone_id: {OTHER_ZONE}}}
      admin:                # public, certificate brought: none requested, the record still made
        image: nginx
        port: 8080
        expose: public
        https: {{certificate_arn: {CERT}}}
        domain: {{name: admin.example.com, hosted_zone_id: {ZONE}}}
      search:               # internal, brought certificate: the zone may be private
        image: nginx
        port: 9200
        https: {{certificate_arn: {CERT}}}
        domain: {{name: search.corp.example.com, hosted_zone_id: {OTHER_ZONE}}}
      plain:                # no domain: unchanged
        image: nginx
        port: 8080
        expose: public
    """
# service -> (public, requests a certificate, zone, TLS policy)
CASES = {
    "web": (True, True, ZONE, DEFAULT_TLS_POLICY),
    "api": (False, True, OTHER_ZONE, OWN_POLICY),
    "admin": (True, False, ZONE, DEFAULT_TLS_POLICY),
    "search": (False, False, OTHER_ZONE, DEFAULT_TLS_POLICY),
}


@pytest.fixture(scope="module")
def shop() -> dict[str, dict[str, Any]]:
    return build(SHOP)


def listeners(template: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {props["Port"]: props for props in resources(template, "AWS::ElasticLoadBalancingV2::Listener").values()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_requested_certificate_is_validated_through_the_domains_zone(shop: dict[str, Any], name: str) -> None:
    _, requests, zone, _ = CASES[name]
    template = shop[f"service-{name}.yaml"]
    certificates = resources(template, "AWS::CertificateManager::Certificate")
    domain = load(SHOP).services[name].domain
    assert domain is not None
    if not requests:
        assert certificates == {}
        return
    assert only(certificates) == {
        "DomainName": domain.name, "ValidationMethod": "DNS",
        "DomainValidationOptions": [{"DomainName": domain.name, "HostedZoneId": zone}],
    }
    assert template["Resources"]["Certificate"]["Metadata"]["Source"] == f"services.{name}.domain"


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_https_listener_serves_the_requested_or_the_brought_certificate(shop: dict[str, Any], name: str) -> None:
    public, requests, _, policy = CASES[name]
    found = listeners(shop[f"service-{name}.yaml"])
    https = found[443]
    assert https["Protocol"] == "HTTPS" and https["SslPolicy"] == policy
    assert https["Certificates"] == [{"CertificateArn": {"Ref": "Certificate"} if requests else CERT}]
    assert https["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}]
    if public:  # port 80 only redirects
        assert found[80]["DefaultActions"] == [{"Type": "redirect", "RedirectConfig": {
            "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]
        assert set(found) == {80, 443}
    else:
        assert set(found) == {443}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_alias_record_points_the_name_at_the_load_balancer(shop: dict[str, Any], name: str) -> None:
    _, _, zone, _ = CASES[name]
    template = shop[f"service-{name}.yaml"]
    domain = load(SHOP).services[name].domain
    assert domain is not None
    records = resources(template, "AWS::Route53::RecordSet")
    assert only(records) == {  # A only: the load balancers are IPv4, so no AAAA
        "HostedZoneId": zone, "Name": domain.name, "Type": "A",
        "AliasTarget": {"DNSName": {"Fn::GetAtt": ["LoadBalancer", "DNSName"]},
                        "HostedZoneId": {"Fn::GetAtt": ["LoadBalancer", "CanonicalHostedZoneID"]},
                        "EvaluateTargetHealth": False},
    }
    assert template["Resources"]["AliasRecord"]["Metadata"]["Source"] == f"services.{name}.domain"
    assert template["Outputs"]["ServiceUrl"]["Value"] == f"https://{domain.name}"


def test_a_public_domain_opens_443_and_80_to_redirect(shop: dict[str, Any]) -> None:
    ingress = resources(shop["service-web.yaml"], "AWS::EC2::SecurityGroupIngress")
    ports = sorted(rule["FromPort"] for rule in ingress.values() if rule.get("CidrIp") == "0.0.0.0/0")
    assert ports == [80, 443]


def test_callers_get_the_callees_domain_and_reach_it_on_443(shop: dict[str, Any]) -> None:
    template = shop["service-web.yaml"]
    container = only(resources(template, "AWS::ECS::TaskDefinition"))["ContainerDefinitions"][0]
    urls = {item["Name"]: resolve(shop, "service-web.yaml", item["Value"]) for item in container["Environment"]}
    assert urls == {"API_URL": "https://api.internal.example.com", "SEARCH_URL": "https://search.corp.example.com"}
    egress = resources(template, "AWS::EC2::SecurityGroupEgress")
    assert egress["CallsApiEgress"]["FromPort"] == egress["CallsSearchEgress"]["FromPort"] == 443


def test_a_service_without_a_domain_is_unchanged(shop: dict[str, Any]) -> None:
    template = shop["service-plain.yaml"]
    assert resources(template, "AWS::Route53::RecordSet") == {}
    assert resources(template, "AWS::CertificateManager::Certificate") == {}
    assert set(listeners(template)) == {80}
    assert template["Outputs"]["ServiceUrl"]["Value"]["Fn::Join"][1][0] == "http://"


def test_every_template_with_domains_lints_clean(tmp_path: Path) -> None:
    assert lint_blueprint(SHOP, tmp_path) == []


def test_a_build_with_domains_is_lint_and_audit_clean(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(textwrap.dedent(SHOP))
    result = build_and_check(path, tmp_path / "out")  # raises ValidationFailed on any lint or audit error
    assert result.warnings == []  # nothing the audit cannot verify: both new types are on its allow-list
    assert (result.directory / "service-web.yaml").is_file()


def test_the_audit_judges_the_domain_listeners(shop: dict[str, Any]) -> None:
    """SEC301 and SEC903 read the listener whose certificate is a Ref to the generated one like any other."""
    assert audit_set(TemplateSet.of_documents(shop), strict=True) == []
    broken = copy.deepcopy(shop)
    web = broken["service-web.yaml"]["Resources"]
    web["HttpsListener"]["Properties"]["SslPolicy"] = "ELBSecurityPolicy-2016-08"
    web["HttpListener"]["Properties"]["DefaultActions"] = [{"Type": "forward",
                                                           "TargetGroupArn": {"Ref": "TargetGroup"}}]
    found = {(f.rule_id, f.logical_id) for f in audit_set(TemplateSet.of_documents(broken), strict=True)}
    assert found == {("SEC903", "HttpsListener"), ("SEC301", "HttpListener")}


def apps(text: str) -> dict[str, dict[str, Any]]:
    """One application's templates as `blueprint diff` reads them from disk."""
    blueprint = load(text)
    return {blueprint.name: {name: yaml.safe_load(content) for name, content in generate(blueprint).items()
                             if name.endswith(".yaml")}}


def test_a_new_domain_name_replaces_the_certificate_in_the_diff() -> None:
    head = SHOP.replace("shop.example.com", "store.example.com")
    result = diff_apps(apps(SHOP), apps(head))
    [certificate] = [r for r in result.resources if (r.stack, r.logical_id) == ("service-web.yaml", "Certificate")]
    assert certificate.effect == REPLACEMENT
    assert any(c.path == "/DomainName" and c.effect == REPLACEMENT for c in certificate.changes)
    assert result.fails(["replacement"])


BLUE_GREEN = f"""\
    name: shop
    services:
      api:
        image: nginx
        port: 8080
        reachable_from: [192.168.0.0/16]
        domain: {{name: api.example.com, hosted_zone_id: {ZONE}}}
        deployment: {{strategy: blue-green}}
    """


def test_a_traffic_shifting_deployments_test_listener_serves_the_same_requested_certificate(tmp_path: Path) -> None:
    template = build(BLUE_GREEN)["service-api.yaml"]
    assert len(resources(template, "AWS::CertificateManager::Certificate")) == 1
    found = listeners(template)
    assert set(found) == {443, 8443}
    for port in (443, 8443):
        assert found[port]["Protocol"] == "HTTPS"
        assert found[port]["Certificates"] == [{"CertificateArn": {"Ref": "Certificate"}}]
    assert lint_blueprint(BLUE_GREEN, tmp_path) == []
