"""What the blueprint's features reach (generator/blueprint/reach.py): without NAT gateways every AWS API a
feature calls needs its VPC endpoint, and a Client VPN must reach something; each refusal is located."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest

from generator.blueprint import BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes
from generator.blueprint.model import Blueprint
from generator.blueprint.reach import no_nat_feature_endpoints, vpn_reaches_something

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/api/key"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ACM = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
IMAGE_PULLS = ["s3", "ecr", "ecs", "logs"]
SESSION_MANAGER = ["ssm", "ssmmessages", "ec2messages"]


def errors(text: str) -> list[str]:
    """The loader's errors, each as `LINE:COL: error: KEY.PATH: message`; none when the blueprint loads."""
    try:
        load_blueprint_bytes(textwrap.dedent(text).encode(), "b.yaml")
    except BlueprintErrors as found:
        return [line.removeprefix("b.yaml:") for line in found.render().splitlines()]
    return []


def no_nat(endpoints: list[str], service: str, extra: str = "") -> str:
    return (f"name: photos\nnetwork: {{nat_gateways: none, endpoints: [{', '.join(endpoints)}]}}\n{extra}"
            f"services:\n  api: {{image: {ECR}, {service}}}\n")


@pytest.mark.parametrize("secrets, needed", [
    ({"DB": SECRET}, ["secretsmanager"]),
    ({"KEY": PARAMETER}, ["ssm"]),
    ({"DB": SECRET, "KEY": PARAMETER}, ["secretsmanager", "ssm"]),
    ({"DB": SECRET, "OTHER": SECRET.replace("db-", "other-")}, ["secretsmanager"]),
])
def test_secrets_without_nat_need_the_endpoint_of_each_kind_of_arn(secrets: dict[str, str], needed: list[str]) -> None:
    mapping = ", ".join(f"{key}: '{arn}'" for key, arn in secrets.items())
    text = no_nat(IMAGE_PULLS, f"secrets: {{{mapping}}}")
    found = errors(text)
    # One error per missing endpoint, at the first secret that needs it, naming the endpoint.
    assert len(found) == len(needed), found
    for endpoint in needed:
        first = next(key for key, arn in secrets.items() if f":{endpoint}:" in arn)
        [line] = [e for e in found if f"error: services.api.secrets.{first}: " in e]
        assert f"only through the VPC endpoint {endpoint}: add {endpoint} to network.endpoints" in line
        assert line.startswith("4:")
    assert errors(no_nat([*IMAGE_PULLS, *needed], f"secrets: {{{mapping}}}")) == []


@pytest.mark.parametrize("have", [[], ["ssm"], ["ssm", "ec2messages"], ["ssmmessages"]])
def test_exec_without_nat_needs_the_three_session_manager_endpoints(have: list[str]) -> None:
    [found] = errors(no_nat([*IMAGE_PULLS, *have], "exec: true"))
    lacking = [e for e in SESSION_MANAGER if e not in have]
    assert found.startswith("4:") and "error: services.api.exec: " in found
    assert ("ECS Exec reaches the containers only through the VPC endpoints ssm, ssmmessages, ec2messages: "
            f"add {', '.join(lacking)} to network.endpoints") in found
    assert errors(no_nat([*IMAGE_PULLS, *SESSION_MANAGER], "exec: true")) == []


def test_session_manager_on_hosts_without_nat_needs_its_endpoints() -> None:
    hosts = "cluster: {instances: {type: t3.medium}}\n"
    [found] = errors(no_nat(IMAGE_PULLS, "port: 80", hosts))
    assert "error: access.ssm: with `network.nat_gateways: none` Session Manager reaches the hosts only through " \
           "the VPC endpoints ssm, ssmmessages, ec2messages" in found
    assert errors(no_nat(IMAGE_PULLS, "port: 80", hosts + "access: {ssm: false}\n")) == []
    assert errors(no_nat([*IMAGE_PULLS, *SESSION_MANAGER], "port: 80", hosts)) == []
    # Fargate-only: Session Manager has no hosts to reach, so it needs no endpoint.
    assert errors(no_nat(IMAGE_PULLS, "port: 80")) == []


