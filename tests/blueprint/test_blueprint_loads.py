"""Good blueprints load, and what they leave out resolves to the documented defaults (SPEC 2)."""

from __future__ import annotations

from pathlib import Path

import shared

from generator.blueprint import Blueprint, load_blueprint
from generator.blueprint.load import load_blueprint_bytes

ROOT = Path(__file__).resolve().parents[2]


def load(text: str) -> Blueprint:
    return shared.load(text, "inline.yaml")


def test_the_example_blueprint_loads() -> None:
    blueprint = load_blueprint(ROOT / "blueprints" / "example.yaml")

    assert blueprint.name == "photos"
    assert list(blueprint.services) == ["api", "images"]
    assert blueprint.services["api"].resolved_expose == "public"
    assert blueprint.services["api"].talks_to == ["images"]
    assert blueprint.services["images"].resolved_expose == "internal"
    assert blueprint.access.bastion is not None
    assert blueprint.access.bastion.allowed_cidrs == ["203.0.113.0/24"]


def test_a_minimal_blueprint_takes_every_documented_default() -> None:
    blueprint = load("""\
        name: photos
        services:
          api:
            image: public.ecr.aws/nginx/nginx:1.27
            port: 8080
        """)

    network = blueprint.network
    assert (network.cidr, network.availability_zones, network.nat_gateways) == ("10.0.0.0/16", 2, "per-az")
    assert network.flow_logs is True
    assert network.endpoints == []
    assert blueprint.cluster.instances is None
    assert blueprint.cluster.offers_fargate is True
    assert blueprint.cluster.container_insights is True
    assert blueprint.access.ssm is True
    assert blueprint.access.bastion is None
    assert blueprint.access.vpn is None
    assert blueprint.catalog is None
    api = blueprint.services["api"]
    assert (api.cpu, api.memory, api.resolved_count) == (256, 512, 2)
    assert api.resolved_health_check.path == "/"
    assert api.resolved_health_check.grace_seconds == 60
    assert api.exec is False


def test_expose_defaults_to_internal_with_a_port_and_none_without() -> None:
    blueprint = load("""\
        name: photos
        services:
          api: {image: nginx, port: 8080}
          worker: {image: nginx}
          web: {image: nginx, port: 80, expose: public}
        """)

    assert blueprint.services["api"].resolved_expose == "internal"
    assert blueprint.services["worker"].resolved_expose == "none"
    assert blueprint.services["worker"].has_load_balancer is False
    assert blueprint.services["web"].resolved_expose == "public"
    assert blueprint.services["web"].resolved_allowed_cidrs == ["0.0.0.0/0"]


def test_launch_type_defaults_to_ec2_when_the_cluster_has_instances() -> None:
    blueprint = load("""\
        name: photos
        cluster:
          instances: {type: t3.large}
        services:
          api: {image: nginx}
        """)

    assert blueprint.launch_type("api") == "ec2"
    assert blueprint.cluster.offers_fargate is False
    assert blueprint.cluster.instances is not None
    assert (blueprint.cluster.instances.min, blueprint.cluster.instances.max) == (1, 4)
    assert blueprint.cluster.instances.volume_gb == 30


def test_launch_type_defaults_to_fargate_without_instances() -> None:
    blueprint = load("""\
        name: photos
        services:
          api: {image: nginx}
        """)

    assert blueprint.launch_type("api") == "fargate"
    assert blueprint.cluster.fargate is None
    assert blueprint.cluster.offers_fargate is True


def test_a_cluster_can_offer_both_instances_and_fargate() -> None:
    blueprint = load("""\
        name: photos
        cluster:
          instances: {}
          fargate: true
        services:
          hosted: {image: nginx}
          serverless: {image: nginx, launch_type: fargate, cpu: 512, memory: 1024}
        """)

    assert blueprint.launch_type("hosted") == "ec2"
    assert blueprint.launch_type("serverless") == "fargate"


def test_count_defaults_to_two_or_to_scaling_min() -> None:
    blueprint = load("""\
        name: photos
        services:
          plain: {image: nginx}
          scaled:
            image: nginx
            scaling: {min: 3, max: 9, cpu_percent: 60}
          pinned:
            image: nginx
            count: 5
            scaling: {min: 3, max: 9, memory_percent: 70}
        """)

    assert blueprint.services["plain"].resolved_count == 2
    assert blueprint.services["scaled"].resolved_count == 3
    assert blueprint.services["pinned"].resolved_count == 5


def test_environment_values_stay_strings_as_written() -> None:
    blueprint = load("""\
        name: photos
        tags: {cost-center: 0042, critical: no}
        services:
          api:
            image: nginx
            environment:
              DEBUG: yes
              VERSION: 1.10
              PORT: 8080
              RATIO: 1e3
              OFF: off
              WHEN: 2024-01-01
              QUOTED: "it's"
        """)

    assert blueprint.services["api"].environment == {
        "DEBUG": "yes",
        "VERSION": "1.10",
        "PORT": "8080",
        "RATIO": "1e3",
        "OFF": "off",
        "WHEN": "2024-01-01",
        "QUOTED": "it's",
    }
    assert blueprint.tags == {"cost-center": "0042", "critical": "no"}


def test_yaml_merge_keys_share_settings_between_services() -> None:
    blueprint = load("""\
        name: photos
        services:
          api: &defaults
            image: public.ecr.aws/nginx/nginx:1.27
            port: 8080
            cpu: 512
            memory: 1024
            environment: {LOG_LEVEL: info}
          images:
            <<: *defaults
            port: 9090
        """)

    images = blueprint.services["images"]
    assert images.image == "public.ecr.aws/nginx/nginx:1.27"
    assert (images.cpu, images.memory, images.port) == (512, 1024, 9090)
    assert images.environment == {"LOG_LEVEL": "info"}


def test_a_list_of_availability_zone_names_is_accepted() -> None:
    blueprint = load("""\
        name: photos
        network:
          cidr: 10.20.0.0/20
          availability_zones: [eu-west-1a, eu-west-1b, eu-west-1c]
        services:
          api: {image: nginx}
        """)

    assert blueprint.az_count == 3


def test_no_nat_gateways_with_the_endpoints_hosts_need() -> None:
    blueprint = load("""\
        name: photos
        network:
          nat_gateways: none
          endpoints: [s3, ecr, ecs, logs]
        services:
          api: {image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.0}
        """)

    assert blueprint.network.nat_gateways == "none"


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    blueprint = load_blueprint_bytes(b"\xef\xbb\xbfname: photos\nservices:\n  api: {image: nginx}\n", "bom.yaml")

    assert blueprint.name == "photos"
