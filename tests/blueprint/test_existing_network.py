"""`network.vpc_id`: an existing VPC instead of a new one. Each refusal is a located error; a blueprint that
names its VPC and subnets loads, and `explain` says what the audit and deploy do with the declaration."""

from __future__ import annotations

import textwrap

import pytest

from generator.blueprint import BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes
from generator.review.explain import as_text

VPC = "vpc-0123456789abcdef0"
PRIVATE = "[subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]"
PUBLIC = "[subnet-0bbbbbbbbbbbbbbb1, subnet-0bbbbbbbbbbbbbbb2]"
ACM = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def errors(text: str) -> list[str]:
    try:
        load_blueprint_bytes(textwrap.dedent(text).encode(), "b.yaml")
    except BlueprintErrors as found:
        return found.render().splitlines()
    return []


def blueprint(network: str, service: str = "{image: nginx}", extra: str = "") -> str:
    return f"name: photos\nnetwork:\n{network}services:\n  api: {service}\n{extra}"


def test_an_existing_vpc_with_its_subnets_loads() -> None:
    assert errors(blueprint(f"  vpc_id: {VPC}\n  private_subnets: {PRIVATE}\n  public_subnets: {PUBLIC}\n",
                            "{image: nginx, port: 80, expose: public}")) == []
    # 8-digit ids (older resources) too, and no public subnets when nothing is public
    assert errors(blueprint("  vpc_id: vpc-0123abcd\n  private_subnets: [subnet-0123abcd, subnet-4567cdef]\n")) == []


@pytest.mark.parametrize("key, value", [
    ("cidr", "10.1.0.0/16"), ("availability_zones", "3"), ("nat_gateways", "single"), ("flow_logs", "false"),
    ("endpoints", "[s3]"),
])
def test_each_key_of_a_new_vpc_clashes_with_vpc_id_at_its_line(key: str, value: str) -> None:
    found = errors(blueprint(f"  vpc_id: {VPC}\n  private_subnets: {PRIVATE}\n  {key}: {value}\n"))
    assert len(found) == 1
    assert found[0].startswith(f"b.yaml:5:{len(key) + 5}: error: network.{key}: not with `vpc_id` (an existing VPC): ")


@pytest.mark.parametrize("value, words", [
    ("vpc-0123", "is not a VPC id"),
    ("vpc-0123456789ABCDEF0", "is not a VPC id"),
    ("vpc-0123456789abcdef", "is not a VPC id"),
    ("subnet-0123456789abcdef0", "is not a VPC id"),
])
def test_a_vpc_id_of_the_wrong_shape_is_refused(value: str, words: str) -> None:
    (found,) = errors(blueprint(f"  vpc_id: {value}\n  private_subnets: {PRIVATE}\n"))
    assert found.startswith("b.yaml:3:11: error: network.vpc_id: ") and words in found


@pytest.mark.parametrize("value", ["subnet-0aaa", "vpc-0123abcd", "subnet-0AAAAAAAAAAAAAAA1"])
def test_a_subnet_id_of_the_wrong_shape_is_refused_at_its_item(value: str) -> None:
    (found,) = errors(blueprint(f"  vpc_id: {VPC}\n  private_subnets: [subnet-0aaaaaaaaaaaaaaa1, {value}]\n"))
    assert found.startswith("b.yaml:4:47: error: network.private_subnets[1]: ") and "is not a subnet id" in found


@pytest.mark.parametrize("key", ["private_subnets", "public_subnets"])
def test_fewer_than_two_subnets_are_refused(key: str) -> None:
    other = "public_subnets" if key == "private_subnets" else "private_subnets"
    found = errors(blueprint(f"  vpc_id: {VPC}\n  {other}: {PRIVATE if key == 'public_subnets' else PUBLIC}\n"
                             f"  {key}: [subnet-0cccccccccccccc01]\n"))
    assert f"b.yaml:5:{len(key) + 5}: error: network.{key}: needs at least 2 items, got 1" in found


