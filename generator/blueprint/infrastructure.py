"""The blueprint's infrastructure blocks: the network (new or existing), the cluster and its hosts, and the
ways operators reach private hosts (SSM, a bastion, a Client VPN)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from generator.blueprint import existing_network
from generator.blueprint.capacity import (
    ECS_AMIS,
    HOST_ARCHITECTURE_DESCRIPTION,
    Architecture,
    Spot,
)
from generator.blueprint.existing_network import (
    PRIVATE_SUBNETS_DESCRIPTION,
    PUBLIC_SUBNETS_DESCRIPTION,
    VPC_ID_DESCRIPTION,
    SubnetIds,
    VpcId,
)
from generator.blueprint.strict import Strict
from generator.blueprint.types import (
    AcmArn,
    Ami,
    AzName,
    Cidr,
    Endpoint,
    InstanceType,
    KeyName,
    SshCidr,
)

if TYPE_CHECKING:  # the whole blueprint, whose blocks these are: for signatures only
    from generator.blueprint.model import Blueprint


class Network(Strict):
    cidr: Cidr = Field(
        "10.0.0.0/16",
        description="IPv4 block of the VPC, /16 to /24. Default 10.0.0.0/16: room for every subnet "
        "layout this tool carves. The private subnets take the first half, the public ones the third "
        "quarter, the last quarter stays free.",
    )
    availability_zones: Annotated[int, Field(ge=2, le=6)] | Annotated[
        list[AzName], Field(min_length=2, max_length=6)
    ] = Field(
        2,
        description="How many AZs (2..6, picked in order with Fn::GetAZs), or a list of 2..6 AZ names. "
        "Default 2: the fewest that survive an AZ outage.",
    )
    nat_gateways: Literal["per-az", "single", "none"] = Field(
        "per-az",
        description="NAT gateways for outbound traffic from private subnets. Default per-az: an AZ "
        "outage does not cut the others off. `single` saves cost; `none` needs VPC endpoints.",
    )
    flow_logs: bool = Field(True, description="VPC flow logs to CloudWatch Logs. Default on (SPEC 5.9).")
    endpoints: list[Endpoint] = Field(
        default_factory=list,
        description="VPC endpoints to create: s3 (gateway), ecr, logs, ecs, ssm, ssmmessages, ec2messages, "
        "secretsmanager, sts, kms (interface). Default none: NAT gateways carry that traffic. With "
        "`nat_gateways: none` the build asks for every endpoint the blueprint's features use: s3, ecr, ecs "
        "and logs always; secretsmanager and/or ssm for `secrets` (by their ARNs); ssm, ssmmessages and "
        "ec2messages for `exec` or Session Manager on hosts (`access.ssm`); kms for a customer KMS key.",
    )
    vpc_id: VpcId | None = Field(None, description=VPC_ID_DESCRIPTION)
    private_subnets: SubnetIds | None = Field(None, description=PRIVATE_SUBNETS_DESCRIPTION)
    public_subnets: SubnetIds | None = Field(None, description=PUBLIC_SUBNETS_DESCRIPTION)

    def resolved_defaults(self, blueprint: Blueprint) -> dict[str, Any]:
        return existing_network.resolved_defaults(self)


class Instances(Strict):
    type: InstanceType = Field(
        "t3.medium", description="EC2 instance type of the hosts. Default t3.medium: 2 vCPU, 4 GiB."
    )
    min: Annotated[int, Field(ge=0, le=1000)] = Field(
        1, description="Fewest hosts in the auto scaling group. Default 1."
    )
    max: Annotated[int, Field(ge=1, le=1000)] = Field(
        4, description="Most hosts; ECS managed scaling adds hosts up to this. Default 4."
    )
    volume_gb: Annotated[int, Field(ge=30, le=16384)] = Field(
        30, description="Encrypted gp3 root volume in GiB. Default 30, the ECS-optimized AMI's minimum."
    )
    ami: Ami | None = Field(
        None,
        description="SSM parameter name of the AMI, or a fixed ami-id. Default: the current ECS-optimized Amazon "
        f"Linux 2023 AMI of the hosts' architecture, resolved at deploy time ({ECS_AMIS['x86_64']}, or "
        f"{ECS_AMIS['arm64']} for arm64).",
    )
    architecture: Architecture = Field("x86_64", description=HOST_ARCHITECTURE_DESCRIPTION)
    spot: Spot | None = Field(
        None, description="A Spot share of the hosts over several instance types (a mixed-instances policy). "
        "Default none: every host on-demand, of `type`.",
    )
    key_name: KeyName | None = Field(
        None,
        description="EC2 key pair for SSH through the bastion. Default none: use SSM Session Manager.",
    )
    network_mode: Literal["awsvpc", "bridge"] = Field(
        "awsvpc",
        description="How tasks on the hosts are networked. Default awsvpc: every task gets its own network "
        "interface in a private subnet and its service's own security group, which admits only the "
        "service's load balancer (as on Fargate); the host group admits nothing from load balancers. Each "
        "task takes one of the host's network interfaces, so a host runs as many tasks as its type has "
        "interfaces to spare (t3.medium: 2), or many more with ECS's awsvpcTrunking account setting on a "
        "type that supports it (`blueprint explain` shows the figures). `bridge`: containers share the "
        "host's interface and group, which admits every EC2 service's load balancer on the dynamic port "
        "range (32768-60999): denser on small types, but any container on the hosts can reach every "
        "internal load balancer an EC2 service calls, all EC2 services share one egress policy, and the "
        "host group's 60-rule quota caps a cluster at about 60 load-balanced EC2 services.",
    )

    @property
    def resolved_ami(self) -> str:
        return self.ami or ECS_AMIS[self.architecture]

    def resolved_defaults(self, blueprint: Blueprint) -> dict[str, Any]:
        return {"ami": self.resolved_ami}


class Cluster(Strict):
    instances: Instances | None = Field(
        None, description="EC2 capacity (host-based ECS). Omit for a Fargate-only cluster."
    )
    fargate: bool | None = Field(
        None,
        description="Also offer FARGATE and FARGATE_SPOT capacity. Default: true when `instances` is "
        "absent, else false.",
    )
    container_insights: bool = Field(True, description="CloudWatch Container Insights. Default on.")

    @property
    def offers_fargate(self) -> bool:
        return self.fargate if self.fargate is not None else self.instances is None

    def resolved_defaults(self, blueprint: Blueprint) -> dict[str, Any]:
        return {"fargate": self.offers_fargate}


class Bastion(Strict):
    allowed_cidrs: Annotated[list[SshCidr], Field(min_length=1, max_length=50)] = Field(
        description="Networks that may open SSH (TCP 22) to the bastion. Required; the whole "
        "internet is refused. Used only with a `key_name`: a bastion without a key pair opens no port.",
    )
    instance_type: InstanceType = Field(
        "t3.micro", description="Bastion instance type. Default t3.micro: a jump box needs little."
    )
    key_name: KeyName | None = Field(
        None, description="EC2 key pair of the bastion. Default none: reach it through SSM (`access.ssm`, "
        "which it then needs), with no inbound port.",
    )


class Vpn(Strict):
    client_cidr: Cidr = Field(
        description="Addresses handed to VPN clients, /12 to /22; must not overlap the VPC."
    )
    server_certificate_arn: AcmArn = Field(
        description="ACM certificate of the VPN endpoint."
    )
    client_certificate_arn: AcmArn = Field(
        description="ACM certificate of the root CA that signs client certificates (mutual TLS)."
    )


class Access(Strict):
    ssm: bool = Field(
        True,
        description="SSM Session Manager on hosts and bastion: a shell with no inbound port. Default on.",
    )
    bastion: Bastion | None = Field(None, description="SSH jump box in a public subnet. Default none.")
    vpn: Vpn | None = Field(None, description="AWS Client VPN endpoint into the VPC. Default none.")
