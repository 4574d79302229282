"""`logs: {retention_days: N}`: every log group the stacks make and the access-log bucket's expiry keep the
blueprint's period; only the periods CloudWatch Logs offers are taken, and the default is a year."""

from __future__ import annotations

from typing import Any

import pytest
from shared import REPO, load

from generator.blueprint import BlueprintErrors
from generator.blueprint.logs import RETENTION_DAYS
from generator.cfn.render import to_data
from generator.stacks.application import build_templates

from .helpers import build, walk

STOREFRONT = (REPO / "blueprints" / "storefront.yaml").read_text(encoding="utf-8")
EXAMPLE = (REPO / "blueprints" / "example.yaml").read_text(encoding="utf-8")


def kept_for(text: str) -> dict[str, set[int]]:
    """Log group logical ID (and "AccessLogBucket") -> the retention periods found, over every template."""
    found: dict[str, set[int]] = {}
    for template in build(text).values():
        for logical_id, resource in (template.get("Resources") or {}).items():
            properties: dict[str, Any] = resource.get("Properties") or {}
            if resource["Type"] == "AWS::Logs::LogGroup":
                found.setdefault(logical_id, set()).add(properties["RetentionInDays"])
            if resource["Type"] == "AWS::S3::Bucket" and "LifecycleConfiguration" in properties:
                expiries = {rule["ExpirationInDays"] for rule in walk(properties["LifecycleConfiguration"])
                            if isinstance(rule, dict) and "ExpirationInDays" in rule}
                found.setdefault(logical_id, set()).update(expiries)
    return found


@pytest.mark.parametrize("text", [EXAMPLE, STOREFRONT], ids=["example", "storefront"])
@pytest.mark.parametrize("days", [None, 1, 30, 3653])
def test_every_log_group_and_the_access_logs_keep_the_blueprints_period(text: str, days: int | None) -> None:
    blueprint = text if days is None else f"{text}\nlogs: {{retention_days: {days}}}\n"
    found = kept_for(blueprint)
    # The flow logs, each service's tasks, the Client VPN (storefront) and the load balancers' access logs.
    assert {"FlowLogGroup", "LogGroup", "AccessLogBucket"} <= set(found)
    assert "VpnLogGroup" in found or "vpn" not in text
    assert set().union(*found.values()) == {365 if days is None else days}


def test_the_periods_are_cloudformations_own() -> None:
    """Read through cfn-lint itself: the model's list is its schema's, not a copy that could drift."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::Logs::LogGroup").schema
    assert tuple(schema["properties"]["RetentionInDays"]["enum"]) == RETENTION_DAYS
    assert 365 in RETENTION_DAYS


MINIMAL = "name: photos\nservices:\n  api: {image: nginx}\n"


@pytest.mark.parametrize("days", list(RETENTION_DAYS))
def test_every_period_cloudwatch_offers_is_taken(days: int) -> None:
    assert load(MINIMAL + f"logs: {{retention_days: {days}}}\n").logs.retention_days == days


@pytest.mark.parametrize(("value", "says"), [
    ("10", "10 days is not a period CloudWatch Logs offers; one of 1, 3, 5"),
    ("0", "0 days is not a period"),
    ("-7", "-7 days is not a period"),
    ("366", "366 days is not a period"),
    ("3654", "3654 days is not a period"),
    ("true", "expected an integer, got the boolean true"),  # YAML's true equals 1 to Python: still refused
    ('"30"', "expected an integer, got the string '30'"),
    ("30.0", "expected an integer"),
    ("null", "expected an integer"),
])
def test_other_values_are_refused_at_their_line(value: str, says: str) -> None:
    with pytest.raises(BlueprintErrors) as errors:
        load(MINIMAL + f"logs:\n  retention_days: {value}\n")
    (error,) = errors.value.errors
    assert (error.line, error.column, error.path) == (5, 19, ("logs", "retention_days"))
    assert says in error.message, error.message


def test_an_environment_overlays_the_retention_period() -> None:
    """dev keeps a week of logs, prod the blueprint's own year: the overlay reaches every log group."""
    text = EXAMPLE + "\nlogs: {retention_days: 365}\nenvironments:\n  dev:\n    logs: {retention_days: 7}\n  prod: {}\n"
    periods: dict[str, set[int]] = {}
    for target in load(text).targets:
        assert target.environment is not None
        for template in build_templates(target).values():
            for resource in (to_data(template).get("Resources") or {}).values():
                if resource["Type"] == "AWS::Logs::LogGroup":
                    periods.setdefault(target.environment.name, set()).add(resource["Properties"]["RetentionInDays"])
    assert periods == {"dev": {7}, "prod": {365}}