def test_more_than_six_subnets_are_refused() -> None:
    many = ", ".join(f"subnet-0123456{index}" for index in range(7))
    (found,) = errors(blueprint(f"  vpc_id: {VPC}\n  private_subnets: [{many}]\n"))
    assert found == "b.yaml:4:20: error: network.private_subnets: needs at most 6 items, got 7"


def test_a_vpc_without_private_subnets_is_refused() -> None:
    assert errors(blueprint(f"  vpc_id: {VPC}\n")) == [
        "b.yaml:3:11: error: network.vpc_id: an existing VPC needs its `private_subnets` (at least 2, one per zone)"]


@pytest.mark.parametrize("key", ["private_subnets", "public_subnets"])
def test_subnets_without_a_vpc_are_refused(key: str) -> None:
    assert errors(blueprint(f"  {key}: {PRIVATE}\n")) == [
        f"b.yaml:3:{len(key) + 5}: error: network.{key}: names subnets of an existing VPC: give its `vpc_id` too"]


def test_a_subnet_listed_twice_is_refused_at_the_second() -> None:
    assert errors(blueprint(f"  vpc_id: {VPC}\n  private_subnets: [subnet-0123abcd, subnet-0123abcd]\n")) == [
        "b.yaml:4:38: error: network.private_subnets[1]: subnet-0123abcd is listed twice; a subnet is either "
        "private or public, once"]


def test_a_subnet_both_private_and_public_is_refused() -> None:
    found = errors(blueprint(f"  vpc_id: {VPC}\n  private_subnets: {PRIVATE}\n"
                             "  public_subnets: [subnet-0aaaaaaaaaaaaaaa2, subnet-0bbbbbbbbbbbbbbb1]\n"))
    assert found == ["b.yaml:5:20: error: network.public_subnets[0]: subnet-0aaaaaaaaaaaaaaa2 is also in "
                     "`private_subnets`; a subnet is either private or public, once"]


def test_a_public_service_needs_public_subnets() -> None:
    found = errors(blueprint(f"  vpc_id: {VPC}\n  private_subnets: {PRIVATE}\n",
                             "\n    image: nginx\n    port: 80\n    expose: public"))
    assert found == ["b.yaml:9:13: error: services.api.expose: a public load balancer needs public subnets: give "
                     "`network.public_subnets` of the existing VPC"]


def test_a_bastion_needs_public_subnets() -> None:
    found = errors(blueprint(f"  vpc_id: {VPC}\n  private_subnets: {PRIVATE}\n", extra=(
        "access:\n  bastion: {allowed_cidrs: [203.0.113.0/24], key_name: ops}\n")))
    assert found == ["b.yaml:8:12: error: access.bastion: the bastion runs in a public subnet: give "
                     "`network.public_subnets`"]


def test_a_client_vpn_needs_no_public_subnets_and_its_range_is_not_checked_against_an_unknown_block() -> None:
    vpn = (f"access:\n  vpn: {{client_cidr: 10.0.0.0/22, server_certificate_arn: '{ACM}', "
           f"client_certificate_arn: '{ACM}'}}\n")
    assert errors(blueprint(f"  vpc_id: {VPC}\n  private_subnets: {PRIVATE}\n",
                            "{image: nginx, port: 80, reachable_from: [vpn, 10.0.8.0/24]}", vpn)) == []


def test_explain_says_what_is_trusted_and_what_deploy_checks() -> None:
    loaded = load_blueprint_bytes(blueprint(f"  vpc_id: {VPC}\n  private_subnets: {PRIVATE}\n").encode(), "b.yaml")
    text = as_text(loaded, "b.yaml")
    assert "network.cidr = none  (resolved)" in text
    assert "network.flow_logs = none  (resolved)" in text
    assert f"network.vpc_id = {VPC}: an existing VPC; no network stack is generated" in text
    assert "the one declaration it trusts" in text
    assert "`blueprint deploy` checks the routes" in text
