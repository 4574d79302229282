"""The typed blueprint model, format 1 (SPEC section 2).

Each field documents its default and why; the descriptions flow into `blueprint schema` and the docs.
Rules that involve more than one field live in `rules.py`, where errors can point at the right line.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr

from generator.blueprint.capacity import (
    ARCHITECTURE_DESCRIPTION,
    SERVICE_SPOT_DESCRIPTION,
    Architecture,
    task_architecture,
)
from generator.blueprint.deployment import DEPLOYMENT_DESCRIPTION, Deployment
from generator.blueprint.domain import DOMAIN_DESCRIPTION, Domain, generated_certificate_in_words
from generator.blueprint.environment import ENVIRONMENTS_DESCRIPTION, Environment, Target
from generator.blueprint.infrastructure import Access, Cluster, Network
from generator.blueprint.jobs import JOBS_DESCRIPTION, Job
from generator.blueprint.logs import Logs
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
    EnvName,
    HealthPath,
    Image,
    KmsKeyArn,
    Name,
    PrincipalArn,
    RoleName,
    SecretArn,
    SourceCidr,
    TagKey,
    TagValue,
    TlsPolicy,
)
from generator.cfn.descriptions import MAX_DESCRIPTION_BYTES, description_room


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
    spot: Annotated[int, Field(ge=0, le=100)] = Field(0, description=SERVICE_SPOT_DESCRIPTION)
    architecture: Architecture | None = Field(
        None, description=ARCHITECTURE_DESCRIPTION + " Fargate only: on EC2 the hosts' architecture decides.",
    )
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

    def resolved_architecture(self, cluster: Cluster) -> str:
        hosts = cluster.instances.architecture if cluster.instances is not None else None
        return task_architecture(self.architecture, self.resolved_launch_type(cluster), hosts)

    def resolved_defaults(self, blueprint: Blueprint) -> dict[str, Any]:
        resolved: dict[str, Any] = {
            "expose": self.resolved_expose,
            "launch_type": self.resolved_launch_type(blueprint.cluster),
            "count": self.resolved_count,
            "architecture": self.resolved_architecture(blueprint.cluster),
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
        description="Name of an existing launch role in each account (LocalRoleName), used by every product. "
        "Default: a least-privilege launch role per product generated from the templates, passing only its roles.",
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
    jobs: Annotated[dict[Name, Job], Field(max_length=100)] = Field(default_factory=dict, description=JOBS_DESCRIPTION)
    catalog: Catalog | None = Field(
        None, description="Emit a Service Catalog portfolio (catalog.yaml). Default none."
    )
    environments: Annotated[dict[Name, Environment], Field(min_length=1, max_length=20)] = Field(
        default_factory=dict, description=ENVIRONMENTS_DESCRIPTION
    )
    # Set by the loader (environments.py): on an environment's merged blueprint, which one it is; on a
    # blueprint with environments, each one's merged and validated blueprint.
    _environment: Target | None = PrivateAttr(None)
    _environment_blueprints: dict[str, Blueprint] = PrivateAttr(default_factory=dict)

    @property
    def environment(self) -> Target | None:
        """The environment this blueprint is the merged blueprint of, or None."""
        return self._environment

    @property
    def output_name(self) -> str:
        """Its output directory's name: `photos`, or `photos-dev` for environment dev."""
        return self.name if self._environment is None else f"{self.name}-{self._environment.name}"

    def described(self, what: str) -> str:
        """`what` as the root stack's Description says it: naming the environment, if any."""
        return what if self._environment is None else self._environment.describe(what)

    @property
    def targets(self) -> list[Blueprint]:
        """The blueprints this one builds: itself, or (with environments) each environment's, never itself (the
        loader makes those: a KeyError here means a blueprint validated without it)."""
        if not self.environments:
            return [self]
        return [self._environment_blueprints[name] for name in self.environments]
    logs: Logs = Field(default_factory=Logs, description="How long logs are kept. All keys optional.")

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
