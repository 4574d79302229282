"""A service's `deployment` block (issue 21): how ECS rolls a new task definition out, and what rolls it back.

`rolling` replaces tasks a few at a time (ECS's default). The traffic-shifting strategies (`blue-green`,
`linear`, `canary`) start the new revision beside the old one behind a second target group and move the
load balancer's traffic to it, keeping the old tasks until the bake time ends. Every strategy rolls back on
the circuit breaker and, with `alarms`, on the service's load balancer alarms. Which keys belong to which
strategy, and what a strategy needs of the service, are checked in deployment_rules.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from generator.blueprint.strict import Strict

if TYPE_CHECKING:
    from generator.blueprint.model import Blueprint, Service

ROLLING = "rolling"
SHIFTING = ("blue-green", "linear", "canary")  # the strategies that move traffic between two target groups
# What CloudFormation's AWS::ECS::Service calls each strategy.
STRATEGIES = {"rolling": "ROLLING", "blue-green": "BLUE_GREEN", "linear": "LINEAR", "canary": "CANARY"}
# ECS's own defaults (AWS::ECS::Service DeploymentConfiguration), written into the templates so a reviewer
# sees them: 15 minutes of bake for a shifting strategy; canary 5 % for 10 minutes; linear 10 % steps of 6.
SHIFTING_BAKE_MINUTES = 15
CANARY_PERCENT, CANARY_MINUTES = 5.0, 10
STEP_PERCENT, STEP_MINUTES = 10.0, 6
TEST_PORT_HTTPS, TEST_PORT_HTTP = 8443, 8080
DEPLOYMENT_DESCRIPTION = (
    "How ECS rolls out a new task definition, and what rolls it back (docs/deployments.md). Default: a rolling "
    "update with the circuit breaker and, for a service with a load balancer, rollback on its alarms."
)

Minutes = Annotated[int, Field(ge=0, le=1440)]


class Deployment(Strict):
    strategy: Literal["rolling", "blue-green", "linear", "canary"] = Field(
        ROLLING,
        description="rolling: ECS replaces the tasks a few at a time (at least all of `count` keep running). "
        "blue-green: the new revision starts beside the old one behind a second target group, gets the test "
        "listener's traffic, then all production traffic at once. linear: production traffic moves in equal "
        "steps (`step_percent` every `step_minutes`). canary: `canary_percent` of the traffic for "
        "`canary_minutes`, then the rest. The shifting strategies keep the old tasks until `bake_minutes` "
        "have passed, so a rollback is a switch back, not a redeploy; they need a load balancer and tasks "
        "with their own network interface (awsvpc). Default rolling: no second set of tasks to pay for.",
    )
    bake_minutes: Minutes | None = Field(
        None,
        description="Minutes both revisions keep running after all production traffic has moved, before the "
        "old tasks stop and the deployment completes (0-1440): an alarm in this time still rolls back at once. "
        f"Default: {SHIFTING_BAKE_MINUTES} for the shifting strategies (ECS's default), none for rolling "
        "(the deployment completes when the new tasks are steady).",
    )
    canary_percent: Annotated[float, Field(ge=0.1, le=100)] | None = Field(
        None,
        description="canary only: percent of production traffic the new revision gets first, 0.1-100 in "
        f"steps of 0.1. Default {CANARY_PERCENT:g} (ECS's default).",
    )
    canary_minutes: Minutes | None = Field(
        None,
        description="canary only: minutes the canary share runs before the rest of the traffic moves (0-1440). "
        f"Default {CANARY_MINUTES} (ECS's default).",
    )
    step_percent: Annotated[float, Field(ge=3, le=100)] | None = Field(
        None,
        description="linear only: percent of production traffic moved at each step, 3-100 in steps of 0.1. "
        f"Default {STEP_PERCENT:g} (ECS's default).",
    )
    step_minutes: Minutes | None = Field(
        None,
        description=f"linear only: minutes between steps (0-1440). Default {STEP_MINUTES} (ECS's default).",
    )
    test_port: Annotated[int, Field(ge=1, le=65535)] | None = Field(
        None,
        description="Shifting strategies only: the load balancer port of the test listener, which sends "
        "its traffic to the new revision before production traffic moves. Not 80 or 443. It admits only the "
        "networks the service already names, never the internet: a public service's `allowed_cidrs` short of "
        "/8 or wider (none with the default 0.0.0.0/0), an internal service's `reachable_from`; callers "
        f"(`talks_to`) use production only. Default {TEST_PORT_HTTPS} with `https` or a `domain` (HTTPS, the same "
        f"certificate), else {TEST_PORT_HTTP}.",
    )
    alarms: bool | None = Field(
        None,
        description="Roll a deployment back when one of the service's load balancer alarms fires during it "
        "(DeploymentConfiguration.Alarms, beside the circuit breaker): the 5xx rate of its targets above 5 % "
        "with at least 20 requests a minute, or an unhealthy target, each for 3 minutes in a row. Default: "
        "true for a service with a load balancer; a worker has no load balancer alarms to watch.",
    )

    @property
    def shifts_traffic(self) -> bool:
        return self.strategy in SHIFTING

    def resolved_defaults(self, blueprint: Blueprint) -> dict[str, Any]:
        service = next((s for s in blueprint.services.values() if s.deployment is self), None)
        if service is None:
            return {}
        resolved: dict[str, Any] = {"alarms": self.resolved_alarms(service)}
        if self.shifts_traffic:  # a rolling update's bake and sizes are plain defaults (none)
            shape = {key: value for key, value in self.resolved_shape.items() if value is not None}
            resolved |= {"bake_minutes": self.resolved_bake_minutes, "test_port": self.resolved_test_port(service),
                         **shape}
        return resolved

    @property
    def resolved_bake_minutes(self) -> int | None:
        if self.bake_minutes is not None:
            return self.bake_minutes
        return SHIFTING_BAKE_MINUTES if self.shifts_traffic else None

    @property
    def resolved_shape(self) -> dict[str, Any]:
        """The canary's or the linear steps' sizes, as the template gives them (none for other strategies)."""
        canary, linear = self.strategy == "canary", self.strategy == "linear"
        return {
            "canary_percent": _given(self.canary_percent, CANARY_PERCENT, canary),
            "canary_minutes": _given(self.canary_minutes, CANARY_MINUTES, canary),
            "step_percent": _given(self.step_percent, STEP_PERCENT, linear),
            "step_minutes": _given(self.step_minutes, STEP_MINUTES, linear),
        }

    def resolved_test_port(self, service: Service) -> int | None:
        if not self.shifts_traffic:
            return None
        if self.test_port is not None:
            return self.test_port
        return TEST_PORT_HTTPS if service.serves_https else TEST_PORT_HTTP  # `https`, or a `domain`

    def resolved_alarms(self, service: Service) -> bool:
        return self.alarms if self.alarms is not None else service.has_load_balancer


def _given(value: Any, default: Any, applies: bool) -> Any:
    if not applies:
        return None
    return value if value is not None else default
