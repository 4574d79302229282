"""services.*.deployment (issue 21): each strategy builds lint-, audit- and checkov-clean templates with what a
reviewer checks (the strategy and its sizes, the alternate target group the primary's twin, both listener rules,
the role ECS shifts with, rollback on the load balancer's alarms), and the test listener is reachable only from
the service's own networks, never the internet."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.pipeline import build as build_files

from .helpers import CERT, REPO, build, parametrize_by_first, resources

VPN = f"""\
access:
  vpn: {{client_cidr: 10.250.0.0/22, server_certificate_arn: '{CERT}', client_certificate_arn: '{CERT}'}}
"""


def blueprint(deployment: str, service: str = "port: 8080, expose: public", cluster: str = "fargate: true",
              extra: str = "") -> str:
    return (f"name: shop\ncluster: {{{cluster}}}\n{extra}services:\n"
            f"  api: {{image: public.ecr.aws/nginx/nginx:1.27, {service}, deployment: {{{deployment}}}}}\n")


STRATEGIES = [
    ("blue-green", "strategy: blue-green", "BLUE_GREEN", 15, None),
    ("linear", "strategy: linear, step_percent: 20, step_minutes: 3, bake_minutes: 5", "LINEAR", 5,
     ("LinearConfiguration", {"StepPercent": 20.0, "StepBakeTimeInMinutes": 3})),
    ("canary", "strategy: canary, bake_minutes: 10, canary_percent: 10, canary_minutes: 5, test_port: 8443",
     "CANARY", 10, ("CanaryConfiguration", {"CanaryPercent": 10.0, "CanaryBakeTimeInMinutes": 5})),
    ("canary-defaults", "strategy: canary", "CANARY", 15,
     ("CanaryConfiguration", {"CanaryPercent": 5.0, "CanaryBakeTimeInMinutes": 10})),
]


def service_template(text: str) -> dict[str, Any]:
    return build(text)["service-api.yaml"]


def the(template: dict[str, Any], kind: str) -> dict[str, Any]:
    [found] = resources(template, kind).values()
    return found


@parametrize_by_first("name, deployment, strategy, bake, shape", STRATEGIES)
def test_a_shifting_strategy_sets_the_deployment_configuration(name: str, deployment: str, strategy: str, bake: int,
                                                               shape: tuple[str, dict[str, Any]] | None) -> None:
    template = service_template(blueprint(deployment))
    configuration = the(template, "AWS::ECS::Service")["DeploymentConfiguration"]
    assert configuration["Strategy"] == strategy
    assert configuration["BakeTimeInMinutes"] == bake
    assert configuration["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    alarms = [{"Ref": "TargetErrorRateAlarm"}, {"Ref": "UnhealthyTargetsAlarm"}]
    assert configuration["Alarms"] == {"AlarmNames": alarms, "Enable": True, "Rollback": True}
    others = {"LinearConfiguration", "CanaryConfiguration"} - ({shape[0]} if shape else set())
    assert not others & set(configuration)
    if shape:
        assert configuration[shape[0]] == shape[1]


@parametrize_by_first("name, deployment, strategy, bake, shape", STRATEGIES)
def test_ecs_gets_the_alternate_group_both_rules_and_its_role(name: str, deployment: str, strategy: str, bake: int,
                                                              shape: object) -> None:
    template = service_template(blueprint(deployment))
    [entry] = the(template, "AWS::ECS::Service")["LoadBalancers"]
    assert entry["TargetGroupArn"] == {"Ref": "TargetGroup"}
    assert entry["AdvancedConfiguration"] == {
        "AlternateTargetGroupArn": {"Ref": "AlternateTargetGroup"},
        "ProductionListenerRule": {"Ref": "ProductionListenerRule"}, "TestListenerRule": {"Ref": "TestListenerRule"},
        "RoleArn": {"Fn::GetAtt": ["TrafficShiftingRole", "Arn"]},
    }
    rules = resources(template, "AWS::ElasticLoadBalancingV2::ListenerRule")
    assert rules["ProductionListenerRule"]["ListenerArn"] == {"Ref": "HttpListener"}
    assert rules["TestListenerRule"]["ListenerArn"] == {"Ref": "TestListener"}
    for rule in rules.values():  # ECS moves the weights; both start all on the primary group
        [action] = rule["Actions"]
        assert action["ForwardConfig"]["TargetGroups"] == [
            {"TargetGroupArn": {"Ref": "TargetGroup"}, "Weight": 100},
            {"TargetGroupArn": {"Ref": "AlternateTargetGroup"}, "Weight": 0}]


@pytest.mark.parametrize("service", ["port: 8080, expose: public", f"port: 9000, https: {{certificate_arn: '{CERT}'}}",
                                     "port: 8080, launch_type: ec2"])
def test_the_alternate_target_group_is_the_primarys_twin(service: str) -> None:
    cluster = "instances: {type: m5.large}, fargate: true"
    groups = resources(service_template(blueprint("strategy: blue-green", service, cluster)),
                       "AWS::ElasticLoadBalancingV2::TargetGroup")
    assert groups["AlternateTargetGroup"] == groups["TargetGroup"]
    assert groups["TargetGroup"]["TargetType"] == "ip"


def test_the_traffic_shifting_role_trusts_ecs_of_this_account_and_names_its_resources() -> None:
    role = resources(service_template(blueprint("strategy: linear")), "AWS::IAM::Role")["TrafficShiftingRole"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "ecs.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    [policy] = role["Policies"]
    granted = {action: statement["Resource"] for statement in policy["PolicyDocument"]["Statement"]
               for action in statement["Action"]}
    rules = [{"Ref": "ProductionListenerRule"}, {"Ref": "TestListenerRule"}]
    assert granted["elasticloadbalancing:ModifyRule"] == rules
    assert granted["elasticloadbalancing:ModifyListener"] == [{"Ref": "HttpListener"}, {"Ref": "TestListener"}]
    assert granted["elasticloadbalancing:RegisterTargets"] == [{"Ref": "TargetGroup"}, {"Ref": "AlternateTargetGroup"}]
    assert {action for action, where in granted.items() if where == ["*"]} == {
        f"elasticloadbalancing:Describe{what}" for what in ("Listeners", "Rules", "TargetGroups", "TargetHealth")}


def test_an_https_service_tests_over_https_with_its_certificate() -> None:
    template = service_template(blueprint("strategy: blue-green", f"port: 8080, https: {{certificate_arn: '{CERT}'}}"))
    listeners = resources(template, "AWS::ElasticLoadBalancingV2::Listener")
    assert listeners["TestListener"]["Port"] == 8443 and listeners["TestListener"]["Protocol"] == "HTTPS"
    assert listeners["TestListener"]["Certificates"] == listeners["HttpsListener"]["Certificates"]
    assert listeners["TestListener"]["SslPolicy"] == listeners["HttpsListener"]["SslPolicy"]
    rules = resources(template, "AWS::ElasticLoadBalancingV2::ListenerRule")
    assert rules["ProductionListenerRule"]["ListenerArn"] == {"Ref": "HttpsListener"}


def test_a_rolling_service_rolls_back_on_its_alarms_without_shifting() -> None:
    template = service_template(blueprint("strategy: rolling"))
    configuration = the(template, "AWS::ECS::Service")["DeploymentConfiguration"]
    assert "Strategy" not in configuration and "BakeTimeInMinutes" not in configuration
    assert configuration["Alarms"]["Rollback"] is True
    assert not resources(template, "AWS::ElasticLoadBalancingV2::ListenerRule")
    assert "AdvancedConfiguration" not in the(template, "AWS::ECS::Service")["LoadBalancers"][0]


def test_the_alarms_watch_the_5xx_rate_and_unhealthy_targets_of_both_groups() -> None:
    alarms = resources(service_template(blueprint("strategy: canary")), "AWS::CloudWatch::Alarm")
    rate = {query["Id"]: query for query in alarms["TargetErrorRateAlarm"]["Metrics"]}
    assert rate["errors"]["MetricStat"]["Metric"]["MetricName"] == "HTTPCode_Target_5XX_Count"
    assert rate["rate"]["ReturnData"] is True and "100 * FILL(errors, 0) / requests" in rate["rate"]["Expression"]
    assert alarms["TargetErrorRateAlarm"]["Threshold"] == 5
    unhealthy = alarms["UnhealthyTargetsAlarm"]["Metrics"]
    groups = [dimension["Value"] for query in unhealthy if "MetricStat" in query
              for dimension in query["MetricStat"]["Metric"]["Dimensions"] if dimension["Name"] == "TargetGroup"]
    both = ("TargetGroup", "AlternateTargetGroup")
    assert groups == [{"Fn::GetAtt": [group, "TargetGroupFullName"]} for group in both]


def test_alarms_false_keeps_only_the_circuit_breaker() -> None:
    template = service_template(blueprint("alarms: false"))
    assert "Alarms" not in the(template, "AWS::ECS::Service")["DeploymentConfiguration"]
    assert not resources(template, "AWS::CloudWatch::Alarm")


def test_a_worker_has_no_load_balancer_alarms() -> None:
    template = build("name: shop\ncluster: {fargate: true}\nservices:\n  api: {image: nginx}\n")["service-api.yaml"]
    assert "Alarms" not in the(template, "AWS::ECS::Service")["DeploymentConfiguration"]
    assert not resources(template, "AWS::CloudWatch::Alarm")


def ingress_on(template: dict[str, Any], port: int) -> list[dict[str, Any]]:
    """The rules admitting `port` into the load balancer's group."""
    return [rule for rule in resources(template, "AWS::EC2::SecurityGroupIngress").values()
            if rule["FromPort"] == port and rule["GroupId"] == {"Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]}]

REACHABILITY = [
    ("public-open-to-all", "port: 8080, expose: public", "", set()),
    ("public-offices", "port: 8080, expose: public, allowed_cidrs: [0.0.0.0/0, 203.0.113.0/24, 198.51.100.0/24]", "",
     {"203.0.113.0/24", "198.51.100.0/24"}),
    ("public-wide-block", "port: 8080, expose: public, allowed_cidrs: [12.0.0.0/8, 203.0.113.0/24]", "",
     {"203.0.113.0/24"}),
    ("internal-callers-only", "port: 8080", "", set()),
    ("internal-partner", "port: 8080, reachable_from: [192.168.0.0/16]", "", {"192.168.0.0/16"}),
    ("internal-vpn", "port: 8080, reachable_from: [vpn, 192.168.0.0/16]", VPN, {"192.168.0.0/16", "vpn"}),
]


@parametrize_by_first("name, service, extra, expected", REACHABILITY)
def test_the_test_listener_admits_only_the_services_own_networks(name: str, service: str, extra: str,
                                                                 expected: set[str]) -> None:
    template = service_template(blueprint("strategy: blue-green, test_port: 9443", service, extra=extra))
    admitted = {rule.get("CidrIp") or ("vpn" if rule.get("SourceSecurityGroupId") == {"Ref": "VpnSecurityGroup"}
                                       else str(rule.get("SourceSecurityGroupId")))
                for rule in ingress_on(template, 9443)}
    assert admitted == expected
    assert "0.0.0.0/0" not in admitted
    if "vpn" in expected:  # the VPN's group is let out to the test port too
        out = [rule for rule in resources(template, "AWS::EC2::SecurityGroupEgress").values()
               if rule["FromPort"] == 9443]
        assert [rule["GroupId"] for rule in out] == [{"Ref": "VpnSecurityGroup"}]


CLEAN = """\
name: rollout
cluster: {fargate: true, instances: {type: m5.large}}
services:
  web:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    expose: public
    allowed_cidrs: [0.0.0.0/0, 203.0.113.0/24]
    https: {certificate_arn: 'CERT'}
    talks_to: [cart, search]
    deployment: {strategy: canary, bake_minutes: 10, canary_percent: 10, canary_minutes: 5, test_port: 8443}
  cart:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    launch_type: ec2
    reachable_from: [192.168.0.0/16]
    deployment: {strategy: blue-green}
  search:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    deployment: {strategy: linear, step_percent: 25, step_minutes: 4}
  admin:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    expose: public
    deployment: {bake_minutes: 5, alarms: false}
  worker:
    image: public.ecr.aws/nginx/nginx:1.27
""".replace("CERT", CERT)


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scratch = tmp_path_factory.mktemp("rollout")
    (scratch / "rollout.yaml").write_text(CLEAN)
    return build_files(scratch / "rollout.yaml", scratch / "out").directory  # lint and audit, or it raises


def test_every_strategy_builds_lint_and_audit_clean(clean_build: Path) -> None:
    assert {path.name for path in clean_build.glob("service-*.yaml")} == {
        f"service-{name}.yaml" for name in ("web", "cart", "search", "admin", "worker")}


def test_every_strategy_passes_checkov(clean_build: Path) -> None:
    installed = REPO / ".venv-scan" / "bin" / "checkov"
    checkov = os.environ.get("CHECKOV") or shutil.which("checkov") or (str(installed) if installed.exists() else None)
    if checkov is None:
        pytest.skip("checkov is not installed (make scan installs it in .venv-scan)")
    result = subprocess.run([checkov, "--framework", "cloudformation", "--skip-download", "--compact", "--quiet",
                             "-d", str(clean_build)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Failed checks: 0" in result.stdout
