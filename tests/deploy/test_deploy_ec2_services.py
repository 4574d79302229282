"""An EC2 multi-service blueprint (awsvpc on the hosts, the default) deploys in moto to CREATE_COMPLETE, and
what moto's EC2 API shows holds SPEC 5.4: each service's own task group admits only its load balancer, the
host group admits nothing from load balancers, and a caller's task group reaches its callee's load balancer."""

from __future__ import annotations

from typing import Any

import pytest

from generator.pipeline import build

from .harness import Deployment, MotoCloud, deploy

EC2_SERVICES = """\
name: depot
cluster:
  instances: {type: m5.large, min: 1, max: 3}
services:
  gateway: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080, expose: public, talks_to: [stock]}
  stock: {image: public.ecr.aws/nginx/nginx:1.27, port: 9000}
  billing: {image: public.ecr.aws/nginx/nginx:1.27, port: 7000, count: 1}
  sweeper: {image: public.ecr.aws/nginx/nginx:1.27, count: 1, talks_to: [stock]}
"""


@pytest.fixture(scope="module")
def deployed(moto: MotoCloud, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    scratch = tmp_path_factory.mktemp("ec2-services")
    path = scratch / "depot.yaml"
    path.write_text(EC2_SERVICES)
    return deploy(moto, build(path, scratch / "out").directory)


def groups(moto: MotoCloud, deployment: Deployment) -> dict[str, dict[str, Any]]:
    """Every security group of the deployment, by '<stack path>/<logical ID>'."""
    ids = {physical: f"{path}/{lid}" for path, node in deployment.stacks.items()
           for lid, physical in node.resources.items() if node.types[lid] == "AWS::EC2::SecurityGroup"}
    found = moto.client("ec2").describe_security_groups(GroupIds=list(ids))["SecurityGroups"]
    return {ids[group["GroupId"]]: group for group in found}


def peers(group: dict[str, Any]) -> set[str]:
    return {pair["GroupId"] for rule in group["IpPermissions"] for pair in rule.get("UserIdGroupPairs", [])}


def test_every_stack_is_created(deployed: Deployment) -> None:
    assert {node.status for node in deployed.stacks.values()} == {"CREATE_COMPLETE"}
    assert {path for path in deployed.stacks if path.endswith("Service")} == {
        "GatewayService", "StockService", "BillingService", "SweeperService"}


def test_the_deployed_groups_follow_the_awsvpc_model(moto: MotoCloud, deployed: Deployment) -> None:
    found = groups(moto, deployed)
    by_name = {key: group["GroupId"] for key, group in found.items()}
    [hosts] = [key for key in found if key.endswith("/HostSecurityGroup")]
    assert peers(found[hosts]) == set()  # no load balancer (and no key pair, so no SSH) reaches the hosts
    for service in ("Gateway", "Stock", "Billing"):
        tasks, balancer = by_name[f"{service}Service/TaskSecurityGroup"], \
            by_name[f"{service}Service/LoadBalancerSecurityGroup"]
        assert peers(found[f"{service}Service/TaskSecurityGroup"]) == {balancer}
        assert tasks != by_name[hosts]
    assert peers(found["SweeperService/TaskSecurityGroup"]) == set()  # a worker admits nothing
    assert peers(found["StockService/LoadBalancerSecurityGroup"]) == {
        by_name["GatewayService/TaskSecurityGroup"], by_name["SweeperService/TaskSecurityGroup"]}