def test_features_with_nat_gateways_need_no_endpoint() -> None:
    text = no_nat([], f"exec: true, secrets: {{DB: '{SECRET}', KEY: '{PARAMETER}'}}").replace("none", "single")
    assert errors(text) == []


def _blueprint_with(**fields: object) -> Blueprint:
    """A no-NAT blueprint whose service carries fields the model may not declare yet (issue 18's other half)."""
    blueprint = load_blueprint_bytes(no_nat(IMAGE_PULLS, "port: 80").encode(), "b.yaml")
    service = blueprint.services["api"].model_copy(update=fields)
    return blueprint.model_copy(update={"services": {"api": service}})


@pytest.mark.parametrize("fields, path", [
    ({"secrets_kms_key": KMS_KEY}, ("services", "api", "secrets_kms_key")),
    ({"permissions": [SimpleNamespace(resource="arn:aws:s3:::photos"), SimpleNamespace(resource=KMS_KEY)]},
     ("services", "api", "permissions", 1)),
])
def test_a_customer_kms_key_without_nat_needs_the_kms_endpoint(fields: dict[str, object], path: tuple) -> None:
    [(where, message)] = list(no_nat_feature_endpoints(_blueprint_with(**fields)))
    assert where == path
    assert "only through the VPC endpoint kms: add kms to network.endpoints" in message


def test_permissions_without_a_kms_key_need_no_kms_endpoint() -> None:
    fields = {"permissions": [SimpleNamespace(resource="arn:aws:s3:::photos")]}
    assert list(no_nat_feature_endpoints(_blueprint_with(**fields))) == []


def test_a_secrets_kms_key_in_yaml_is_located_at_its_line() -> None:
    # (A key without secrets is refused too, by its own rule; this test is about the endpoint.)
    found = [line for line in errors(no_nat(IMAGE_PULLS, f"port: 80, secrets_kms_key: '{KMS_KEY}'"))
             if "endpoint" in line]
    assert len(found) == 1
    assert found[0].startswith("4:") and "error: services.api.secrets_kms_key: " in found[0] and "kms" in found[0]


VPN = (f"access:\n  vpn: {{client_cidr: 10.250.0.0/22, server_certificate_arn: '{ACM}', "
       f"client_certificate_arn: '{ACM}'}}\n")


@pytest.mark.parametrize("cluster", ["", "cluster: {instances: {type: t3.medium}}\n",
                                     "cluster: {instances: {type: t3.medium}, fargate: true}\n"])
def test_a_client_vpn_that_reaches_nothing_is_refused(cluster: str) -> None:
    [found] = errors(f"name: photos\n{cluster}{VPN}services:\n  api: {{image: nginx, port: 80}}\n")
    assert "error: access.vpn: VPN clients would reach nothing" in found
    assert found.startswith(f"{2 + cluster.count(chr(10)) + 1}:")  # the line of `vpn:`


def test_a_client_vpn_to_hosts_with_a_key_pair_is_accepted() -> None:
    cluster = "cluster: {instances: {key_name: ops}}\n"
    assert errors(f"name: photos\n{cluster}{VPN}services:\n  api: {{image: nginx, port: 80}}\n") == []


def test_a_client_vpn_to_a_service_reachable_from_vpn_is_accepted() -> None:
    blueprint = load_blueprint_bytes(
        f"name: photos\ncluster: {{instances: {{key_name: ops}}}}\n{VPN}services:\n  api: {{image: nginx, port: 80}}\n"
        .encode(), "b.yaml")
    keyless = blueprint.cluster.model_copy(update={"instances": None, "fargate": True})
    service = blueprint.services["api"].model_copy(update={"reachable_from": ["vpn"]})
    reached = blueprint.model_copy(update={"cluster": keyless, "services": {"api": service}})
    assert list(vpn_reaches_something(reached)) == []
    unreached = reached.model_copy(update={"services": {"api": blueprint.services["api"]}})
    assert [path for path, _ in vpn_reaches_something(unreached)] == [("access", "vpn")]


def test_a_client_vpn_to_a_service_reachable_from_vpn_in_yaml_is_accepted() -> None:
    assert errors(f"name: photos\n{VPN}services:\n  api: {{image: nginx, port: 80, reachable_from: [vpn]}}\n") == []
