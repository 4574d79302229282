"""The `logs` block: how long the application's logs are kept (every CloudWatch Logs group the stacks make,
and the load balancers' access-log objects)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from generator.blueprint.strict import Strict
from generator.cfn.resource_schema import allowed_values

# The retention periods CloudWatch Logs accepts, from CloudFormation's own schema (cfn-lint's copy).
RETENTION_DAYS: tuple[int, ...] = allowed_values("AWS::Logs::LogGroup", "RetentionInDays")
DEFAULT_RETENTION_DAYS = 365  # a year, as AWS Security Hub's control CloudWatch.16 asks



def _offered(days: int) -> int:
    # Not a Literal: pydantic matches a Literal by equality, and YAML's `true` equals 1.
    if days not in RETENTION_DAYS:
        raise ValueError(f"{days} days is not a period CloudWatch Logs offers; one of "
                         f"{', '.join(map(str, RETENTION_DAYS))}")
    return days


RetentionDays = Annotated[int, AfterValidator(_offered), Field(json_schema_extra={"enum": list(RETENTION_DAYS)})]


class Logs(Strict):
    retention_days: RetentionDays = Field(
        DEFAULT_RETENTION_DAYS,
        description=f"Days to keep logs: every log group (tasks, VPC flow logs, Client VPN) and the load "
        f"balancers' access-log objects. One of the periods CloudWatch Logs offers: "
        f"{', '.join(map(str, RETENTION_DAYS))}. Default {DEFAULT_RETENTION_DAYS}: a year, as AWS Security "
        "Hub's control CloudWatch.16 asks; a dev environment may keep far less.",
    )
