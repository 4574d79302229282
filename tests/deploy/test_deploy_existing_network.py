"""`blueprint deploy` into an existing VPC, against moto: the test makes the VPC, its subnets and routes first
(an internet gateway route for the public ones), deploys a blueprint naming them, and checks that nothing of
a network is created; then that deploy refuses, before anything is created, subnets whose routes say other
than the blueprint declares (an explicitly associated table, or the VPC's main one)."""

from __future__ import annotations

import contextlib
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from generator.cli import main

from .harness import MotoCloud, stack_tree


@dataclass
class Network:
    vpc: str
    cidr: str
    private: list[str]
    public: list[str]
    public_table: str
    main_table: str


def make_network(ec2: Any, second_octet: int) -> Network:
    """A VPC with two private subnets (own table, no internet route) and two public ones (internet gateway)."""
    cidr = f"10.{second_octet}.0.0/16"
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    public_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    private_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    zones = ["us-east-1a", "us-east-1b"]
    subnets: dict[str, list[str]] = {"private": [], "public": []}
    for index, zone in enumerate(zones):
        for kind, table, offset in (("private", private_table, 0), ("public", public_table, 10)):
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{second_octet}.{offset + index}.0/24",
                                       AvailabilityZone=zone)["Subnet"]["SubnetId"]
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
            subnets[kind].append(subnet)
    (main,) = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                 {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    return Network(vpc, cidr, subnets["private"], subnets["public"], public_table, main["RouteTableId"])


def blueprint_text(network: Network) -> str:
    return f"""\
name: onvpc
network:
  vpc_id: {network.vpc}
  private_subnets: [{", ".join(network.private)}]
  public_subnets: [{", ".join(network.public)}]
access:
  bastion: {{allowed_cidrs: [203.0.113.0/24], key_name: ops}}
services:
  web:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    expose: public
    count: 1
    talks_to: [api]
  api:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    count: 1
"""


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def bucket(moto: MotoCloud) -> str:
    name = f"existing-vpc-{uuid.uuid4().hex[:8]}"
    moto.client("s3").create_bucket(Bucket=name)
    return name


def deploy(moto: MotoCloud, bucket: str, blueprint: Path, stack: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["deploy", str(blueprint), "--stack", stack, "--bucket", bucket, "--yes",
                     "--endpoint-url", moto.endpoint_url])
    return Run(code, out.getvalue(), err.getvalue())


def stack_exists(moto: MotoCloud, stack: str) -> bool:
    try:
        moto.client("cloudformation").describe_stacks(StackName=stack)
    except ClientError:
        return False
    return True


@pytest.fixture(scope="module")
def deployed(moto: MotoCloud, bucket: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Network, str, Run]:
    network = make_network(moto.client("ec2"), 61)
    path = tmp_path_factory.mktemp("existing") / "onvpc.yaml"
    path.write_text(blueprint_text(network))
    stack = f"onvpc-{uuid.uuid4().hex[:8]}"
    return network, stack, deploy(moto, bucket, path, stack)


def test_a_blueprint_deploys_into_the_vpc_and_subnets_it_names(moto: MotoCloud, deployed: tuple[Network, str, Run]
                                                               ) -> None:
    network, stack, run = deployed
    assert (run.code, run.err) == (0, ""), run.out
    tree = stack_tree(moto.client("cloudformation"), stack)
    assert {node.status for node in tree.values()} == {"CREATE_COMPLETE"}
    assert "Network" not in tree and "AccessLogs" in tree
    created = {kind for node in tree.values() for kind in node.types.values()}
    assert not created & {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway"}
    # the public load balancer is in the public subnets, the internal one in the private subnets
    elb = moto.client("elbv2")
    for service, subnets in (("WebService", network.public), ("ApiService", network.private)):
        (balancer,) = elb.describe_load_balancers(LoadBalancerArns=[tree[service].resources["LoadBalancer"]])[
            "LoadBalancers"]
        assert sorted(zone["SubnetId"] for zone in balancer["AvailabilityZones"]) == sorted(subnets)
        assert balancer["VpcId"] == network.vpc


def test_deploy_reads_the_vpc_block_operator_access_needs(moto: MotoCloud, deployed: tuple[Network, str, Run]
                                                          ) -> None:
    network, stack, _ = deployed
    (root,) = moto.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    values = {p["ParameterKey"]: p["ParameterValue"] for p in root["Parameters"]}
    assert values["VpcCidr"] == network.cidr
    assert values["VpcId"] == network.vpc
    assert values["PrivateSubnets"].split(",") == network.private


def test_a_private_subnet_routed_to_an_internet_gateway_is_refused(moto: MotoCloud, bucket: str,
                                                                   tmp_path: Path) -> None:
    ec2 = moto.client("ec2")
    network = make_network(ec2, 62)
    (table,) = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [network.private[1]]}])[
        "RouteTables"]
    (association,) = [a["RouteTableAssociationId"] for a in table["Associations"]
                      if a.get("SubnetId") == network.private[1]]
    # a mistake: the second "private" subnet moved onto the public route table
    ec2.replace_route_table_association(AssociationId=association, RouteTableId=network.public_table)
    path = tmp_path / "onvpc.yaml"
    path.write_text(blueprint_text(network))
    stack = f"onvpc-{uuid.uuid4().hex[:8]}"
    run = deploy(moto, bucket, path, stack)
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert f"{network.private[1]} is declared private (network.private_subnets) but routes to the internet " \
        "gateway igw-" in run.err
    assert network.private[0] not in run.err
    assert not stack_exists(moto, stack)


