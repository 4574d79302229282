"""services.*.deployment (issue 21): each kind of refusal, located at the key to change, and the defaults a
blueprint that leaves keys out gets (as `blueprint explain` and the templates use them)."""

from __future__ import annotations

import pytest

from generator.blueprint import BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes

ACM = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def api(deployment: str, more: str = "port: 8080") -> str:
    return f"name: shop\nservices:\n  api: {{image: nginx, {more}, deployment: {{{deployment}}}}}\n"


def errors(text: str) -> list[str]:
    try:
        load_blueprint_bytes(text.encode(), "shop.yaml")
    except BlueprintErrors as found:
        return found.render().splitlines()
    return []


REFUSED = [
    ("canary-key-on-linear", api("strategy: linear, canary_percent: 10"), "deployment.canary_percent",
     "belongs to canary"),
    ("canary-minutes-on-blue-green", api("strategy: blue-green, canary_minutes: 3"), "deployment.canary_minutes",
     "belongs to canary"),
    ("step-key-on-canary", api("strategy: canary, step_minutes: 3"), "deployment.step_minutes", "belongs to linear"),
    ("step-percent-on-rolling", api("step_percent: 20"), "deployment.step_percent", "belongs to linear"),
    ("test-port-on-rolling", api("strategy: rolling, test_port: 8443"), "deployment.test_port",
     "a traffic-shifting strategy"),
    ("shifting-worker", "name: shop\nservices:\n  w: {image: nginx, deployment: {strategy: linear}}\n",
     "w.deployment.strategy", "a worker (`expose: none`) has none"),
    ("shifting-on-bridge", "name: shop\ncluster: {instances: {network_mode: bridge}}\nservices:\n"
     "  api: {image: nginx, port: 80, deployment: {strategy: canary}}\n", "deployment.strategy", "bridge networking"),
    ("shifting-with-request-scaling", api("strategy: blue-green",
                                          "port: 80, scaling: {min: 2, max: 3, requests_per_target: 100}"),
     "scaling.requests_per_target", "empties when it moves the traffic"),
    ("alarms-on-a-worker", "name: shop\nservices:\n  w: {image: nginx, deployment: {alarms: true}}\n",
     "w.deployment.alarms", "a worker"),
    ("test-port-80", api("strategy: canary, test_port: 80"), "deployment.test_port", "production listener's port"),
    ("test-port-443-without-https", api("strategy: linear, test_port: 443"), "deployment.test_port",
     "production listener's port"),
    ("canary-percent-not-tenths", api("strategy: canary, canary_percent: 12.34"), "deployment.canary_percent",
     "not a multiple of 0.1"),
    ("step-percent-not-tenths", api("strategy: linear, step_percent: 3.33"), "deployment.step_percent",
     "not a multiple of 0.1"),
    ("step-percent-below-3", api("strategy: linear, step_percent: 2"), "deployment.step_percent", "at least 3"),
    ("canary-percent-above-100", api("strategy: canary, canary_percent: 100.5"), "deployment.canary_percent",
     "at most 100"),
    ("bake-negative", api("strategy: canary, bake_minutes: -1"), "deployment.bake_minutes", "at least 0"),
    ("canary-over-33-hours", api("strategy: canary, bake_minutes: 1000, canary_minutes: 1000"),
     "deployment.canary_minutes", "2,000 minutes"),
    ("linear-over-33-hours", api("strategy: linear, step_percent: 3, step_minutes: 61"),
     "deployment.step_minutes", "2,028 minutes"),
    ("unknown-strategy", api("strategy: red-black"), "deployment.strategy", "red-black"),
    ("unknown-key", api("strategy: canary, canary_precent: 10"), "deployment.canary_precent", "canary_percent"),
]


@pytest.mark.parametrize("text, path, words", [row[1:] for row in REFUSED], ids=[row[0] for row in REFUSED])
def test_a_deployment_that_cannot_work_is_refused_at_its_key(text: str, path: str, words: str) -> None:
    found = errors(text)
    assert any(f": error: services.{'' if path.startswith('w.') else 'api.'}{path}: " in line and words in line
               for line in found), found
    assert all(line.startswith("shop.yaml:") for line in found)


ACCEPTED = [
    ("linear-steps-within-33-hours", api("strategy: linear, step_percent: 3, step_minutes: 60, bake_minutes: 0")),
    ("canary-at-the-limit", api("strategy: canary, bake_minutes: 990, canary_minutes: 990")),
    ("canary-a-tenth", api("strategy: canary, canary_percent: 0.1")),
    ("test-port-443-is-free-of-nothing-else", api("strategy: blue-green, test_port: 8080")),
    ("rolling-with-a-bake", api("bake_minutes: 30")),
    ("alarms-off-on-a-worker", "name: shop\nservices:\n  w: {image: nginx, deployment: {alarms: false}}\n"),
]


@pytest.mark.parametrize("text", [row[1] for row in ACCEPTED], ids=[row[0] for row in ACCEPTED])
def test_a_deployment_within_the_limits_loads(text: str) -> None:
    assert errors(text) == []


def test_the_defaults_follow_the_strategy_and_the_service() -> None:
    blueprint = load_blueprint_bytes(
        f"name: shop\nservices:\n  api: {{image: nginx, port: 80, https: {{certificate_arn: '{ACM}'}}, "
        "deployment: {strategy: canary}}\n  web: {image: nginx, port: 80, deployment: {strategy: linear}}\n"
        "  worker: {image: nginx}\n".encode(), "shop.yaml")
    api_, web, worker = (blueprint.services[name] for name in ("api", "web", "worker"))
    assert api_.deployment.resolved_defaults(blueprint) == {
        "bake_minutes": 15, "alarms": True, "test_port": 8443, "canary_percent": 5.0, "canary_minutes": 10}
    assert web.deployment.resolved_defaults(blueprint)["test_port"] == 8080
    assert web.deployment.resolved_shape == {"canary_percent": None, "canary_minutes": None, "step_percent": 10.0,
                                             "step_minutes": 6}
    assert worker.deployment.resolved_defaults(blueprint) == {"alarms": False}  # rolling: the rest are plain
