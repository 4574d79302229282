"""The typed blueprint model, format 1 (SPEC section 2).

Each field documents its default and why; the descriptions flow into `blueprint schema` and the docs.
Rules that involve more than one field live in `rules.py`, where errors can point at the right line.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from generator.blueprint import existing_network
from generator.blueprint.deployment import DEPLOYMENT_DESCRIPTION, Deployment
from generator.blueprint.domain import DOMAIN_DESCRIPTION, Domain, generated_certificate_in_words
from generator.blueprint.existing_network import (
    PRIVATE_SUBNETS_DESCRIPTION,
    PUBLIC_SUBNETS_DESCRIPTION,
    VPC_ID_DESCRIPTION,
    SubnetIds,
    VpcId,
)
from generator.blueprint.messaging import (
    BACKLOG_DESCRIPTION,
    MAX_TOPICS,
    PUBLISHES_DESCRIPTION,
    QUEUE_DESCRIPTION,
    Queue,
    TopicName,
)
from generator.blueprint.permissions import PERMISSIONS_DESCRIPTION, Permission
from generator.blueprint.strict import Strict
from generator.blueprint.traffic import EGRESS_DESCRIPTION, REACHABLE_FROM_DESCRIPTION, Egress, ReachSource
from generator.blueprint.types import (
    AcmArn,
    Ami,
    AzName,
    Cidr,
    Endpoint,
    EnvName,
    HealthPath,
    Image,
    InstanceType,
    KeyName,
    KmsKeyArn,
    Name,
    PrincipalArn,
    RoleName,
    SecretArn,
    SourceCidr,
    SshCidr,
    TagKey,
    TagValue,
    TlsPolicy,
)
from generator.cfn.descriptions import MAX_DESCRIPTION_BYTES, description_room


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
    ami: Ami = Field(
        "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
        description="SSM parameter name of the AMI, or a fixed ami-id. Default: the current "
        "ECS-optimized Amazon Linux 2023 AMI, resolved at deploy time.",
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


class Scaling(Strict):
    min: Annotated[int, Field(ge=0, le=1000)] = Field(description="Fewest tasks.")
    max: Annotated[int, Field(ge=1, le=1000)] = Field(description="Most tasks.")
    cpu_percent: Annotated[int, Field(ge=1, le=100)] | None = Field(
        None, description="Target average CPU utilisation, percent."
    )
    memory_percent: Annotated[int, Field(ge=1, le=100)] | None = Field(
        None, description="Target average memory utilisation, percent."
    )
    requests_per_target: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None, description="Target ALB requests per task per minute (services with a load balancer)."
    )
    backlog_per_task: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None, description=BACKLOG_DESCRIPTION,
    )


class HealthCheck(Strict):
    path: HealthPath = Field(
        "/", description="HTTP path the load balancer checks. Default /."
    )
    grace_seconds: Annotated[int, Field(ge=0, le=2_147_483_647)] = Field(
        60, description="Seconds after a task starts before failed checks count. Default 60."
    )


class Https(Strict):
    certificate_arn: AcmArn | None = Field(
        None, description="ACM certificate for the HTTPS listener. Required without a `domain`; with one, "
        "default: a certificate the stack requests from ACM for the domain, validated through its zone.",
    )
    ssl_policy: TlsPolicy = Field(
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        description="TLS policy of the HTTPS listener; TLS 1.2 or newer only. Default "
        "ELBSecurityPolicy-TLS13-1-2-2021-06, AWS's recommended policy.",
    )

    def resolved_defaults(self, blueprint: Blueprint) -> dict[str, Any]:
        owner = next((s for s in blueprint.services.values() if s.https is self), None)
        if self.certificate_arn is None and owner is not None and owner.domain is not None:
            return {"certificate_arn": generated_certificate_in_words(owner.domain)}
        return {}


class Service(Strict):
    image: Image = Field(description="Container image. Required.")
    port: Annotated[int, Field(ge=1, le=65535)] | None = Field(
        None, description="Container port. Required unless `expose` is none."
    )
    expose: Literal["public", "internal", "none"] | None = Field(
        None,
        description="public: internet-facing ALB; internal: ALB inside the VPC; none: no load balancer "
        "(a worker). Default: internal when `port` is set, else none. Nothing is public by accident.",
    )
    launch_type: Literal["ec2", "fargate"] | None = Field(
        None, description="Where tasks run. Default: ec2 when `cluster.instances` exists, else fargate."
    )
    cpu: Annotated[int, Field(ge=128, le=16384)] = Field(256, description="CPU units (1024 = 1 vCPU). Default 256.")
    memory: Annotated[int, Field(ge=128, le=122880)] = Field(
        512, description="Memory in MiB; Fargate accepts only its published cpu/memory pairs. Default 512."
    )
    count: Annotated[int, Field(ge=0, le=1000)] | None = Field(
        None,
        description="Desired tasks. Default 2 (one per AZ survives an outage), or `scaling.min` "
        "when scaling is set.",
    )
    scaling: Scaling | None = Field(None, description="Target-tracking autoscaling. Default none.")
    health_check: HealthCheck | None = Field(
        None, description="Load balancer health check. Default path / with a 60 s grace period."
    )
    https: Https | None = Field(
        None, description="HTTPS listener on 443, with HTTP 80 redirecting to it (public services). Default: "
        "HTTP 80 only, or HTTPS with a certificate the stack requests when the service has a `domain`.",
    )
    domain: Domain | None = Field(None, description=DOMAIN_DESCRIPTION)
    allowed_cidrs: Annotated[list[SourceCidr], Field(min_length=1, max_length=50)] | None = Field(
        None,
        description="Who may reach a public ALB. Default [0.0.0.0/0]: a public service is for everyone. "
        "Only for `expose: public`.",
    )
    environment: dict[EnvName, str] = Field(
        default_factory=dict,
        description="Environment variables. Every value is text kept exactly as written, with no YAML "
        "conversion: `010` is \"010\", `yes` is \"yes\", `1:20` is \"1:20\", `2024-01-01` is \"2024-01-01\", "
        "`~` is \"~\" and an empty value is \"\"; quotes are needed only where YAML's syntax needs them.",
    )
    secrets: dict[EnvName, SecretArn] = Field(
        default_factory=dict,
        description="Environment variables read at start from Secrets Manager or SSM parameter ARNs; "
        "the execution role may read exactly these.",
    )
    command: Annotated[list[str], Field(min_length=1)] | None = Field(
        None, description="Command overriding the image's. Default: the image's own."
    )
    talks_to: list[Name] = Field(
        default_factory=list,
        description="Internal services this one may call through their ALB; the container gets each callee's URL "
        "as `<CALLEE>_URL` (`images` -> `IMAGES_URL`, `image-store` -> `IMAGE_STORE_URL`): "
        "`http://LOAD-BALANCER-DNS:80`, `https://LOAD-BALANCER-DNS:443` when the callee has `https`, or "
        "`https://DOMAIN` when it has a `domain`. Default none.",
    )
    secrets_kms_key: KmsKeyArn | None = Field(
        None, description="The customer managed KMS key the service's `secrets` are encrypted with: the execution "
        "role (only) may kms:Decrypt with it. Default none: secrets under AWS managed keys need no grant.",
    )
    permissions: list[Permission] = Field(default_factory=list, description=PERMISSIONS_DESCRIPTION)
    egress: list[Egress] = Field(default_factory=list, description=EGRESS_DESCRIPTION)
    reachable_from: list[ReachSource] = Field(default_factory=list, description=REACHABLE_FROM_DESCRIPTION)
    publishes: Annotated[list[TopicName], Field(max_length=MAX_TOPICS)] = Field(
        default_factory=list, description=PUBLISHES_DESCRIPTION)
    queue: Queue | None = Field(None, description=QUEUE_DESCRIPTION)
    exec: bool = Field(
        False,
        description="ECS Exec: shell into containers through SSM, no inbound port. Default off.",
    )
    deployment: Deployment = Field(default_factory=Deployment, description=DEPLOYMENT_DESCRIPTION)
    readonly_root_filesystem: bool = Field(
        False,
        description="Mount the container's root filesystem read-only, so a compromised process cannot "
        "change the image's files (AWS Control Tower's proactive ECS controls ask for it). Default off: "
        "most images write somewhere (caches, pid files, /tmp) and would fail to start.",
    )

    @property
    def resolved_expose(self) -> str:
        if self.expose is not None:
            return self.expose
        return "internal" if self.port is not None else "none"

    @property
    def has_load_balancer(self) -> bool:
        return self.resolved_expose != "none"

    @property
    def serves_https(self) -> bool:
        """HTTPS on 443: a certificate named, or one the stack requests for the domain."""
        return self.https is not None or self.domain is not None

    @property
    def resolved_https(self) -> Https | None:
        return self.https or (Https() if self.domain is not None else None)

    @property
    def callee_variables(self) -> dict[str, str]:
        """The environment variable each callee's URL arrives in, by callee."""
        return {callee: callee_variable(callee) for callee in self.talks_to}

    @property
    def resolved_count(self) -> int:
        if self.count is not None:
            return self.count
        return self.scaling.min if self.scaling else 2

    @property
    def resolved_allowed_cidrs(self) -> list[str]:
        return list(self.allowed_cidrs) if self.allowed_cidrs else ["0.0.0.0/0"]

    @property
    def resolved_health_check(self) -> HealthCheck:
        return self.health_check or HealthCheck()

    def resolved_launch_type(self, cluster: Cluster) -> str:
        """ec2 or fargate: the service's own choice, else ec2 when the cluster has hosts."""
        if self.launch_type is not None:
            return self.launch_type
        return "ec2" if cluster.instances is not None else "fargate"

    def resolved_network_mode(self, cluster: Cluster) -> str:
        """awsvpc (Fargate, and EC2 hosts by default: a task group of its own) or bridge (EC2 opt-in)."""
        if self.resolved_launch_type(cluster) == "fargate" or cluster.instances is None:
            return "awsvpc"
        return cluster.instances.network_mode

    def resolved_defaults(self, blueprint: Blueprint) -> dict[str, Any]:
        resolved: dict[str, Any] = {
            "expose": self.resolved_expose,
            "launch_type": self.resolved_launch_type(blueprint.cluster),
            "count": self.resolved_count,
        }
        if self.resolved_expose == "public":  # only a public service takes allowed_cidrs
            resolved["allowed_cidrs"] = self.resolved_allowed_cidrs
        if self.has_load_balancer:  # a worker has no health check to default
            resolved["health_check"] = self.resolved_health_check
        if self.https is None and self.domain is not None:  # a domain implies HTTPS
            resolved["https"] = {**Https().model_dump(), "certificate_arn": generated_certificate_in_words(self.domain)}
        return resolved


