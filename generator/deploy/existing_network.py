"""Before a deploy into an existing VPC: the subnets the blueprint declares private must have no route to an
internet gateway, the public ones must have one, and all must be in the VPC.

The audit took the declaration at its word (SEC1401); this is where it is checked, with the credentials deploy
has, before anything is uploaded or created. Which root parameters hold the VPC and the subnets is the root
template's declaration (generator/cfn/declared_network.py); their values are what the change set will use: a
--parameter, else the stack's current value on an update, else the blueprint's default. A subnet's routes are
its route table's: the one explicitly associated with it, else the VPC's main route table. A route counts when
its GatewayId is an internet gateway (igw-...). The VPC's block, which operator access needs and the blueprint
does not name, is read from the VPC when it is not given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.cfn.declared_network import declared_network
from generator.cfn.parameters import root_parameters
from generator.deploy.aws import DeployError, aws_errors


def check_existing_network(ec2: Any, root: Mapping[str, Any], given: Mapping[str, str],
                           current: Mapping[str, str]) -> dict[str, str]:
    """Refuse (DeployError) a declared network whose routes say otherwise; return parameters to add to the
    change set (the VPC's block, read from the VPC). Nothing to do for a root that declares none."""
    declared = declared_network(root)
    if declared is None:
        return {}
    defaults = root_parameters(root)

    def value(name: str) -> str:
        return given.get(name) or current.get(name) or defaults.get(name, "")

    vpc_id = value(declared.vpc)
    vpc = _one_vpc(ec2, vpc_id)
    zones = {subnet: zone for name, zone in declared.subnets.items() for subnet in value(name).split(",") if subnet}
    problems = [f"{subnet} is in {found}, not in {vpc_id}"
                for subnet, found in _subnet_vpcs(ec2, sorted(zones)).items() if found != vpc_id]
    routed = _routes_to_internet(ec2, vpc_id, sorted(zones))
    for subnet, zone in zones.items():
        gateways = routed.get(subnet, [])
        if zone == "private" and gateways:
            problems.append(f"{subnet} is declared private (network.private_subnets) but routes to the internet "
                            f"gateway {', '.join(gateways)}: hosts and tasks there would be one public IP away from "
                            "the internet; name subnets that reach out through NAT or endpoints only")
        elif zone == "public" and not gateways:
            problems.append(f"{subnet} is declared public (network.public_subnets) but has no route to an internet "
                            "gateway: a public load balancer or bastion there could not be reached; name subnets "
                            "routed to one")
    if problems:
        raise DeployError(f"the existing network does not match the blueprint; nothing was created: "
                          f"{'; '.join(problems)}")
    if declared.cidr is not None and declared.cidr not in given:
        return {declared.cidr: str(vpc["CidrBlock"])}
    return {}


def _one_vpc(ec2: Any, vpc_id: str) -> Mapping[str, Any]:
    with aws_errors(doing=f"reading the existing VPC {vpc_id} (network.vpc_id)"):
        vpcs = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    if not vpcs:
        raise DeployError(f"there is no VPC {vpc_id} (network.vpc_id) in this account and region")
    return dict(vpcs[0])


def _subnet_vpcs(ec2: Any, subnets: list[str]) -> dict[str, str]:
    with aws_errors(doing=f"reading the subnets {', '.join(subnets)}"):
        found = ec2.describe_subnets(SubnetIds=subnets)["Subnets"]
    return {subnet["SubnetId"]: subnet["VpcId"] for subnet in found}


def _routes_to_internet(ec2: Any, vpc_id: str, subnets: list[str]) -> dict[str, list[str]]:
    """Subnet -> the internet gateways its route table sends to (explicit association, else the main table)."""
    with aws_errors(doing=f"reading the route tables of {vpc_id}"):
        pages = ec2.get_paginator("describe_route_tables").paginate(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        tables = [table for page in pages for table in page["RouteTables"]]
    gateways: dict[str, list[str]] = {}
    main: list[str] = []
    explicit: dict[str, str] = {}
    for table in tables:
        table_id = table["RouteTableId"]
        gateways[table_id] = sorted({str(route["GatewayId"]) for route in table.get("Routes") or []
                                     if str(route.get("GatewayId", "")).startswith("igw-")})
        for association in table.get("Associations") or []:
            if association.get("Main"):
                main = gateways[table_id]
            elif association.get("SubnetId"):
                explicit[association["SubnetId"]] = table_id
    return {subnet: gateways[explicit[subnet]] if subnet in explicit else main for subnet in subnets}