def test_a_private_subnet_on_a_main_table_routed_to_the_internet_is_refused(moto: MotoCloud, bucket: str,
                                                                            tmp_path: Path) -> None:
    ec2 = moto.client("ec2")
    network = make_network(ec2, 63)
    gateway = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [network.vpc]}])[
        "InternetGateways"][0]["InternetGatewayId"]
    ec2.create_route(RouteTableId=network.main_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    # a private subnet with no table of its own takes the main table's routes
    lone = ec2.create_subnet(VpcId=network.vpc, CidrBlock="10.63.5.0/24", AvailabilityZone="us-east-1b")["Subnet"]
    network.private[1] = lone["SubnetId"]
    path = tmp_path / "onvpc.yaml"
    path.write_text(blueprint_text(network))
    stack = f"onvpc-{uuid.uuid4().hex[:8]}"
    run = deploy(moto, bucket, path, stack)
    assert run.code == 2
    assert f"{lone['SubnetId']} is declared private" in run.err
    assert not stack_exists(moto, stack)


def test_a_public_subnet_without_an_internet_route_is_refused(moto: MotoCloud, bucket: str, tmp_path: Path) -> None:
    network = make_network(moto.client("ec2"), 64)
    network.public[1] = network.private.pop()  # a private one named public
    network.private.append(f"subnet-{uuid.uuid4().hex[:8]}")  # stays 2 distinct private subnets
    network.private[1] = moto.client("ec2").create_subnet(
        VpcId=network.vpc, CidrBlock="10.64.7.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    path = tmp_path / "onvpc.yaml"
    path.write_text(blueprint_text(network))
    stack = f"onvpc-{uuid.uuid4().hex[:8]}"
    run = deploy(moto, bucket, path, stack)
    assert run.code == 2
    assert f"{network.public[1]} is declared public (network.public_subnets) but has no route to an internet " \
        "gateway" in run.err
    assert "declared private" not in run.err
    assert not stack_exists(moto, stack)


def test_a_vpc_that_does_not_exist_is_refused(moto: MotoCloud, bucket: str, tmp_path: Path) -> None:
    network = make_network(moto.client("ec2"), 65)
    network.vpc = "vpc-0123456789abcdef0"
    path = tmp_path / "onvpc.yaml"
    path.write_text(blueprint_text(network))
    stack = f"onvpc-{uuid.uuid4().hex[:8]}"
    run = deploy(moto, bucket, path, stack)
    assert run.code == 2
    assert "vpc-0123456789abcdef0" in run.err
    assert not stack_exists(moto, stack)
