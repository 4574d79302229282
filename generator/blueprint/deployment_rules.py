"""Rules across the keys of a service's `deployment` (issue 21), which cfn-lint does not check: keys that
belong to another strategy, what a traffic-shifting strategy needs of the service, the test listener's
port, the sizes ECS accepts and CloudFormation's time limit. Each gives a located error; rules.py lists them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from generator.blueprint.deployment import SHIFTING, Deployment
from generator.blueprint.errors import KeyPath
from generator.blueprint.model import Blueprint

Problem = tuple[KeyPath, str]
# Which strategy each strategy-bound key belongs to (test_port: any traffic-shifting one).
OWN_KEYS = {"canary_percent": ("canary",), "canary_minutes": ("canary",), "step_percent": ("linear",),
            "step_minutes": ("linear",), "test_port": SHIFTING}
LISTENER_PORTS = (80, 443)  # the production listeners' ports (443 with `https`, 80 always or to redirect)
# CloudFormation refuses a linear or canary deployment it computes to take longer than 33 hours (its
# handler times out at 36): BakeTimeInMinutes plus the canary's, or plus each linear step's, bake time.
CLOUDFORMATION_MINUTES = 33 * 60


def deployment_keys_fit_strategy(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        deployment = service.deployment
        for key, strategies in OWN_KEYS.items():
            if getattr(deployment, key) is not None and deployment.strategy not in strategies:
                owners = " or ".join(strategies) if len(strategies) == 1 else "a traffic-shifting strategy " \
                    f"({', '.join(strategies)})"
                yield ("services", name, "deployment", key), (
                    f"belongs to {owners}, not to `strategy: {deployment.strategy}`")


def shifting_needs_load_balancer(blueprint: Blueprint) -> Iterator[Problem]:
    """Traffic shifting moves a load balancer's traffic between two target groups of awsvpc tasks."""
    for name, service in blueprint.services.items():
        deployment = service.deployment
        path: KeyPath = ("services", name, "deployment")
        if deployment.shifts_traffic and not service.has_load_balancer:
            yield (*path, "strategy"), (
                f"{deployment.strategy} moves a load balancer's traffic, and a worker (`expose: none`) has none; "
                "use `strategy: rolling`")
        elif deployment.shifts_traffic and service.resolved_network_mode(blueprint.cluster) == "bridge":
            yield (*path, "strategy"), (
                f"{deployment.strategy} needs tasks with their own network interface (ip target groups, the "
                "setup AWS documents for ECS traffic shifting); this service's tasks use bridge networking: use "
                "`cluster.instances.network_mode: awsvpc` (the default) or `launch_type: fargate`")
        if deployment.shifts_traffic and service.scaling and service.scaling.requests_per_target is not None:
            yield ("services", name, "scaling", "requests_per_target"), (
                f"counts requests per task of the first target group, which a {deployment.strategy} deployment "
                "empties when it moves the traffic to the other one; scale on cpu_percent or memory_percent")
        if deployment.alarms and not service.has_load_balancer:
            yield (*path, "alarms"), (
                "the alarms watch the service's load balancer, and a worker (`expose: none`) has none; leave "
                "`alarms` out")


def free_test_port(blueprint: Blueprint) -> Iterator[Problem]:
    for name, service in blueprint.services.items():
        port = service.deployment.test_port
        if port in LISTENER_PORTS:
            yield ("services", name, "deployment", "test_port"), (
                f"{port} is a production listener's port (80, and 443 with `https`); the test listener needs a "
                "port of its own, such as 8443")


def shift_sizes(blueprint: Blueprint) -> Iterator[Problem]:
    """ECS takes percentages in steps of 0.1, and CloudFormation deployments of at most 33 hours."""
    for name, service in blueprint.services.items():
        deployment = service.deployment
        path: KeyPath = ("services", name, "deployment")
        for key in ("canary_percent", "step_percent"):
            value = getattr(deployment, key)
            if value is not None and not math.isclose(value * 10, round(value * 10), abs_tol=1e-9):
                yield (*path, key), f"{value:g} is not a multiple of 0.1; ECS takes percentages such as 2.5"
            elif value is not None and not _lint_verifies(value):
                low = 30 if key == "step_percent" else 1  # the bounds, in tenths: step 3-100, canary 0.1-100
                near = [f"{tenths / 10:g}" for tenths in range(max(low, round(value * 10) - 5),
                                                                min(1000, round(value * 10) + 5) + 1)
                        if _lint_verifies(tenths / 10)][:4]
                yield (*path, key), (
                    f"{value:g}: cfn-lint checks the template's multiple of 0.1 in floating point, where "
                    f"{value:g} / 0.1 is not whole, and fails it (E3002); use a percentage it verifies, such as "
                    f"{', '.join(near)}")
        minutes, at = _duration(deployment)
        if minutes > CLOUDFORMATION_MINUTES:
            yield (*path, at), (
                f"the deployment would take {minutes:,} minutes (bake_minutes plus {_what(deployment)}); "
                f"CloudFormation refuses a deployment it computes at over {CLOUDFORMATION_MINUTES:,} minutes (33 "
                "hours): shorten the bake or the steps")


def _lint_verifies(value: float) -> bool:
    """cfn-lint 1.x's `multipleOf` with a float divisor (cfnlint/jsonschema/_keywords.py): the quotient must be
    whole in floating point, which 348 of the 1,000 tenths from 0.1 to 100 are not (0.3, 68.8, ...)."""
    quotient = value / 0.1
    return int(quotient) == quotient


def _duration(deployment: Deployment) -> tuple[int, str]:
    """CloudFormation's reckoning of a linear or canary deployment's minutes, and the key to shorten first."""
    bake = deployment.resolved_bake_minutes or 0
    shape = deployment.resolved_shape
    if deployment.strategy == "canary":
        return bake + shape["canary_minutes"], "canary_minutes"
    if deployment.strategy == "linear":
        percent = shape["step_percent"]
        whole = 100 / percent
        steps = round(whole) - 1 if math.isclose(whole, round(whole)) else math.floor(whole)
        return bake + shape["step_minutes"] * steps, "step_minutes"
    return 0, "bake_minutes"


def _what(deployment: Deployment) -> str:
    return "canary_minutes" if deployment.strategy == "canary" else "step_minutes at each step"


DEPLOYMENT_RULES = (deployment_keys_fit_strategy, shifting_needs_load_balancer, free_test_port, shift_sizes)
