"""`blueprint deploy` and ENI trunking: when the hosts hold their awsvpc tasks only with the
awsvpcTrunking account setting, deploy reads it (moto's ECS) and says what to run when it is off."""

from __future__ import annotations

import io
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws
from shared import EXAMPLE, load

from generator.deploy.trunking import SETTING, TURN_ON, advise, needing_trunking
from generator.pipeline import generate

NEEDS_TRUNKING = "name: dense\ncluster: {instances: {type: m5.large, max: 2}}\nservices:\n" + "".join(
    f"  s{i}: {{image: nginx, port: 8080}}\n" for i in range(5))  # 10 tasks; 4 fit without trunking, 20 with
ONE_TRUNKED_HOST = NEEDS_TRUNKING.replace("max: 2", "max: 1")  # 10 tasks, 10 with trunking: just fits
TOO_MANY = NEEDS_TRUNKING.replace("m5.large", "t3.medium")  # 4 fit, and t3 has no trunking


def files(text: str) -> dict[str, bytes]:
    return generate(load(text))


def test_only_hosts_that_need_trunking_to_place_their_tasks_are_named() -> None:
    [hosts] = needing_trunking(files(NEEDS_TRUNKING))
    assert (hosts.hosts.id, hosts.tasks, hosts.capacity(trunking=False), hosts.capacity(trunking=True)) == (
        "HostAutoScalingGroup", 10, 4, 20)
    assert needing_trunking(files(ONE_TRUNKED_HOST))
    assert needing_trunking(files(EXAMPLE)) == []  # fits without
    assert needing_trunking(files(TOO_MANY)) == []  # does not fit at all: the build's SEC403 says so


def advice(text: str, setting: str | None) -> str:
    with mock_aws():
        ecs = boto3.client("ecs", region_name="us-east-1")
        if setting is not None:
            ecs.put_account_setting(name=SETTING, value=setting)
        out = io.StringIO()
        advise(ecs, files(text), out)
        return out.getvalue()


def test_trunking_off_says_what_to_run() -> None:
    for setting in (None, "disabled"):
        said = advice(NEEDS_TRUNKING, setting)
        assert said.startswith("warning: 2 hosts of m5.large: room for 20 awsvpc tasks with ENI trunking, 4 without")
        assert f"{SETTING} is disabled" in said and f"`{TURN_ON}`" in said


def test_trunking_on_is_confirmed() -> None:
    assert advice(NEEDS_TRUNKING, "enabled").startswith(f"ENI trunking ({SETTING}) is enabled: 2 hosts of m5.large")


def test_nothing_is_asked_when_trunking_is_not_needed() -> None:
    class NoCalls:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"asked ECS {name}")

    out = io.StringIO()
    advise(NoCalls(), files(EXAMPLE), out)
    assert out.getvalue() == ""


def test_a_setting_that_cannot_be_read_is_said_not_fatal() -> None:
    class Denied:
        def list_account_settings(self, **_: Any) -> Any:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListAccountSettings")

    out = io.StringIO()
    advise(Denied(), files(NEEDS_TRUNKING), out)
    assert out.getvalue().startswith("warning: the hosts need ENI trunking, and its account setting could not be read")
    assert "aws ecs list-account-settings --name awsvpcTrunking --effective-settings" in out.getvalue()
