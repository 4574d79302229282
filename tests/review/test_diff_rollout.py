"""`blueprint diff` and `blueprint explain` on services that shift traffic (issue 21): a new image under
blue-green, linear or canary is said to be shifted, not replaced in place, with the strategy; a rolling
service still rolls; `explain` prints the deployment defaults each service resolves to."""

from __future__ import annotations

import pytest

from generator.review.diff import diff_apps
from generator.review.diff.model import IN_PLACE, INTERRUPTION
from generator.review.diff.report import as_markdown
from generator.review.explain import as_text, defaults

from .helpers import apps, edit, load

ROLLOUT = """\
name: shop
cluster: {fargate: true}
services:
  api:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    expose: public
    deployment: {strategy: STRATEGY}
  worker:
    image: public.ecr.aws/nginx/nginx:1.27
"""


def changes_of(text: str, new_text: str, stack: str) -> dict[str, list[tuple[str, str]]]:
    found = diff_apps(apps(text), apps(new_text))
    [app] = found.apps
    [service] = [s for s in app.stacks if s.file == stack]
    return {resource.logical_id: [(change.effect, change.reason) for change in resource.changes]
            for resource in service.resources}


@pytest.mark.parametrize("strategy, words", [("blue-green", "BLUE_GREEN"), ("linear", "LINEAR"),
                                             ("canary", "CANARY")])
def test_a_new_image_under_a_shifting_strategy_is_shifted_not_replaced(strategy: str, words: str) -> None:
    text = ROLLOUT.replace("STRATEGY", strategy)
    new = edit(text, "nginx:1.27\n    port", "nginx:1.28\n    port")
    found = changes_of(text, new, "service-api.yaml")
    for logical_id in ("TaskDefinition", "Service"):
        [(effect, reason)] = found[logical_id]
        assert effect == IN_PLACE
        assert f"shifted ({words}), not replaced in place" in reason and "old tasks keep running" in reason


def test_a_rolling_service_still_rolls() -> None:
    text = ROLLOUT.replace("STRATEGY", "rolling")
    new = edit(text, "nginx:1.27\n    port", "nginx:1.28\n    port")
    found = changes_of(text, new, "service-api.yaml")
    [(effect, reason)] = found["Service"]
    assert effect == INTERRUPTION and "shifted" not in reason


def test_changing_the_strategy_shows_in_the_report() -> None:
    text = ROLLOUT.replace("STRATEGY", "rolling")
    report = as_markdown(diff_apps(apps(text), apps(ROLLOUT.replace("STRATEGY", "canary"))))
    assert "AlternateTargetGroup" in report and "TrafficShiftingRole" in report and "TestListener" in report


def test_explain_prints_the_deployment_defaults() -> None:
    blueprint = load(ROLLOUT.replace("STRATEGY", "canary"))
    found = {d.path: d for d in defaults(blueprint)}
    assert found["services.api.deployment.bake_minutes"].value == 15
    assert found["services.api.deployment.canary_percent"].value == 5.0
    assert found["services.api.deployment.test_port"].value == 8080
    assert found["services.api.deployment.alarms"].value is True
    assert found["services.worker.deployment.strategy"].value == "rolling"
    assert found["services.worker.deployment.alarms"].value is False
    assert "services.api.deployment.canary_percent = 5.0  (resolved)" in as_text(blueprint, "shop.yaml")
