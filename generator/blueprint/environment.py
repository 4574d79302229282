"""One environment of a blueprint (`environments.<name>`): where it deploys (its own keys `account` and
`region`) and an overlay of the blueprint's own keys, which environments.py merges and validates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import ConfigDict, Field

from generator.blueprint.annotations import Meaning
from generator.blueprint.strict import Strict

ACCOUNT_PATTERN = r"^[0-9]{12}$"
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$"

Account = Annotated[str, Field(pattern=ACCOUNT_PATTERN), Meaning("a 12-digit AWS account id")]
Region = Annotated[str, Field(pattern=REGION_PATTERN), Meaning("an AWS region name such as eu-west-1")]

OWN_KEYS = ("account", "region")  # the environment's own keys: not blueprint keys, never merged
NOT_OVERLAID = ("name", "environments")  # blueprint keys an overlay may not set

ENVIRONMENTS_DESCRIPTION = (
    "Named environments (dev, staging, prod), each built to `OUTPUT/<name>-<environment>/` (and only those: "
    "`deploy` and `publish` then need `--env`). An environment holds its own keys `account` and `region`, and "
    "any top-level key but `name` and `environments` as an overlay deep-merged over the blueprint's own: "
    "mappings merge key by key, a list or a value replaces the blueprint's, `null` removes the key (back to its "
    "default; `services: {worker: null}` leaves a service out), and a service the blueprint lacks is added. The "
    "merged blueprint is checked like any other, its errors at the overlay's lines. The blueprint's own keys "
    "must be a valid blueprint themselves: what every environment shares. See docs/environments.md. Default "
    "none: one application, `OUTPUT/<name>/`."
)


class Environment(Strict):
    """The keys an environment owns; every other key (checked once merged) is an overlay of the blueprint's."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    account: Account | None = Field(
        None,
        description="The AWS account this environment deploys to, 12 digits in quotes (`\"012345678901\"`: "
        "YAML reads an unquoted number as an integer, which loses leading zeros, so it is refused). "
        "`blueprint deploy --env` and `publish --env` refuse credentials of any other account. Default: any.",
    )
    region: Region | None = Field(
        None,
        description="The AWS region this environment deploys to: `deploy --env` and `publish --env` use it "
        "(a different `--region` is refused), and listed availability zones and ACM certificates must be in "
        "it. Default: the region of `--region`, AWS_REGION or the profile.",
    )


@dataclass(frozen=True)
class Target:
    """What the blueprint of one environment knows of it: its name and where it deploys."""

    name: str
    account: str | None = None
    region: str | None = None

    def describe(self, what: str) -> str:
        """The root stack's Description text names the environment: the console lists it."""
        return f"{what} (environment {self.name})"
