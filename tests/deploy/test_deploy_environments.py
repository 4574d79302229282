"""`blueprint deploy --env` and `publish --env` against moto (whose STS says account 123456789012): the
environment's account is checked before anything is uploaded or created, its region is the default, and
--env is required exactly when the blueprint has environments."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from shared import EXAMPLE_PATH

from generator.cli import EXIT_OK, EXIT_USAGE, main
from generator.deploy.aws import DeployError
from generator.deploy.deploy import BLUEPRINT_TAG, ENVIRONMENT_TAG, Stack, check_owner, stack_tags

from .harness import REGION, MotoCloud

MOTO_ACCOUNT = "123456789012"
Command = Callable[..., tuple[int, str, str]]  # a command on the blueprint: exit code, stdout, stderr
BLUEPRINT = f"""\
name: shop
services:
  api: {{image: public.ecr.aws/nginx/nginx:1.27, port: 8080, count: 1}}
environments:
  dev: {{}}
  prod:
    account: "{MOTO_ACCOUNT}"
    region: {REGION}
    services: {{api: {{count: 2}}}}
  other:
    account: "210987654321"
"""


@pytest.fixture(scope="module")
def bucket(moto: MotoCloud) -> str:
    name = f"env-templates-{uuid.uuid4().hex[:8]}"
    moto.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture
def run(moto: MotoCloud, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Command:
    blueprint = tmp_path / "shop.yaml"
    blueprint.write_text(BLUEPRINT)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    def command(name: str, *options: str, file: Path = blueprint) -> tuple[int, str, str]:
        code = main([name, str(file), "--bucket", bucket, "--prefix", "envs", "--endpoint-url", moto.endpoint_url,
                     *options])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return command


def stacks(moto: MotoCloud) -> set[str]:
    return {stack["StackName"] for stack in moto.client("cloudformation").list_stacks()["StackSummaries"]}


def uploaded(moto: MotoCloud, bucket: str) -> list[str]:
    return [item["Key"] for item in moto.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_deploy_refuses_credentials_of_another_account_before_creating_anything(run: Command, moto: MotoCloud,
                                                                                bucket: str) -> None:
    before = uploaded(moto, bucket)
    stack = f"shop-other-{uuid.uuid4().hex[:6]}"
    code, _, err = run("deploy", "--env", "other", "--stack", stack, "--yes", "--region", REGION)
    assert code == EXIT_USAGE
    assert err.strip() == (f"blueprint: error: environment other deploys to account 210987654321, but the credentials "
                           f"are of account {MOTO_ACCOUNT}; nothing was uploaded or created")
    assert stack not in stacks(moto)
    assert uploaded(moto, bucket) == before


def test_deploy_goes_ahead_in_the_environments_account_and_region(run: Command, moto: MotoCloud) -> None:
    stack = f"shop-prod-{uuid.uuid4().hex[:6]}"
    code, out, err = run("deploy", "--env", "prod", "--stack", stack, "--no-execute")  # no --region: prod's
    assert (code, err) == (EXIT_OK, "")
    assert "--no-execute: change set" in out
    (created,) = moto.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    tags = {tag["Key"]: tag["Value"] for tag in created.get("Tags") or []}
    assert tags == {BLUEPRINT_TAG: "shop", ENVIRONMENT_TAG: "prod"}


def test_publish_takes_the_environment_and_checks_its_account(run: Command) -> None:
    code, out, err = run("publish", "--env", "prod")
    assert (code, err) == (EXIT_OK, "")
    assert "quick-create" in out or "console" in out
    code, _, err = run("publish", "--env", "other", "--region", REGION)
    assert code == EXIT_USAGE and "deploys to account 210987654321" in err


def test_env_is_required_with_environments_and_refused_without(run: Command) -> None:
    code, _, err = run("deploy", "--stack", "shop", "--region", REGION)
    assert code == EXIT_USAGE and "blueprint shop has environments (dev, prod, other): choose one with --env" in err
    code, _, err = run("publish", "--env", "dev", "--region", REGION, file=EXAMPLE_PATH)
    assert code == EXIT_USAGE and "--env dev: blueprint photos declares no environments" in err
    code, _, err = run("publish", "--env", "qa", "--region", REGION)
    assert code == EXIT_USAGE and "--env qa: blueprint shop has no such environment" in err


def test_a_region_other_than_the_environments_is_refused(run: Command) -> None:
    code, _, err = run("deploy", "--env", "prod", "--stack", "shop", "--region", "eu-west-1")
    assert code == EXIT_USAGE
    assert f"--region eu-west-1: environment prod deploys to {REGION} (its `region`)" in err


def test_a_stack_of_one_environment_is_not_deployed_over_by_another_without_adopt() -> None:
    dev = Stack("CREATE_COMPLETE", frozenset(), {BLUEPRINT_TAG: "shop", ENVIRONMENT_TAG: "dev"})
    check_owner("shop", dev, "shop", adopt=False, environment="dev")
    with pytest.raises(DeployError, match="made from blueprint shop, environment dev; refusing to deploy blueprint "
                                          "shop, environment prod, over it"):
        check_owner("shop", dev, "shop", adopt=False, environment="prod")
    with pytest.raises(DeployError):
        check_owner("shop", dev, "shop", adopt=False)  # the blueprint without environments is another owner too
    check_owner("shop", dev, "shop", adopt=True, environment="prod")
    assert stack_tags(dev, "shop", "prod") == [{"Key": BLUEPRINT_TAG, "Value": "shop"},
                                               {"Key": ENVIRONMENT_TAG, "Value": "prod"}]
    assert stack_tags(dev, "shop") == [{"Key": BLUEPRINT_TAG, "Value": "shop"}]
