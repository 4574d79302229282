"""Scheduled jobs (issue 20): `jobs.<name>`, a task EventBridge Scheduler starts on the cluster on a schedule.

Each job is its own stack (job-<name>.yaml): its task definition with an execution role and a task role as a
service has, its own egress-only security group, the schedule, and the role the scheduler assumes, which may
run exactly this task definition on this cluster and pass exactly its two roles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from generator.blueprint.capacity import ARCHITECTURE_DESCRIPTION, Architecture, task_architecture
from generator.blueprint.permissions import PERMISSIONS_DESCRIPTION, Permission
from generator.blueprint.schedules import check_schedule, check_timezone
from generator.blueprint.strict import Strict
from generator.blueprint.types import EnvName, Image, KmsKeyArn, SecretArn

if TYPE_CHECKING:
    from generator.blueprint.infrastructure import Cluster
    from generator.blueprint.model import Blueprint

Schedule = Annotated[str, AfterValidator(check_schedule)]
TimeZone = Annotated[str, AfterValidator(check_timezone)]

# The timer that ends a job at `timeout_minutes`: a second essential container that sleeps, so ECS stops the
# task when it exits. A pinned BusyBox from ECR Public (a few MB), independent of what the job's image holds.
TIMER_IMAGE = "public.ecr.aws/docker/library/busybox:1.36"
MAX_TIMEOUT_MINUTES = 7 * 24 * 60
MAX_RETRIES = 185  # Scheduler's RetryPolicy.MaximumRetryAttempts


class Job(Strict):
    image: Image = Field(description="Container image of the job. Required.")
    schedule: Schedule = Field(
        description="When the job runs, as EventBridge Scheduler reads it: `rate(VALUE UNIT)` (unit minute, hour "
        "or day; singular for 1: rate(1 hour), rate(6 hours)) or `cron(MINUTES HOURS DAY-OF-MONTH MONTH "
        "DAY-OF-WEEK YEAR)`: six fields, one of day-of-month and day-of-week `?` (cron(0 3 * * ? *): 03:00 every "
        "day; cron(0 8 ? * MON-FRI *): 08:00 on weekdays). Required.",
    )
    timezone: TimeZone = Field(
        "UTC", description="IANA time zone the cron expression is read in (Europe/Berlin), daylight saving "
        "included. Default UTC.",
    )
    launch_type: Literal["ec2", "fargate"] | None = Field(
        None, description="Where the job's task runs. Default: ec2 when `cluster.instances` exists, else fargate.",
    )
    architecture: Architecture | None = Field(
        None, description=ARCHITECTURE_DESCRIPTION + " Fargate only: on EC2 the hosts' architecture decides.",
    )
    cpu: Annotated[int, Field(ge=128, le=16384)] = Field(256, description="CPU units (1024 = 1 vCPU). Default 256.")
    memory: Annotated[int, Field(ge=128, le=122880)] = Field(
        512, description="Memory in MiB; Fargate accepts only its published cpu/memory pairs. Default 512.",
    )
    command: Annotated[list[str], Field(min_length=1)] | None = Field(
        None, description="Command overriding the image's. Default: the image's own.",
    )
    environment: dict[EnvName, str] = Field(
        default_factory=dict, description="Environment variables, text kept exactly as written (as a service's).",
    )
    secrets: dict[EnvName, SecretArn] = Field(
        default_factory=dict,
        description="Environment variables read at start from Secrets Manager or SSM parameter ARNs; the "
        "execution role may read exactly these.",
    )
    secrets_kms_key: KmsKeyArn | None = Field(
        None, description="The customer managed KMS key the job's `secrets` are encrypted with (as a service's). "
        "Default none.",
    )
    permissions: list[Permission] = Field(default_factory=list, description=PERMISSIONS_DESCRIPTION)
    timeout_minutes: Annotated[int, Field(ge=1, le=MAX_TIMEOUT_MINUTES)] | None = Field(
        None,
        description="Stop the job's task after this many minutes. ECS and Scheduler have no run-time limit of "
        "their own, so the task gets a second essential container, `NAME-timeout`, running `sleep` in a pinned "
        f"BusyBox image ({TIMER_IMAGE}): when it exits, ECS stops the task, the job's container gets SIGTERM "
        "and, 30 seconds later, SIGKILL, and the task's stopped reason says an essential container exited. "
        "Works whatever the job's image holds; the timer's image comes from ECR Public, so it needs NAT "
        "(refused with `network.nat_gateways: none`). Default none: the job runs until it exits.",
    )
    retries: Annotated[int, Field(ge=0, le=MAX_RETRIES)] = Field(
        0,
        description="How often Scheduler retries starting the task when ECS refuses to (RunTask fails: no "
        "capacity, throttling), 0-185, with back-off within 24 hours. Not a rerun of a task that started and "
        "exited with an error: ECS reports that to nobody. Default 0: a run that cannot start is skipped until "
        "the next one.",
    )

    def resolved_launch_type(self, cluster: Cluster) -> str:
        if self.launch_type is not None:
            return self.launch_type
        return "ec2" if cluster.instances is not None else "fargate"

    def resolved_architecture(self, cluster: Cluster) -> str:
        hosts = cluster.instances.architecture if cluster.instances is not None else None
        return task_architecture(self.architecture, self.resolved_launch_type(cluster), hosts)

    def resolved_defaults(self, blueprint: Blueprint) -> dict[str, Any]:
        return {"launch_type": self.resolved_launch_type(blueprint.cluster),
                "architecture": self.resolved_architecture(blueprint.cluster)}


JOBS_DESCRIPTION = (
    "Scheduled jobs, by name (the names of services and jobs are one namespace: each names a stack). Each job "
    "is its own stack, job-NAME.yaml: a task definition (execution and task roles as a service's), an "
    "EventBridge Scheduler schedule that runs it on the cluster in the private subnets with no public IP and "
    "its own security group (HTTPS out only, nothing in), and a role only Scheduler of this account may "
    "assume, which may run exactly this task definition (any revision of its family) on this cluster and pass "
    "exactly its two roles. Default none."
)
