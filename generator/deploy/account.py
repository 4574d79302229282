"""Where an environment deploys: its `region` chosen for the session, its `account` checked against the
credentials' (STS GetCallerIdentity, which needs no permission), both before anything is uploaded or created."""

from __future__ import annotations

from generator.blueprint.environment import Target
from generator.deploy.aws import Aws, DeployError, aws_errors


def environment_region(environment: Target | None, region: str | None) -> str | None:
    """The region to connect to: --region, else the environment's. A --region other than the environment's
    is refused: deploying prod somewhere else than the blueprint says is a mistake, not an override."""
    if environment is None or environment.region is None:
        return region
    if region is not None and region != environment.region:
        raise DeployError(f"--region {region}: environment {environment.name} deploys to {environment.region} "
                          "(its `region`); leave --region out, or change the blueprint")
    return environment.region


def check_account(aws: Aws, environment: Target | None) -> None:
    """Refuse credentials of another account than the environment's `account`, if it names one."""
    if environment is None or environment.account is None:
        return
    with aws_errors(doing="asking STS which account the credentials are of"):
        actual = str(aws.client("sts").get_caller_identity()["Account"])
    if actual != environment.account:
        raise DeployError(f"environment {environment.name} deploys to account {environment.account}, but the "
                          f"credentials are of account {actual}; nothing was uploaded or created")
