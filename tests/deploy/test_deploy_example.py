"""Deploy generated blueprints into moto's CloudFormation and check, through the EC2 API, what moto models.

Two blueprints: the repository's example (per-AZ NAT, EC2 hosts, bastion) and a small Fargate-only one
with a single NAT gateway over three AZs, so both NAT layouts and a non-/16 carve are exercised.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.blueprint import Blueprint
from generator.pipeline import build
from generator.subnets import carve

from .harness import (
    STACK_TYPE,
    Deployment,
    MotoCloud,
    StackNode,
    child_templates,
    declared_vs_created,
    deploy,
    load_template,
    moto_models,
)

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints"

# Declared types moto 5.2.5 creates nothing for, that these blueprints are expected to contain.
# Anything else missing from a deployed stack fails the test.
ALLOWED_UNMODELLED = frozenset({
    "AWS::EC2::SecurityGroupEgress",
    "AWS::S3::BucketPolicy",
    "AWS::ECS::CapacityProvider",
    "AWS::ECS::ClusterCapacityProviderAssociations",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::CloudWatch::Alarm",  # the rollback alarms of each service with a load balancer (docs/deployments.md)
})

FARGATE_SINGLE_NAT = """\
name: shop
network:
  cidr: 10.20.0.0/20
  availability_zones: 3
  nat_gateways: single
services:
  web:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    expose: public
    cpu: 256
    memory: 512
"""

@dataclass
class Deployed:
    blueprint: Blueprint
    directory: Path
    deployment: Deployment
    cloud: MotoCloud

    @property
    def network(self) -> StackNode:
        (node,) = [n for n in self.deployment.stacks.values() if "AWS::EC2::VPC" in n.types.values()]
        return node

    def ec2(self) -> Any:
        return self.cloud.client("ec2")


def _blueprint_file(case: str, scratch: Path) -> Path:
    if case == "example":
        return BLUEPRINTS / "example.yaml"
    path = scratch / "fargate-single-nat.yaml"
    path.write_text(FARGATE_SINGLE_NAT)
    return path


@pytest.fixture(scope="module", params=["example", "fargate-single-nat"])
def deployed(
    request: pytest.FixtureRequest, moto: MotoCloud, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    scratch = tmp_path_factory.mktemp(request.param)
    result = build(_blueprint_file(request.param, scratch), scratch / "out")
    deployment = deploy(moto, result.directory)
    yield Deployed(result.blueprint, result.directory, deployment, moto)


def test_root_and_every_nested_stack_are_created(deployed: Deployed) -> None:
    stacks = deployed.deployment.stacks
    assert {path: node.status for path, node in stacks.items()} == dict.fromkeys(stacks, "CREATE_COMPLETE")
    root = load_template((deployed.directory / "root.yaml").read_bytes())
    nested = {lid for lid, res in root["Resources"].items() if res["Type"] == STACK_TYPE}
    assert set(stacks) == {"root", *nested}
    urls = sorted(root["Resources"][lid]["Properties"]["TemplateURL"] for lid in nested)
    assert urls == [path.name for path in child_templates(deployed.directory)]


def test_nothing_unexpected_is_skipped(deployed: Deployed) -> None:
    # An entry for a type moto does model would excuse a real failure to create it.
    assert [t for t in sorted(ALLOWED_UNMODELLED) if moto_models(t)] == []
    comparison = declared_vs_created(deployed.cloud.client("cloudformation"), deployed.deployment.stack_name)
    assert comparison.unexpected(ALLOWED_UNMODELLED) == {}
    assert comparison.conditional == []


def test_vpc_cidr_is_the_blueprints(deployed: Deployed) -> None:
    vpc_id = deployed.network.resources["Vpc"]
    (vpc,) = deployed.ec2().describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert vpc["CidrBlock"] == deployed.blueprint.network.cidr
    assert deployed.network.outputs["VpcId"] == vpc_id


def _subnets(deployed: Deployed) -> dict[str, dict[str, Any]]:
    """The VPC's subnets, by the logical ID that created them."""
    by_id = {
        subnet["SubnetId"]: subnet
        for subnet in deployed.ec2().describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [deployed.network.resources["Vpc"]]}]
        )["Subnets"]
    }
    assert {deployed.network.resources[lid] for lid, t in deployed.network.types.items()
            if t == "AWS::EC2::Subnet"} == set(by_id)
    return {lid: by_id[pid] for lid, pid in deployed.network.resources.items() if pid in by_id}


def test_subnet_cidrs_are_the_carve(deployed: Deployed) -> None:
    blueprint = deployed.blueprint
    plan = carve(blueprint.network.cidr, blueprint.az_count)
    subnets = _subnets(deployed)
    expected = {f"PublicSubnet{i}": cidr for i, cidr in enumerate(plan.public, 1)}
    expected |= {f"PrivateSubnet{i}": cidr for i, cidr in enumerate(plan.private, 1)}
    assert {lid: subnet["CidrBlock"] for lid, subnet in subnets.items()} == expected


