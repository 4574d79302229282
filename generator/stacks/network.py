"""network.yaml: the VPC, a public and a private subnet per AZ, NAT, flow logs, VPC endpoints."""

from __future__ import annotations

from awacs import logs as logs_actions
from troposphere import GetAtt, GetAZs, Join, Output, Parameter, Ref, Select, Sub, Template, ec2

from generator.blueprint.model import Blueprint
from generator.cfn.ids import logical_id
from generator.stacks.access_logs import add_access_log_bucket
from generator.stacks.common import apply_tags, log_group, name_tag, new_template
from generator.stacks.console import make_console_friendly
from generator.stacks.iam import service_role, statement
from generator.stacks.parameters import (
    AVAILABILITY_ZONES,
    PRIVATE_SUBNETS,
    PUBLIC_SUBNETS,
    VPC_CIDR,
    VPC_ID,
)
from generator.stacks.security import allow_in, security_group
from generator.stacks.sources import from_blueprint
from generator.subnets import carve

# Interface endpoints behind each blueprint keyword (s3 is a gateway endpoint). Each SSM endpoint has a
# keyword of its own: SSM parameters as secrets need only `ssm`; Session Manager and ECS Exec need all three.
INTERFACE_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "ecr": ("ecr.api", "ecr.dkr"),
    "ecs": ("ecs", "ecs-agent", "ecs-telemetry"),
    "logs": ("logs",),
    "ssm": ("ssm",),
    "ssmmessages": ("ssmmessages",),
    "ec2messages": ("ec2messages",),
    "secretsmanager": ("secretsmanager",),
    "sts": ("sts",),
    "kms": ("kms",),
}


def build_network(blueprint: Blueprint) -> Template:
    network = blueprint.network
    template = new_template(blueprint, "network: VPC, public and private subnets, NAT, flow logs")
    plan = carve(network.cidr, blueprint.az_count)

    with from_blueprint(template, "network.cidr"):
        vpc = template.add_resource(
            ec2.VPC("Vpc", CidrBlock=network.cidr, EnableDnsHostnames=True, EnableDnsSupport=True,
                    Tags=name_tag(blueprint))
        )
    with from_blueprint(template, "network"):  # every network has its way to the internet
        gateway = template.add_resource(ec2.InternetGateway("InternetGateway", Tags=name_tag(blueprint)))
        attachment = template.add_resource(
            ec2.VPCGatewayAttachment("InternetGatewayAttachment", VpcId=Ref(vpc), InternetGatewayId=Ref(gateway))
        )
        public_routes = template.add_resource(
            ec2.RouteTable("PublicRouteTable", VpcId=Ref(vpc), Tags=name_tag(blueprint, "public"))
        )
        template.add_resource(
            ec2.Route("PublicDefaultRoute", RouteTableId=Ref(public_routes), DestinationCidrBlock="0.0.0.0/0",
                      GatewayId=Ref(gateway), DependsOn=attachment.title)
        )

    zones = _zone_selector(template, blueprint)
    public_subnets, private_subnets, private_tables = [], [], []
    with from_blueprint(template, "network.availability_zones"):
        for index in range(blueprint.az_count):
            number = index + 1
            public = template.add_resource(
                ec2.Subnet(f"PublicSubnet{number}", VpcId=Ref(vpc), CidrBlock=plan.public[index],
                           AvailabilityZone=zones(index), MapPublicIpOnLaunch=False,
                           Tags=name_tag(blueprint, f"public-{number}"))
            )
            template.add_resource(
                ec2.SubnetRouteTableAssociation(f"PublicSubnet{number}RouteTableAssociation",
                                                SubnetId=Ref(public), RouteTableId=Ref(public_routes))
            )
            private = template.add_resource(
                ec2.Subnet(f"PrivateSubnet{number}", VpcId=Ref(vpc), CidrBlock=plan.private[index],
                           AvailabilityZone=zones(index), MapPublicIpOnLaunch=False,
                           Tags=name_tag(blueprint, f"private-{number}"))
            )
            table = template.add_resource(
                ec2.RouteTable(f"PrivateRouteTable{number}", VpcId=Ref(vpc),
                               Tags=name_tag(blueprint, f"private-{number}"))
            )
            template.add_resource(
                ec2.SubnetRouteTableAssociation(f"PrivateSubnet{number}RouteTableAssociation",
                                                SubnetId=Ref(private), RouteTableId=Ref(table))
            )
            public_subnets.append(public)
            private_subnets.append(private)
            private_tables.append(table)

    with from_blueprint(template, "network.nat_gateways"):
        _add_nat_gateways(template, blueprint, public_subnets, private_tables, attachment.title)
    if network.flow_logs:
        with from_blueprint(template, "network.flow_logs"):
            _add_flow_logs(template, blueprint, vpc)
    with from_blueprint(template, "network.endpoints"):
        _add_endpoints(template, blueprint, vpc, private_subnets, private_tables)
    if any(service.has_load_balancer for service in blueprint.services.values()):
        with from_blueprint(template, "services"):  # exists because some service has a load balancer
            add_access_log_bucket(template, blueprint.logs.retention_days)

    template.add_output([
        Output(VPC_ID, Description="The VPC", Value=Ref(vpc)),
        Output(VPC_CIDR, Description="IPv4 block of the VPC", Value=GetAtt(vpc, "CidrBlock")),
        Output(PUBLIC_SUBNETS, Description="Public subnets, one per AZ (load balancers, NAT, bastion)",
               Value=Join(",", [Ref(s) for s in public_subnets])),
        Output(PRIVATE_SUBNETS, Description="Private subnets, one per AZ (hosts, tasks, internal ALBs)",
               Value=Join(",", [Ref(s) for s in private_subnets])),
        Output("PublicRouteTable", Description="Route table of the public subnets", Value=Ref(public_routes)),
        Output("PrivateRouteTables", Description="Route tables of the private subnets, one per AZ",
               Value=Join(",", [Ref(t) for t in private_tables])),
    ])
    return apply_tags(make_console_friendly(template), blueprint)


