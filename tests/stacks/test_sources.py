"""Every generated resource names the blueprint key it comes from in `Metadata.Source`, recorded by the
builder that makes it; a resource without one is refused, never given its template's block."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from troposphere import Template, sns

from generator.blueprint import load_blueprint
from generator.pipeline import documents
from generator.stacks import application
from generator.stacks.network import build_network
from generator.stacks.registry import CHILDREN, NETWORK
from generator.stacks.sources import UnsourcedResource, check_sources, from_blueprint, record_source

from .helpers import load

ROOT = Path(__file__).resolve().parents[2]
RICH = """\
name: shop
network: {endpoints: [s3, ecr, logs]}
cluster: {instances: {type: t3.small, key_name: ops}, fargate: true}   # keyed: the VPN reaches the hosts
access:
  bastion: {allowed_cidrs: [203.0.113.0/24]}
  vpn:
    client_cidr: 10.250.0.0/22
    server_certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555
    client_certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000
services:
  web:
    image: nginx
    port: 8080
    expose: public
    launch_type: fargate
    https: {certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}
    scaling: {min: 2, max: 4, cpu_percent: 60}
    talks_to: [catalog]
  catalog: {image: nginx, port: 8080}
  admin: {image: nginx, port: 8080, talks_to: [catalog]}
catalog: {portfolio: Shop, owner: platform, principals: ['arn:aws:iam::123456789012:role/Launch']}
"""


def templates(text: str) -> dict[str, dict[str, Any]]:
    return documents(load(text))


def sources(text: str) -> dict[tuple[str, str], object]:
    return {(file, rid): (entry.get("Metadata") or {}).get("Source")
            for file, data in templates(text).items() for rid, entry in data["Resources"].items()}


def test_every_resource_has_a_source() -> None:
    found = sources(RICH)

    assert {file for file, _ in found} >= {"root.yaml", "network.yaml", "access.yaml", "catalog.yaml"}
    assert found and all(isinstance(v, str | list) and v for v in found.values()), \
        [key for key, value in found.items() if not value]


def _network_with_a_stray_topic(blueprint: Any) -> Template:
    template = build_network(blueprint)
    template.add_resource(sns.Topic("StrayTopic"))  # added without recording where it comes from
    return template


def test_a_builder_that_adds_a_resource_without_a_source_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    stray = replace(NETWORK, build=_network_with_a_stray_topic)
    monkeypatch.setattr(application, "CHILDREN", tuple(stray if kind is NETWORK else kind for kind in CHILDREN))

    with pytest.raises(UnsourcedResource, match=r"network\.yaml: no blueprint source recorded for StrayTopic"):
        application.build_templates(load(RICH))


def test_check_sources_names_every_resource_left_without_one() -> None:
    template = Template()
    template.add_resource(record_source(sns.Topic("Sourced"), "network"))
    template.add_resource(sns.Topic("First"))
    template.add_resource(sns.Topic("Second"))

    with pytest.raises(UnsourcedResource, match="for First, Second:"):
        check_sources("x.yaml", template)


def test_the_innermost_block_and_an_explicit_record_win() -> None:
    template = Template()
    with from_blueprint(template, "services.api.expose"):
        template.add_resource(sns.Topic("Outer"))
        template.add_resource(record_source(sns.Topic("Explicit"), "services.api.https"))
        with from_blueprint(template, "services.a.talks_to", "services.b.talks_to"):
            template.add_resource(sns.Topic("Inner"))

    assert {title: resource.Metadata["Source"] for title, resource in template.resources.items()} == {
        "Outer": "services.api.expose",
        "Explicit": "services.api.https",
        "Inner": ["services.a.talks_to", "services.b.talks_to"],
    }


def test_sources_name_the_most_specific_key() -> None:
    found = sources(RICH)

    assert found[("network.yaml", "Vpc")] == "network.cidr"
    assert found[("network.yaml", "PrivateSubnet2")] == "network.availability_zones"
    assert found[("network.yaml", "EcrApiEndpoint")] == "network.endpoints"
    assert found[("cluster.yaml", "HostLaunchTemplate")] == "cluster.instances"
    assert found[("access.yaml", "BastionSecurityGroup")] == "access.bastion"
    assert found[("access.yaml", "VpnEndpoint")] == "access.vpn"
    assert found[("service-web.yaml", "HttpsListener")] == "services.web.https"
    assert found[("service-web.yaml", "LoadBalancer")] == "services.web.expose"
    assert found[("service-web.yaml", "LoadBalancerPort443FromNetwork1")] == "services.web.allowed_cidrs"
    assert found[("service-web.yaml", "CpuScalingPolicy")] == "services.web.scaling.cpu_percent"
    assert found[("service-web.yaml", "CallsCatalogEgress")] == "services.web.talks_to"
    assert found[("service-web.yaml", "TaskDefinition")] == "services.web"
    assert found[("root.yaml", "WebService")] == "services.web"
    assert found[("root.yaml", "Network")] == "network"
    assert found[("root.yaml", "Access")] == "access"
    assert found[("network.yaml", "InternetGateway")] == "network"
    assert found[("network.yaml", "AccessLogBucket")] == "services"
    assert found[("cluster.yaml", "ClusterCapacityProviders")] == "cluster"
    assert found[("service-web.yaml", "TaskSecurityGroup")] == "services.web.launch_type"
    assert found[("service-web.yaml", "TaskSecurityGroupFromLoadBalancer")] == "services.web.expose"
    assert found[("service-web.yaml", "ScalableTarget")] == "services.web.scaling"
    assert found[("service-web.yaml", "Service")] == "services.web"
    assert found[("catalog.yaml", "WebServiceProduct")] == "catalog"
    # An EC2 task group exists because of the service and the cluster's network mode (awsvpc by default).
    assert found[("service-admin.yaml", "TaskSecurityGroup")] == ["services.admin", "cluster.instances.network_mode"]
    assert found[("cluster.yaml", "HostSecurityGroup")] == ["cluster.instances", "cluster.instances.network_mode"]
    # Each caller adds its own path to its callee, EC2 (admin) and Fargate (web) alike.
    assert found[("service-admin.yaml", "CallsCatalogEgress")] == "services.admin.talks_to"
    assert ("service-catalog.yaml", "LoadBalancerFromHosts") not in found


def test_bridge_callers_path_comes_from_every_caller_s_talks_to() -> None:
    """The callee's side of talks_to from the shared host group: each bridge caller's key is a source."""
    found = sources("""
        name: shop
        cluster: {instances: {network_mode: bridge}}
        services:
          catalog: {image: nginx, port: 8080}
          admin: {image: nginx, port: 8080, talks_to: [catalog]}
          jobs: {image: nginx, talks_to: [catalog]}
        """)
    assert found[("service-catalog.yaml", "LoadBalancerFromHosts")] == ["services.admin.talks_to",
                                                                         "services.jobs.talks_to"]


def test_the_source_joins_metadata_a_builder_already_wrote() -> None:
    flow_logs = templates(RICH)["network.yaml"]["Resources"]["FlowLogGroup"]["Metadata"]

    assert flow_logs["Source"] == "network.flow_logs"
    assert flow_logs["checkov"]["skip"][0]["id"] == "CKV_AWS_158"


def test_committed_output_carries_the_sources() -> None:
    blueprint = load_blueprint(ROOT / "blueprints" / "example.yaml")
    network = yaml.safe_load((ROOT / "output" / blueprint.name / "network.yaml").read_text())

    assert network["Resources"]["Vpc"]["Metadata"] == {"Source": "network.cidr"}