def test_one_public_and_one_private_subnet_per_az(deployed: Deployed) -> None:
    subnets = _subnets(deployed)
    count = deployed.blueprint.az_count
    public = [subnets[f"PublicSubnet{i}"]["AvailabilityZone"] for i in range(1, count + 1)]
    private = [subnets[f"PrivateSubnet{i}"]["AvailabilityZone"] for i in range(1, count + 1)]
    assert public == private
    assert len(set(public)) == count


def test_no_subnet_maps_public_ips(deployed: Deployed) -> None:
    assert all(not subnet["MapPublicIpOnLaunch"] for subnet in _subnets(deployed).values())
    # moto ignores MapPublicIpOnLaunch when creating from a template (always false), so the
    # deployed template's own setting is what actually guards this.
    network_resources = deployed.network.declared().values()
    declared = [r["Properties"] for r in network_resources if r["Type"] == "AWS::EC2::Subnet"]
    assert declared and all(p.get("MapPublicIpOnLaunch") is False for p in declared)


def _default_route(table: dict[str, Any]) -> dict[str, Any] | None:
    routes = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    assert len(routes) <= 1
    return routes[0] if routes else None


def _route_table_of(deployed: Deployed) -> dict[str, str]:
    """Subnet ID -> route table ID, from the template's SubnetRouteTableAssociations.

    moto records associations made from a template apart from the route tables, so
    DescribeRouteTables never shows them; the routes themselves it does model.
    """
    network = deployed.network
    associations = [r["Properties"] for r in network.declared().values()
                    if r["Type"] == "AWS::EC2::SubnetRouteTableAssociation"]
    return {network.resources[a["SubnetId"]["Ref"]]: network.resources[a["RouteTableId"]["Ref"]]
            for a in associations}


def test_routes(deployed: Deployed) -> None:
    ec2 = deployed.ec2()
    vpc_id = deployed.network.resources["Vpc"]
    subnets = _subnets(deployed)
    tables = {t["RouteTableId"]: t for t in ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]}
    table_of = {subnet: tables[table] for subnet, table in _route_table_of(deployed).items()}
    assert set(table_of) == {subnet["SubnetId"] for subnet in subnets.values()}
    (igw,) = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
    count = deployed.blueprint.az_count

    for i in range(1, count + 1):
        route = _default_route(table_of[subnets[f"PublicSubnet{i}"]["SubnetId"]])
        assert route is not None and route.get("GatewayId") == igw["InternetGatewayId"]

    layout = deployed.blueprint.network.nat_gateways
    private_routes = [_default_route(table_of[subnets[f"PrivateSubnet{i}"]["SubnetId"]]) for i in range(1, count + 1)]
    if layout == "none":
        assert private_routes == [None] * count
        return
    assert all(route and route.get("NatGatewayId") for route in private_routes), private_routes
    nat_ids = [route["NatGatewayId"] for route in private_routes if route]
    nats = {n["NatGatewayId"]: n for n in ec2.describe_nat_gateways(NatGatewayIds=sorted(set(nat_ids)))["NatGateways"]}
    public_ids = {subnets[f"PublicSubnet{i}"]["SubnetId"] for i in range(1, count + 1)}
    assert all(nat["SubnetId"] in public_ids and nat["VpcId"] == vpc_id for nat in nats.values())
    if layout == "per-az":  # each AZ's private subnet leaves through its own AZ's NAT
        assert [nats[nat_id]["SubnetId"] for nat_id in nat_ids] == [
            subnets[f"PublicSubnet{i}"]["SubnetId"] for i in range(1, count + 1)]
    else:
        assert layout == "single"
        assert len(set(nat_ids)) == 1


def test_flow_logs_go_to_the_log_group(deployed: Deployed) -> None:
    if not deployed.blueprint.network.flow_logs:
        pytest.skip("flow logs are off in this blueprint")
    vpc_id = deployed.network.resources["Vpc"]
    (flow_log,) = deployed.ec2().describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    assert flow_log["TrafficType"] == "ALL"
    assert flow_log["LogDestinationType"] == "cloud-watch-logs"
    assert flow_log["LogGroupName"] == deployed.network.resources["FlowLogGroup"]


def test_the_api_finds_images_at_its_load_balancer(deployed: Deployed) -> None:
    """Discovery: the example's api container gets IMAGES_URL, wired from the images stack's output through a
    root.yaml parameter, and what ECS holds is the images load balancer's own DNS name on its listener port."""
    if deployed.blueprint.name != "photos":
        pytest.skip("only the example's api calls another service")
    stacks = deployed.deployment.stacks
    images, api = stacks["ImagesService"], stacks["ApiService"]
    elb = deployed.cloud.client("elbv2")
    (balancer,) = elb.describe_load_balancers(LoadBalancerArns=[images.resources["LoadBalancer"]])["LoadBalancers"]
    assert images.outputs["ServiceUrl"] == f"http://{balancer['DNSName']}:80"

    definition = deployed.cloud.client("ecs").describe_task_definition(
        taskDefinition=api.resources["TaskDefinition"])["taskDefinition"]
    (container,) = definition["containerDefinitions"]
    environment = {entry["name"]: entry["value"] for entry in container["environment"]}
    assert environment == {"IMAGES_URL": f"http://{balancer['DNSName']}:80", "LOG_LEVEL": "info"}
