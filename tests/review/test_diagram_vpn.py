"""The reachability table names VPN clients as a source whenever the Client VPN reaches something: SSH to
hosts with a key pair, and (issue 18) internal services that list `vpn` in `reachable_from`."""

from __future__ import annotations

from generator.checks.audit import TemplateSet
from generator.review.diagram import reachability

from .helpers import CERT, templates

VPN = f"""\
name: depot
cluster:
  instances: {{type: t3.medium{{key}}}}
access:
  vpn: {{client_cidr: 10.250.0.0/22, server_certificate_arn: '{CERT}', client_certificate_arn: '{CERT}'}}
services:
  web: {{image: nginx, port: 8080, expose: public, talks_to: [api]}}
  api: {{image: nginx, port: 8080{{reach}}}}
"""


def from_vpn(text: str) -> set[tuple[str, str]]:
    rows = reachability(TemplateSet.of_documents(templates(text)))
    return {(r.target.label, r.ports) for r in rows if r.source.label.startswith("VPN clients") and not r.outbound}


def test_vpn_clients_reach_hosts_with_a_key_pair_on_ssh() -> None:
    assert from_vpn(VPN.replace("{key}", ", key_name: ops").replace("{reach}", "")) == {
        ("cluster hosts (EC2)", "TCP 22")}


def test_vpn_clients_reach_a_service_reachable_from_vpn() -> None:
    reached = from_vpn(VPN.replace("{key}", "").replace("{reach}", ", reachable_from: [vpn]"))
    assert ("api load balancer (internal)", "TCP 80") in reached
