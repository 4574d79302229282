"""ARCHITECTURE.md and `blueprint diagram`: who can reach whom, read from the generated templates'
security groups, holds SPEC section 5 for the example."""

from __future__ import annotations

import textwrap
from pathlib import Path

from shared import CERT
from shared import EXAMPLE_PATH as EXAMPLE

from generator.blueprint import load_blueprint
from generator.checks.audit import TemplateSet
from generator.cli import EXIT_OK, EXIT_USAGE, main
from generator.pipeline import documents, generate
from generator.review.diagram import ARCHITECTURE, Reach, architecture_markdown, reachability

from .helpers import edit, load, templates

ROOT = Path(__file__).resolve().parents[2]


def example_rows(text: str | None = None) -> list[Reach]:
    data = templates(text) if text is not None else documents(load_blueprint(EXAMPLE))
    return [row for row in reachability(TemplateSet.of_documents(data)) if not row.outbound]


def test_the_internet_reaches_only_the_public_load_balancer_on_its_listener_port() -> None:
    from_outside = [(r.source.label, r.target.label, r.ports) for r in example_rows() if r.source.zone == "outside"]

    assert from_outside == [("203.0.113.0/24", "bastion", "TCP 22"),
                            ("internet", "api load balancer (public)", "TCP 80")]


def test_only_api_s_own_tasks_reach_the_images_load_balancer() -> None:
    """awsvpc on the hosts (the default): the caller is api's task group, not the hosts."""
    callers = [r for r in example_rows() if r.target.label == "images load balancer (internal)"]

    assert [(r.source.label, r.ports) for r in callers] == [("api tasks (awsvpc)", "TCP 80")]
    assert callers[0].why == "images load balancer admits api"


def test_each_load_balancer_reaches_only_its_own_tasks_on_the_container_port() -> None:
    rows = example_rows()
    from_balancers = {(r.source.label, r.target.label, r.ports) for r in rows
                      if r.source.label.endswith("load balancer (public)") or r.source.label.endswith("(internal)")}

    assert from_balancers == {("api load balancer (public)", "api tasks (awsvpc)", "TCP 8080"),
                              ("images load balancer (internal)", "images tasks (awsvpc)", "TCP 8080")}


def test_nothing_reaches_the_awsvpc_hosts() -> None:
    assert {(r.source.label, r.ports) for r in example_rows() if r.target.key == "hosts"} == set()


def test_with_a_key_pair_the_bastion_reaches_the_hosts_on_ssh_only() -> None:
    text = edit(EXAMPLE.read_text(), "    max: 4\n", "    max: 4\n    key_name: ops\n")

    into_hosts = {(r.source.label, r.ports) for r in example_rows(text) if r.target.key == "hosts"}

    assert into_hosts == {("bastion", "TCP 22")}


def test_bridge_hosts_run_the_services_and_admit_their_load_balancers_on_the_dynamic_ports() -> None:
    """The bridge opt-in: the hosts' one group runs every EC2 service, and calls leave from it."""
    text = edit(EXAMPLE.read_text(), "    max: 4\n", "    max: 4\n    network_mode: bridge\n")
    rows = example_rows(text)

    into_hosts = {(r.source.label, r.ports) for r in rows if r.target.key == "hosts"}
    assert into_hosts == {("api load balancer (public)", "TCP 32768-60999"),
                          ("images load balancer (internal)", "TCP 32768-60999")}
    callers = [r for r in rows if r.target.label == "images load balancer (internal)"]
    assert [(r.source.key, r.ports) for r in callers] == [("hosts", "TCP 80")]
    assert callers[0].source.services == ("api", "images")
    assert callers[0].why == "From services on the cluster hosts that call images: api"


def test_fargate_callers_reach_the_callee_load_balancer_from_their_own_group() -> None:
    rows = example_rows("""\
        name: shop
        services:
          web: {image: nginx, port: 8080, expose: public, talks_to: [catalog]}
          catalog: {image: nginx, port: 8080}
        """)

    into_catalog = [(r.source.label, r.ports) for r in rows if r.target.label == "catalog load balancer (internal)"]
    assert into_catalog == [("web tasks (Fargate)", "TCP 80")]
    assert ("catalog load balancer (internal)", "TCP 8080") in \
        [(r.source.label, r.ports) for r in rows if r.target.label == "catalog tasks (Fargate)"]


def test_every_build_writes_the_architecture_beside_the_templates() -> None:
    blueprint = load_blueprint(EXAMPLE)
    files = generate(blueprint)

    text = files[ARCHITECTURE].decode()
    assert text == architecture_markdown("photos", TemplateSet.of_documents(documents(blueprint)), blueprint)
    assert text == generate(blueprint)[ARCHITECTURE].decode()  # deterministic
    assert "```mermaid\nflowchart LR\n" in text
    assert '    internet -->|"TCP 80"| lb_api\n' in text
    assert '    tasks_api -->|"TCP 80"| lb_images\n' in text
    assert "| internet | api load balancer (public) | TCP 80 | Port 80 (clients) from 0.0.0.0/0 |" in text
    assert (ROOT / "output" / "photos" / ARCHITECTURE).read_text() == text


def test_diagram_command_prints_the_architecture_or_just_the_flowchart(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["diagram", str(EXAMPLE)]) == EXIT_OK
    assert capsys.readouterr().out == generate(load_blueprint(EXAMPLE))[ARCHITECTURE].decode()
    assert main(["diagram", str(EXAMPLE), "--format", "mermaid"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("flowchart LR\n")


def test_diagram_of_a_bad_blueprint_exits_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Shop\n")

    assert main(["diagram", str(bad)]) == EXIT_USAGE
    assert f"{bad}:1:" in capsys.readouterr().err


def test_inline_blueprints_load() -> None:
    assert load("name: shop\nservices:\n  web: {image: nginx, port: 8080}\n").name == "shop"


def test_reachability_shows_vpn_clients_cidrs_and_declared_egress() -> None:
    """issue 18: `reachable_from` (the Client VPN, CIDRs) and `egress` appear in the reachability tables."""
    text = textwrap.dedent(f"""\
        name: photos
        access:
          vpn: {{client_cidr: 10.250.0.0/22, server_certificate_arn: '{CERT}', client_certificate_arn: '{CERT}'}}
        services:
          images:
            image: nginx
            port: 8080
            reachable_from: [vpn, 192.168.0.0/16]
            egress:
              - {{to: 10.0.192.0/20, port: 5432, description: Postgres}}
              - {{to: pl-0123456789abcdef0, port: 587, description: SMTP relay}}
        """)
    markdown = architecture_markdown("photos", TemplateSet.of_documents(templates(text)))
    assert "| VPN clients (10.250.0.0/22) | images load balancer (internal) | TCP 80 |" in markdown
    assert "| 192.168.0.0/16 | images load balancer (internal) | TCP 80 |" in markdown
    assert "| images tasks (Fargate) | 10.0.192.0/20 (in the VPC) | TCP 5432 | Postgres |" in markdown
    assert "| images tasks (Fargate) | prefix list pl-0123456789abcdef0 | TCP 587 | SMTP relay |" in markdown
