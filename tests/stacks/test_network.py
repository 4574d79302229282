"""network.yaml across AZ counts, explicit zones, NAT modes, endpoints, flow logs and VPC sizes.

The full matrix is checked with pure assertions on the template; a representative slice of it is
also rendered and run through cfn-lint (lint is the slow part).
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.blueprint import BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes
from generator.cfn.render import render
from generator.checks.lint import lint_file
from generator.stacks.network import build_network
from generator.subnets import carve

from .helpers import CLOUDWATCH_RETENTION_DAYS, resources

PUBLIC_IMAGE = "public.ecr.aws/nginx/nginx:1.27"
PRIVATE_ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"
ENDPOINTS_FOR_NO_NAT = ("s3", "ecr", "ecs", "logs")
ALL_ENDPOINTS = ("s3", "ecr", "logs", "ecs", "ssm", "ssmmessages", "ec2messages", "secretsmanager", "sts", "kms")
# Interface endpoint service names behind the blueprint keywords (s3 is a gateway endpoint).
INTERFACE_SERVICES = {
    "ecr": ("ecr.api", "ecr.dkr"),
    "ecs": ("ecs", "ecs-agent", "ecs-telemetry"),
    "logs": ("logs",),
    "secretsmanager": ("secretsmanager",),
}
ZONE_NAMES = ("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f")
# Load balancers need /27 subnets or larger: a /24 holds 2 AZs, a /23 holds 4, a /22 or larger 6.
MOST_AZS = {16: 6, 17: 6, 18: 6, 19: 6, 20: 6, 21: 6, 22: 6, 23: 4, 24: 2}
EVERYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class Case:
    zones: int | tuple[str, ...]
    prefix: int
    nat: str = "per-az"
    endpoints: bool = False
    flow_logs: bool = True

    @property
    def az_count(self) -> int:
        return self.zones if isinstance(self.zones, int) else len(self.zones)

    @property
    def cidr(self) -> str:
        # A different block per size, so "inside the VPC" is not always "inside 10.0.0.0/16".
        return f"10.{self.prefix}.0.0/{self.prefix}"

    @property
    def endpoint_names(self) -> tuple[str, ...]:
        if not self.endpoints:
            return ()
        return ENDPOINTS_FOR_NO_NAT if self.nat == "none" else ALL_ENDPOINTS

    def blueprint_text(self) -> str:
        zones = self.zones if isinstance(self.zones, int) else f"[{', '.join(self.zones)}]"
        image = PRIVATE_ECR_IMAGE if self.nat == "none" else PUBLIC_IMAGE
        return (
            "name: shop\n"
            "tags: {team: platform}\n"
            "network:\n"
            f"  cidr: {self.cidr}\n"
            f"  availability_zones: {zones}\n"
            f"  nat_gateways: {self.nat}\n"
            f"  flow_logs: {str(self.flow_logs).lower()}\n"
            f"  endpoints: [{', '.join(self.endpoint_names)}]\n"
            "services:\n"
            f"  api: {{image: {image}, port: 8080}}\n"
        )

    def __str__(self) -> str:
        zones = f"az{self.zones}" if isinstance(self.zones, int) else f"zones{len(self.zones)}"
        endpoints = "endpoints" if self.endpoints else "no-endpoints"
        flow = "flow-logs" if self.flow_logs else "no-flow-logs"
        return f"{zones}-{self.prefix}-{self.nat}-{endpoints}-{flow}"


ZONE_CHOICES: tuple[int | tuple[str, ...], ...] = (2, 3, 4, 5, 6, ZONE_NAMES[:2], ZONE_NAMES)
NAT_AND_ENDPOINTS = (("per-az", False), ("per-az", True), ("single", False), ("single", True), ("none", True))


@dataclass(frozen=True)
class Shape:
    """A network shape, checked at every VPC size from /16 down to the smallest that holds its AZs."""

    zones: int | tuple[str, ...]
    nat: str
    endpoints: bool
    flow_logs: bool = True

    def __iter__(self) -> Iterator[Case]:
        for prefix, most in MOST_AZS.items():
            case = Case(self.zones, prefix, self.nat, self.endpoints, self.flow_logs)
            if case.az_count <= most:
                yield case

    def __str__(self) -> str:
        return str(Case(self.zones, 0, self.nat, self.endpoints, self.flow_logs)).replace("-0-", "-")


SHAPES = [Shape(zones, nat, endpoints) for zones in ZONE_CHOICES for nat, endpoints in NAT_AND_ENDPOINTS]
# Flow logs are independent of the zones: every NAT mode, fewest and most zones, every VPC size.
SHAPES_WITHOUT_FLOW_LOGS = [replace(shape, flow_logs=False) for shape in SHAPES if shape.zones in (2, 6)]
PER_AZ = [shape for shape in SHAPES if shape.nat == "per-az"]
SINGLE = [shape for shape in SHAPES if shape.nat == "single"]
NO_NAT = [shape for shape in SHAPES if shape.nat == "none"]
WITH_ENDPOINTS = [shape for shape in SHAPES if shape.endpoints]
NAMED_ZONES = [shape for shape in SHAPES if not isinstance(shape.zones, int)]


@cache
def template_of(case: Case) -> dict[str, Any]:
    blueprint = load_blueprint_bytes(case.blueprint_text().encode(), "shop.yaml")
    return build_network(blueprint).to_dict()


def subnets(template: dict[str, Any], tier: str) -> list[dict[str, Any]]:
    found = resources(template, "AWS::EC2::Subnet")
    return [found[name] for name in sorted(found) if name.startswith(f"{tier.capitalize()}Subnet")]


def route_table_of(template: dict[str, Any], subnet: str) -> str:
    tables = [props["RouteTableId"]["Ref"]
              for props in resources(template, "AWS::EC2::SubnetRouteTableAssociation").values()
              if props["SubnetId"] == {"Ref": subnet}]
    assert len(tables) == 1, f"{subnet} has {len(tables)} route table associations"
    return tables[0]


def default_routes(template: dict[str, Any], table: str) -> list[dict[str, Any]]:
    return [props for props in resources(template, "AWS::EC2::Route").values()
            if props["RouteTableId"] == {"Ref": table} and props.get("DestinationCidrBlock") == EVERYWHERE]


def az_index(subnet: dict[str, Any]) -> tuple[int, Any]:
    index, zones = subnet["AvailabilityZone"]["Fn::Select"]
    return index, zones


def test_the_matrix_covers_every_az_count_vpc_size_and_nat_mode() -> None:
    cases = [case for shape in SHAPES for case in shape]
    assert {case.az_count for case in cases} == {2, 3, 4, 5, 6}
    assert {case.prefix for case in cases} == set(range(16, 25))
    assert {(case.nat, case.endpoints) for case in cases} == set(NAT_AND_ENDPOINTS)
    assert {case.prefix for case in Shape(6, "single", False)} == set(range(16, 23))
    assert len(cases) > 250


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_subnets_lie_inside_the_vpc_and_do_not_overlap(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        vpc = ipaddress.IPv4Network(resources(template, "AWS::EC2::VPC")["Vpc"]["CidrBlock"])
        assert str(vpc) == case.cidr
        blocks = [ipaddress.IPv4Network(subnet["CidrBlock"])
                  for subnet in subnets(template, "public") + subnets(template, "private")]
        assert len(blocks) == 2 * case.az_count
        for block in blocks:
            assert block.subnet_of(vpc), f"{block} is outside {vpc}"
            assert block.prefixlen <= 27, f"{block} is too small for a load balancer"
        for first, second in itertools.combinations(blocks, 2):
            assert not first.overlaps(second), f"{first} overlaps {second}"


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_each_az_gets_one_public_and_one_private_subnet(shape: Shape) -> None:
    expected_zones = {"Fn::GetAZs": ""} if isinstance(shape.zones, int) else {
        "Ref": "AvailabilityZones"}
    for case in shape:
        template = template_of(case)
        public = sorted(az_index(subnet) for subnet in subnets(template, "public"))
        private = sorted(az_index(subnet) for subnet in subnets(template, "private"))
        assert [index for index, _ in public] == list(range(case.az_count))
        assert [index for index, _ in private] == list(range(case.az_count))
        assert all(zones == expected_zones for _, zones in public + private)
        zone_of = {name: subnet["AvailabilityZone"] for name, subnet in resources(template, "AWS::EC2::Subnet").items()}
        for number in range(1, case.az_count + 1):
            assert zone_of[f"PublicSubnet{number}"] == zone_of[f"PrivateSubnet{number}"]


@pytest.mark.parametrize("shape", NAMED_ZONES, ids=str)
def test_named_zones_become_an_overridable_parameter_in_blueprint_order(shape: Shape) -> None:
    for case in shape:
        parameter = template_of(case)["Parameters"]["AvailabilityZones"]
        assert parameter["Type"] == "List<AWS::EC2::AvailabilityZone::Name>"
        assert parameter["Default"] == ",".join(shape.zones)  # type: ignore[arg-type]


def test_counted_zones_need_no_parameter() -> None:
    assert "Parameters" not in template_of(Case(3, 20))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_no_subnet_maps_public_ips_on_launch(shape: Shape) -> None:
    for case in shape:
        for subnet in resources(template_of(case), "AWS::EC2::Subnet").values():
            assert subnet["MapPublicIpOnLaunch"] is False


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_public_subnets_route_to_the_internet_gateway(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        for number in range(1, case.az_count + 1):
            (route,) = default_routes(template, route_table_of(template, f"PublicSubnet{number}"))
            assert route["GatewayId"] == {"Ref": "InternetGateway"}
        attachment = resources(template, "AWS::EC2::VPCGatewayAttachment")["InternetGatewayAttachment"]
        assert attachment == {"InternetGatewayId": {"Ref": "InternetGateway"}, "VpcId": {"Ref": "Vpc"}}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_private_subnets_never_route_to_the_internet_gateway(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        tables = {route_table_of(template, f"PrivateSubnet{n}") for n in range(1, case.az_count + 1)}
        assert len(tables) == case.az_count, "each private subnet has its own route table"
        assert route_table_of(template, "PublicSubnet1") not in tables
        for table in tables:
            assert all("GatewayId" not in route for route in default_routes(template, table))


@pytest.mark.parametrize("shape", PER_AZ, ids=str)
def test_private_route_tables_point_at_their_own_az_nat(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        gateways = resources(template, "AWS::EC2::NatGateway")
        assert sorted(gateways) == sorted(f"NatGateway{n}" for n in range(1, case.az_count + 1))
        for number in range(1, case.az_count + 1):
            (route,) = default_routes(template, route_table_of(template, f"PrivateSubnet{number}"))
            assert route["NatGatewayId"] == {"Ref": f"NatGateway{number}"}
            # ... and that NAT gateway sits in the public subnet of the same AZ.
            assert gateways[f"NatGateway{number}"]["SubnetId"] == {"Ref": f"PublicSubnet{number}"}


@pytest.mark.parametrize("shape", SINGLE, ids=str)
def test_a_single_nat_gateway_serves_every_private_route_table(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        gateways = resources(template, "AWS::EC2::NatGateway")
        assert list(gateways) == ["NatGateway1"]
        assert gateways["NatGateway1"]["SubnetId"] == {"Ref": "PublicSubnet1"}
        for number in range(1, case.az_count + 1):
            (route,) = default_routes(template, route_table_of(template, f"PrivateSubnet{number}"))
            assert route["NatGatewayId"] == {"Ref": "NatGateway1"}


@pytest.mark.parametrize("shape", PER_AZ + SINGLE, ids=str)
def test_nat_gateways_get_an_elastic_ip_once_the_internet_gateway_is_attached(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        addresses = {name: entry for name, entry in template["Resources"].items() if entry["Type"] == "AWS::EC2::EIP"}
        gateways = resources(template, "AWS::EC2::NatGateway")
        assert len(addresses) == len(gateways)
        for name, gateway in gateways.items():
            assert gateway["AllocationId"] == {"Fn::GetAtt": [f"{name}Eip", "AllocationId"]}
            assert addresses[f"{name}Eip"]["DependsOn"] == "InternetGatewayAttachment"
            assert addresses[f"{name}Eip"]["Properties"]["Domain"] == "vpc"


@pytest.mark.parametrize("shape", NO_NAT, ids=str)
def test_without_nat_private_subnets_have_no_default_route(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        assert resources(template, "AWS::EC2::NatGateway") == {}
        assert resources(template, "AWS::EC2::EIP") == {}
        for number in range(1, case.az_count + 1):
            assert default_routes(template, route_table_of(template, f"PrivateSubnet{number}")) == []


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_endpoints_exist_only_when_asked_for(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        endpoints = resources(template, "AWS::EC2::VPCEndpoint").values()
        services = {e["ServiceName"]["Fn::Sub"].removeprefix("com.amazonaws.${AWS::Region}.") for e in endpoints}
        assert services == {service for key in case.endpoint_names for service in INTERFACE_SERVICES.get(key, (key,))}
        if not case.endpoints:
            assert "EndpointSecurityGroup" not in template["Resources"]


@pytest.mark.parametrize("shape", WITH_ENDPOINTS, ids=str)
def test_s3_gateway_endpoint_serves_every_private_route_table(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        (s3,) = [e for e in resources(template, "AWS::EC2::VPCEndpoint").values()
                 if e["ServiceName"] == {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}]
        assert s3["VpcEndpointType"] == "Gateway"
        private_tables = [route_table_of(template, f"PrivateSubnet{n}") for n in range(1, case.az_count + 1)]
        assert s3["RouteTableIds"] == [{"Ref": table} for table in private_tables]


@pytest.mark.parametrize("shape", WITH_ENDPOINTS, ids=str)
def test_interface_endpoints_sit_in_private_subnets_and_admit_only_https_from_the_vpc(shape: Shape) -> None:
    endpoint_group = {"Fn::GetAtt": ["EndpointSecurityGroup", "GroupId"]}
    for case in shape:
        template = template_of(case)
        private = [{"Ref": f"PrivateSubnet{n}"} for n in range(1, case.az_count + 1)]
        interface = [e for e in resources(template, "AWS::EC2::VPCEndpoint").values()
                     if e["VpcEndpointType"] == "Interface"]
        assert interface
        for endpoint in interface:
            assert endpoint["SubnetIds"] == private
            assert endpoint["PrivateDnsEnabled"] is True
            assert endpoint["SecurityGroupIds"] == [endpoint_group]
        (ingress,) = [rule for rule in resources(template, "AWS::EC2::SecurityGroupIngress").values()
                      if rule["GroupId"] == endpoint_group]
        assert ingress.pop("Description")
        assert ingress == {"GroupId": endpoint_group, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                           "CidrIp": {"Fn::GetAtt": ["Vpc", "CidrBlock"]}}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_flow_logs_capture_all_vpc_traffic_into_a_log_group_with_retention(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        (flow_log,) = resources(template, "AWS::EC2::FlowLog").values()
        assert flow_log["ResourceId"] == {"Ref": "Vpc"}
        assert flow_log["ResourceType"] == "VPC"
        assert flow_log["TrafficType"] == "ALL"
        assert flow_log["LogDestinationType"] == "cloud-watch-logs"
        assert flow_log["LogGroupName"] == {"Ref": "FlowLogGroup"}
        assert flow_log["DeliverLogsPermissionArn"] == {"Fn::GetAtt": ["FlowLogRole", "Arn"]}
        group = resources(template, "AWS::Logs::LogGroup")["FlowLogGroup"]
        assert group["RetentionInDays"] in CLOUDWATCH_RETENTION_DAYS


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_flow_log_role_trusts_only_vpc_flow_logs(shape: Shape) -> None:
    for case in shape:
        role = resources(template_of(case), "AWS::IAM::Role")["FlowLogRole"]
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == ["sts:AssumeRole"]
        assert list(statement["Principal"]) == ["Service"]
        trusted = statement["Principal"]["Service"]
        assert (trusted if isinstance(trusted, list) else [trusted]) == ["vpc-flow-logs.amazonaws.com"]
        assert "ManagedPolicyArns" not in role
        assert "RoleName" not in role


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_flow_log_role_may_write_only_to_the_flow_log_group(shape: Shape) -> None:
    for case in shape:
        role = resources(template_of(case), "AWS::IAM::Role")["FlowLogRole"]
        statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
        assert statements
        for statement in statements:
            assert statement["Effect"] == "Allow"
            assert statement["Resource"] == [{"Fn::GetAtt": ["FlowLogGroup", "Arn"]}]
            assert all(action.startswith("logs:") and "*" not in action for action in statement["Action"])
            assert "logs:PutLogEvents" in statement["Action"]


@pytest.mark.parametrize("shape", SHAPES_WITHOUT_FLOW_LOGS, ids=str)
def test_flow_logs_are_absent_when_turned_off(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        assert resources(template, "AWS::EC2::FlowLog") == {}
        # Its log group and role go with it; the rest of the network is unchanged.
        with_flow_logs = template_of(replace(case, flow_logs=True))
        assert set(with_flow_logs["Resources"]) - set(template["Resources"]) == {"FlowLog", "FlowLogGroup",
                                                                                  "FlowLogRole"}


@pytest.mark.parametrize("shape", SHAPES + SHAPES_WITHOUT_FLOW_LOGS[:1], ids=str)
def test_outputs_list_the_vpc_its_subnets_and_route_tables(shape: Shape) -> None:
    for case in shape:
        template = template_of(case)
        numbers = range(1, case.az_count + 1)
        private_tables = [route_table_of(template, f"PrivateSubnet{n}") for n in numbers]
        expected = {
            "VpcId": {"Ref": "Vpc"},
            "VpcCidr": {"Fn::GetAtt": ["Vpc", "CidrBlock"]},
            "PublicSubnets": {"Fn::Join": [",", [{"Ref": f"PublicSubnet{n}"} for n in numbers]]},
            "PrivateSubnets": {"Fn::Join": [",", [{"Ref": f"PrivateSubnet{n}"} for n in numbers]]},
            "PublicRouteTable": {"Ref": route_table_of(template, "PublicSubnet1")},
            "PrivateRouteTables": {"Fn::Join": [",", [{"Ref": table} for table in private_tables]]},
        }
        outputs = {name: output["Value"] for name, output in template["Outputs"].items() if name in expected}
        assert outputs == expected
        assert all("Export" not in output for output in template["Outputs"].values())
        assert all(output.get("Description") for output in template["Outputs"].values())


def test_a_16_with_two_azs_is_carved_as_documented() -> None:
    template = template_of(Case(2, 16))
    assert [s["CidrBlock"] for s in subnets(template, "private")] == ["10.16.0.0/18", "10.16.64.0/18"]
    assert [s["CidrBlock"] for s in subnets(template, "public")] == ["10.16.128.0/19", "10.16.160.0/19"]


@pytest.mark.parametrize(("prefix", "zones"), [(24, 3), (23, 5), (23, 6)])
def test_a_vpc_too_small_for_its_zones_is_refused(prefix: int, zones: int) -> None:
    text = Case(2, prefix).blueprint_text().replace("availability_zones: 2", f"availability_zones: {zones}")
    with pytest.raises(BlueprintErrors) as raised:
        load_blueprint_bytes(text.encode(), "shop.yaml")
    assert "network.cidr" in raised.value.render()


# cfn-lint on a representative slice: every AZ count, both zone styles, every NAT mode, endpoints
# on and off, flow logs on and off, the smallest and largest VPC for each AZ count.
LINTED = [
    Case(2, 24, "per-az"),
    Case(2, 16, "none", endpoints=True, flow_logs=False),
    Case(3, 23, "single", endpoints=True),
    Case(3, 19, "none", endpoints=True),
    Case(4, 23, "per-az", endpoints=True, flow_logs=False),
    Case(5, 22, "none", endpoints=True),
    Case(5, 17, "per-az", endpoints=True),
    Case(6, 22, "single", endpoints=True),
    Case(6, 16, "per-az", flow_logs=False),
    Case(ZONE_NAMES[:2], 24, "none", endpoints=True),
    Case(ZONE_NAMES[:4], 20, "per-az", endpoints=True),
    Case(ZONE_NAMES, 22, "single"),
]


@pytest.mark.parametrize("case", LINTED, ids=str)
def test_network_template_is_cfn_lint_clean(case: Case, tmp_path: Path) -> None:
    blueprint = load_blueprint_bytes(case.blueprint_text().encode(), "shop.yaml")
    path = tmp_path / "network.yaml"
    path.write_bytes(render(build_network(blueprint)))
    assert [finding.render() for finding in lint_file(path)] == []


def test_lint_would_catch_a_broken_network_template(tmp_path: Path) -> None:
    """The lint test above can fail: the same check on a damaged template finds errors."""
    blueprint = load_blueprint_bytes(Case(2, 24).blueprint_text().encode(), "shop.yaml")
    path = tmp_path / "network.yaml"
    path.write_bytes(render(build_network(blueprint)).replace(b"Ref: InternetGateway\n", b"Ref: NoSuchGateway\n"))
    assert any(finding.level == "error" for finding in lint_file(path))


@given(
    prefix=st.integers(min_value=16, max_value=24),
    az_count=st.integers(min_value=2, max_value=6),
    address=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_carving_refuses_or_gives_disjoint_subnets_of_27_or_larger_inside_the_vpc(
    prefix: int, az_count: int, address: int
) -> None:
    vpc = ipaddress.IPv4Network((address, prefix), strict=False)
    try:
        plan = carve(str(vpc), az_count)
    except ValueError:
        assert az_count > MOST_AZS[prefix], f"{vpc} should hold {az_count} AZs"
        return
    assert az_count <= MOST_AZS[prefix], f"{vpc} cannot hold {az_count} AZs of /27 subnets"
    assert len(plan.private) == len(plan.public) == az_count
    blocks = [ipaddress.IPv4Network(block) for block in plan.private + plan.public]
    for block in blocks:
        assert block.subnet_of(vpc)
        assert block.prefixlen <= 27
    for first, second in itertools.combinations(blocks, 2):
        assert not first.overlaps(second)
    # Private subnets are the larger share: hosts, tasks and internal load balancers live there.
    assert all(ipaddress.IPv4Network(p).prefixlen < ipaddress.IPv4Network(q).prefixlen
               for p, q in zip(plan.private, plan.public, strict=True))
