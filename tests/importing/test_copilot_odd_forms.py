"""Each form real Copilot workspaces take (counted over public apps): count as a number or a map, aliases as
text or lists, health checks as text or maps, secrets as names, ARNs or maps, `${VAR}` interpolation (also
where YAML is invalid until it is filled in), addons/ and overrides/ folders, keys Copilot ignores, odd
types. Each case asserts the blueprint keys written and the exact report lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from copilot_workspace import WORKSPACES, left_out, run, workspace

LBWS = "type: Load Balanced Web Service\nimage:\n  location: nginx:1.27\n  port: 80\n"
WORKER = "type: Worker Service\nimage:\n  location: nginx:1.27\n"
PLACED = "type: Environment\naccount: '123456789012'\nregion: eu-west-1\n"
F = "copilot/web/manifest.yml"


def imported(tmp_path: Path, manifests: dict[str, str]) -> tuple[int, dict[str, Any], list[str]]:
    root = workspace(tmp_path / "ws", manifests)
    status, blueprint, lines = run(root, tmp_path / "out.yaml")
    assert blueprint is not None
    assert status == (1 if lines else 0)
    return status, blueprint, left_out(lines, root)


CASES: list[tuple[str, str, dict[str, Any], list[str]]] = [
    # count
    ("count number", LBWS + "count: 3\n", {"count": 3}, []),
    ("count spot", LBWS + "count:\n  spot: 4\n", {"count": 4, "spot": 100}, []),
    ("range text", LBWS + "count:\n  range: 1-10\n  memory_percentage: 80\n",
     {"scaling": {"min": 1, "max": 10, "memory_percent": 80}}, []),
    ("range map with spot_from", LBWS + "count:\n  range: {min: 2, max: 10, spot_from: 6}\n  requests: 300\n",
     {"scaling": {"min": 2, "max": 10, "requests_per_target": 300}, "spot": 50}, []),
    ("metric map with cooldown", LBWS + "count:\n  range: 1-4\n  cpu_percentage:\n    value: 50\n    cooldown:\n"
     "      in: 30s\n", {"scaling": {"min": 1, "max": 4, "cpu_percent": 50}},
     [f"{F}:9:5: left out: count.cpu_percentage.cooldown: scaling here is target tracking on one metric value, "
      "without cooldowns or response time"]),
    ("range without metric", LBWS + "count:\n  range: 1-4\n", {},
     [f"{F}:6:10: left out: count.range: a range without a metric to scale on (cpu_percentage, memory_percentage, "
      "requests or queue_delay) does not scale"]),
    ("metric without range", LBWS + "count:\n  cpu_percentage: 50\n", {},
     [f"{F}:5:1: left out: count: scaling on cpu_percent needs count.range (the fewest and most tasks)"]),
    ("range not a range", LBWS + "count:\n  range: ten\n  cpu_percentage: 50\n", {},
     [f"{F}:6:10: left out: count.range: 'ten' is not a range such as 1-10"]),
    ("count odd type", LBWS + "count: [1, 2]\n", {},
     [f"{F}:5:1: left out: count: expected a whole number, got a list"]),
    # http.alias and http.healthcheck
    ("alias text with zone", LBWS + "http:\n  alias: a.example.com\n  hosted_zone: Z1\n",
     {"domain": {"name": "a.example.com", "hosted_zone_id": "Z1"}}, []),
    ("alias list of maps", LBWS + "http:\n  alias:\n    - name: a.example.com\n      hosted_zone: Z1\n"
     "    - name: b.example.com\n      hosted_zone: Z1\n",
     {"domain": {"name": "a.example.com", "hosted_zone_id": "Z1"}},
     [f"{F}:9:7: left out: http.alias[1]: a service here has one domain: only the first alias is carried over"]),
    ("alias without zone", LBWS + "http:\n  alias: [a.example.com]\n", {},
     [f"{F}:6:11: left out: http.alias[0]: a.example.com: no hosted_zone given (Copilot used the application's "
      "domain); write `domain: {name: ..., hosted_zone_id: ...}`"]),
    ("healthcheck text", LBWS + "http:\n  healthcheck: /up\n", {"health_check": {"path": "/up"}}, []),
    ("healthcheck map", LBWS + "http:\n  healthcheck:\n    path: /up\n    grace_period: 1m30s\n    timeout: 5s\n",
     {"health_check": {"path": "/up", "grace_seconds": 90}},
     [f"{F}:9:5: left out: http.healthcheck.timeout: the load balancer's health check takes a path and a grace "
      "period only (health_check)"]),
    ("healthcheck not a path", LBWS + "http:\n  healthcheck: up\n", {},
     [f"{F}:6:16: left out: http.healthcheck: 'up' is not an HTTP path starting with /"]),
    ("no load balancer", LBWS + "http: false\n", {"expose": "none"},
     [f"{F}:5:7: left out: http: no load balancer in Copilot (http: false); written as a worker (expose: none): "
      "a Network Load Balancer has no equivalent here"]),
    # secrets
    ("secret ARN", LBWS + "secrets:\n  A: arn:aws:ssm:us-east-1:123456789012:parameter/a\n",
     {"secrets": {"A": "arn:aws:ssm:us-east-1:123456789012:parameter/a"}}, []),
    ("secret name without account", LBWS + "secrets:\n  A: /shop/a\n", {},
     [f"{F}:6:6: left out: secrets.A: SSM parameter '/shop/a': the blueprint takes ARNs, and no environment "
      "manifest gives an account and region; write arn:aws:ssm:REGION:ACCOUNT:parameter/NAME"]),
    ("secretsmanager by name", LBWS + "secrets:\n  A:\n    secretsmanager: shop/db\n", {},
     [f"{F}:7:21: left out: secrets.A.secretsmanager: Secrets Manager secret named 'shop/db': its ARN ends in a "
      "suffix only AWS knows; write the secret's ARN"]),
    ("secretsmanager ARN", LBWS + "secrets:\n  A:\n    secretsmanager: "
     "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\n",
     {"secrets": {"A": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}}, []),
    ("secret from_cfn", LBWS + "secrets:\n  A:\n    from_cfn: out\n", {},
     [f"{F}:6:3: left out: secrets.A: a secret from a CloudFormation export (from_cfn) has no equivalent: write "
      "the secret's ARN"]),
    # ${VAR}
    ("application name filled in", LBWS + "variables:\n  APP: ${COPILOT_APPLICATION_NAME}-x\n",
     {"environment": {"APP": "shop-x"}}, []),
    ("shell variable", LBWS + "variables:\n  A: ${HOME}\n", {},
     [f"{F}:6:6: left out: variables.A: `${{HOME}}`: Copilot fills it in from the shell at deploy time; write the "
      "value itself"]),
    ("environment name outside variables", LBWS.replace("nginx:1.27", "x/${COPILOT_ENVIRONMENT_NAME}:1"), {},
     [f"{F}:3:13: left out: image.location: `${{COPILOT_ENVIRONMENT_NAME}}`: it differs per environment; set it "
      "under each environment's overrides"]),
    ("invalid YAML until filled in", "type: Backend Service\nimage: {location: ${REPO}/api:1, port: 80}\n",
     {"image": "placeholder.invalid/shop/web:build-me", "port": 80},
     [f"{F}:2:19: left out: image.location: `${{REPO}}`: Copilot fills it in from the shell at deploy time; write "
      "the value itself"]),
    # Copilot's text values, ignored keys, odd types
    ("variables as text", LBWS + "variables:\n  A: yes\n  B: 010\n  C: 1.10\n  D:\n",
     {"environment": {"A": "yes", "B": "010", "C": "1.10", "D": ""}}, []),
    ("ignored key", LBWS + "owner: team-a\n", {}, [f"{F}:5:1: left out: owner: the blueprint has no place for this "
                                                 "key (or Copilot ignores it)"]),
    ("exec as text", LBWS + "exec: 'yes'\n", {}, [f"{F}:5:7: left out: exec: expected true or false, got the string "
                                                  "'yes'"]),
    ("image as text", "type: Backend Service\nimage: nginx\n", {"image": "placeholder.invalid/shop/web:build-me"},
     [f"{F}:2:8: left out: image: expected a mapping with location or build, got the string 'nginx'"]),
    ("duplicate key", LBWS + "cpu: 256\ncpu: 512\n", {},
     [f"{F}:6:1: left out: cpu: duplicate key (first given on line 5)"]),
    ("platform arm64 map", LBWS + "platform:\n  osfamily: linux\n  architecture: arm64\n",
     {"architecture": "arm64"}, []),
    ("platform windows", LBWS + "platform: windows/x86_64\n", {},
     [f"{F}:5:11: left out: platform: windows/x86_64: tasks run Linux here (no Windows containers)"]),
    ("command text", LBWS + "command: ./serve --name 'a b'\n", {"command": ["./serve", "--name", "a b"]}, []),
    ("command unbalanced", LBWS + "command: ./serve 'a\n", {},
     [f"{F}:5:10: left out: command: cannot split into words: No closing quotation"]),
]


@pytest.mark.parametrize(("manifest", "expected", "report"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_a_service_form_is_carried_over_or_reported(
        tmp_path: Path, manifest: str, expected: dict[str, Any], report: list[str]) -> None:
    _, blueprint, lines = imported(tmp_path, {"web/manifest.yml": manifest})
    service = blueprint["services"]["web"]
    assert lines == report
    for key, value in expected.items():
        assert service[key] == value, key
    absent = {"cpu", "count", "scaling", "spot", "domain", "secrets", "environment", "health_check"} - set(expected)
    assert not absent & set(service), service


def test_ssm_names_become_arns_in_each_environment_that_names_its_account_and_region(tmp_path: Path) -> None:
    _, blueprint, lines = imported(tmp_path, {
        "web/manifest.yml": LBWS + "secrets:\n  TOKEN: /${COPILOT_APPLICATION_NAME}/${COPILOT_ENVIRONMENT_NAME}/t\n",
        "environments/dev/manifest.yml": PLACED, "environments/prod/manifest.yml": PLACED.replace("eu-west-1",
                                                                                                 "cn-north-1"),
    })
    assert lines == []
    assert "secrets" not in blueprint["services"]["web"]
    assert blueprint["environments"]["dev"]["services"]["web"]["secrets"] == {
        "TOKEN": "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/dev/t"}
    assert blueprint["environments"]["prod"]["services"]["web"]["secrets"] == {
        "TOKEN": "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/shop/prod/t"}


def test_an_environment_without_account_leaves_an_ssm_name_out(tmp_path: Path) -> None:
    _, _, lines = imported(tmp_path, {
        "web/manifest.yml": LBWS + "secrets:\n  TOKEN: t\n",
        "environments/dev/manifest.yml": PLACED, "environments/prod/manifest.yml": "type: Environment\n",
    })
    assert lines == [f"{F}:6:10: left out: secrets.TOKEN: SSM parameter 't': the blueprint takes ARNs, and "
                     "environment prod names no account and region; write arn:aws:ssm:REGION:ACCOUNT:parameter/NAME"]


def test_overrides_become_the_environments_overlay_and_their_left_outs_are_reported(tmp_path: Path) -> None:
    _, blueprint, lines = imported(tmp_path, {
        "web/manifest.yml": LBWS + "environments:\n  test:\n    count: 1\n    sidecars:\n      x: {}\n"
        "    variables:\n      STAGE: ${COPILOT_ENVIRONMENT_NAME}\n  staging:\n",
        "worker/manifest.yml": WORKER + "environments:\n  test:\n    cpu: 1024\n    memory: 2048\n",
    })
    assert blueprint["environments"] == {"test": {"services": {
        "web": {"count": 1, "environment": {"STAGE": "test"}},
        "worker": {"cpu": 1024, "memory": 2048},
    }}}
    assert lines == [f"{F}:8:5: left out: environments.test.sidecars: a service here runs one container: no sidecars"]


def test_the_odd_workspace_reports_each_folder_file_and_whole_manifest(tmp_path: Path) -> None:
    root = WORKSPACES / "odd"
    status, blueprint, lines = run(root, tmp_path / "odd.yaml")
    report = left_out(lines, root)
    assert status == 1 and blueprint is not None
    assert set(blueprint["services"]) == {"web", "api"} and set(blueprint["jobs"]) == {"cleanup"}
    assert blueprint["jobs"]["cleanup"]["schedule"] == "rate(90 minutes)"
    for expected in (
        "copilot/web/addons/db.yml:1:1: left out: addons: ",
        "copilot/web/overrides/cfn.patches.yml:1:1: left out: overrides: ",
        "copilot/environments/addons/vpc-endpoints.yml:1:1: left out: addons: ",
        "copilot/pipelines/release/manifest.yml:1:1: left out: pipelines: ",
        "copilot/runner/manifest.yml:2:1: left out: type: App Runner services are not carried over",
        "copilot/site/manifest.yml:2:1: left out: type: S3 and CloudFront sites are not carried over",
        "copilot/broken/manifest.yml:4:13: left out: the whole file: invalid YAML: found character '@'",
        "copilot/cleanup/manifest.yml:7:10: left out: timeout: 90s is not whole minutes; written as 2",
        "copilot/environments/test/manifest.yml:5:1: left out: cdn: no CloudFront distribution here",
        "copilot/environments/test/manifest.yml:8:5: left out: http.public.certificates: ",
        "copilot/web/manifest.yml:13:1: left out: sidecars: ",
        "copilot/web/manifest.yml:16:1: left out: storage: ",
        "copilot/web/manifest.yml:18:1: left out: logging: ",
        "copilot/web/manifest.yml:20:1: left out: taskdef_overrides: ",
        "copilot/web/manifest.yml:25:16: left out: network.vpc.placement: ",
        "copilot/web/manifest.yml:47:1: left out: favourite_colour: ",
    ):
        assert sum(line.startswith(expected) for line in report) == 1, expected
    assert len(report) == len(set(report)) == 28


def test_files_are_named_under_the_folder_given_also_when_it_is_copilot_itself(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"web/manifest.yml": LBWS + "owner: a\n"})
    _, _, lines = run(root / "copilot", tmp_path / "out.yaml")
    assert lines == [f"{root}/copilot/web/manifest.yml:5:1: left out: owner: the blueprint has no place for this key "
                     "(or Copilot ignores it)"]


def test_an_override_for_an_environment_that_is_no_blueprint_name_is_reported(tmp_path: Path) -> None:
    _, blueprint, lines = imported(tmp_path, {"web/manifest.yml": LBWS + "environments:\n  Prod_EU:\n    count: 2\n"})
    assert "environments" not in blueprint
    assert lines == [f"{F}:6:3: left out: environments.Prod_EU: environment 'Prod_EU' is not a blueprint name (1-32 "
                     "of a-z, 0-9 and '-', starting with a letter)"]