def _zone_selector(template: Template, blueprint: Blueprint):  # type: ignore[no-untyped-def]
    zones = blueprint.network.availability_zones
    if isinstance(zones, int):
        # "" is the stack's region, as the AWS docs write it (and emulators read it; {Ref: AWS::Region} they may not).
        return lambda index: Select(index, GetAZs(""))
    # Named zones come in as a parameter, so they stay overridable and are not hard-coded.
    template.add_parameter(
        Parameter(AVAILABILITY_ZONES, Type="List<AWS::EC2::AvailabilityZone::Name>",
                  Default=",".join(zones), Description="Availability zones of the subnets, in order")
    )
    return lambda index: Select(index, Ref(AVAILABILITY_ZONES))


def _add_nat_gateways(template: Template, blueprint: Blueprint, public_subnets: list[ec2.Subnet],
                      private_tables: list[ec2.RouteTable], attachment: str) -> None:
    mode = blueprint.network.nat_gateways
    if mode == "none":
        return
    count = len(public_subnets) if mode == "per-az" else 1
    gateways = []
    for index in range(count):
        number = index + 1
        address = template.add_resource(
            ec2.EIP(f"NatGateway{number}Eip", Domain="vpc", DependsOn=attachment,
                    Tags=name_tag(blueprint, f"nat-{number}"))
        )
        gateways.append(template.add_resource(
            ec2.NatGateway(f"NatGateway{number}", AllocationId=GetAtt(address, "AllocationId"),
                           SubnetId=Ref(public_subnets[index]), Tags=name_tag(blueprint, f"nat-{number}"))
        ))
    for index, table in enumerate(private_tables):
        gateway = gateways[index if mode == "per-az" else 0]
        template.add_resource(
            ec2.Route(f"PrivateDefaultRoute{index + 1}", RouteTableId=Ref(table),
                      DestinationCidrBlock="0.0.0.0/0", NatGatewayId=Ref(gateway))
        )


def _add_flow_logs(template: Template, blueprint: Blueprint, vpc: ec2.VPC) -> None:
    group = log_group(template, "FlowLogGroup", blueprint.logs.retention_days)
    role = service_role(
        template, "FlowLogRole", "vpc-flow-logs.amazonaws.com",
        "Lets VPC flow logs write to this VPC's flow log group, and nothing else",
        statements=[statement(
            [logs_actions.CreateLogStream, logs_actions.PutLogEvents, logs_actions.DescribeLogStreams],
            [GetAtt(group, "Arn")],
        )],
    )
    template.add_resource(ec2.FlowLog(
        "FlowLog", ResourceId=Ref(vpc), ResourceType="VPC", TrafficType="ALL",
        LogDestinationType="cloud-watch-logs", LogGroupName=Ref(group),
        DeliverLogsPermissionArn=GetAtt(role, "Arn"), Tags=name_tag(blueprint),
    ))


def _add_endpoints(template: Template, blueprint: Blueprint, vpc: ec2.VPC,
                   private_subnets: list[ec2.Subnet], private_tables: list[ec2.RouteTable]) -> None:
    wanted = set(blueprint.network.endpoints)
    if "s3" in wanted:
        template.add_resource(ec2.VPCEndpoint(
            "S3Endpoint", VpcId=Ref(vpc), VpcEndpointType="Gateway",
            ServiceName=Sub("com.amazonaws.${AWS::Region}.s3"),
            RouteTableIds=[Ref(table) for table in private_tables],
        ))
    interface = [service for key in INTERFACE_ENDPOINTS if key in wanted for service in INTERFACE_ENDPOINTS[key]]
    if not interface:
        return
    group = security_group(template, "EndpointSecurityGroup",
                           "VPC interface endpoints: HTTPS from inside the VPC only", Ref(vpc))
    allow_in(template, "EndpointSecurityGroupHttpsFromVpc", group, 443,
             "HTTPS from inside the VPC to the interface endpoints", cidr=GetAtt(vpc, "CidrBlock"))
    for service in interface:
        template.add_resource(ec2.VPCEndpoint(
            logical_id(service.replace(".", "-"), "endpoint"),
            VpcId=Ref(vpc), VpcEndpointType="Interface", PrivateDnsEnabled=True,
            ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
            SubnetIds=[Ref(subnet) for subnet in private_subnets],
            SecurityGroupIds=[GetAtt(group, "GroupId")],
        ))