def callee_variable(callee: str) -> str:
    """`images` -> IMAGES_URL: the environment variable a caller finds its callee by."""
    return callee.upper().replace("-", "_") + "_URL"


class Catalog(Strict):
    portfolio: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="Display name of the Service Catalog portfolio."
    )
    owner: Annotated[str, Field(min_length=1, max_length=50)] = Field(
        description="Owner shown on the portfolio and its products."
    )
    principals: list[PrincipalArn] = Field(
        default_factory=list,
        description="IAM roles, users or groups that may launch the products. Default none.",
    )
    local_role_name: RoleName | None = Field(
        None,
        description="Name of an existing launch role in each account (LocalRoleName). Default: a "
        "least-privilege launch role generated from the templates.",
    )


class Blueprint(Strict):
    name: Name = Field(
        description="Application name: 1-32 of a-z, 0-9 and '-', starting with a letter. Names the "
        "output directory and template descriptions. Required.",
    )
    description: str | None = Field(
        None,
        description="What the application is, shown on the root stack, whose Description reads `NAME: "
        "DESCRIPTION. Generated from blueprint 'NAME'; do not edit.` within CloudFormation's "
        f"{MAX_DESCRIPTION_BYTES:,} bytes: so at most {description_room(''):,} bytes less twice the length of "
        f"`name` ({description_room('photos'):,} bytes for `photos`). Optional.",
    )
    tags: Annotated[dict[TagKey, TagValue], Field(max_length=40)] = Field(
        default_factory=dict,
        description="Tags applied to every taggable resource and stack. Values must not be empty: some "
        "resources (ECS capacity providers, Service Catalog products) refuse an empty tag value.",
    )
    network: Network = Field(default_factory=Network, description="The VPC. All keys optional.")
    cluster: Cluster = Field(default_factory=Cluster, description="The ECS cluster. All keys optional.")
    access: Access = Field(default_factory=Access, description="How operators reach private hosts.")
    services: Annotated[dict[Name, Service], Field(min_length=1, max_length=200)] = Field(
        description="The application's services, by name. At least one."
    )
    catalog: Catalog | None = Field(
        None, description="Emit a Service Catalog portfolio (catalog.yaml). Default none."
    )

    def launch_type(self, service_name: str) -> str:
        """ec2 or fargate: the service's own choice, else ec2 when the cluster has hosts."""
        return self.services[service_name].resolved_launch_type(self.cluster)

    @property
    def az_count(self) -> int:
        if self.network.private_subnets is not None:  # an existing VPC: one private subnet per zone
            return len(self.network.private_subnets)
        zones = self.network.availability_zones
        return zones if isinstance(zones, int) else len(zones)


# Task sizes Fargate accepts: CPU units -> allowed memory in MiB.
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}
