"""service-<name>.yaml against SPEC 5, on the example and on Fargate-only, EC2-only (awsvpc, the default,
and bridge, the opt-in) and mixed blueprints: public services with and without HTTPS, internal ones with
EC2 callers, Fargate callers or none, and workers. Reachability is judged on the whole template set,
because callers add rules to their callees' groups and every bridge-mode EC2 service adds one to the
shared host group.

Invariants that hold for every template of a set (placeholder egress, descriptions, IAM actions,
physical names, exports, typed parameters) are checked in test_root.py over these blueprints too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest

from generator.blueprint.model import Blueprint, Service
from generator.cfn.ids import logical_id

from .helpers import (
    CERT,
    CLOUDWATCH_RETENTION_DAYS,
    DYNAMIC_HOST_PORTS,
    EXAMPLE,
    Templates,
    build,
    egress_from,
    ingress_into,
    load,
    only,
    parametrize_by_first,
    real_rules,
    resolve,
    resources,
    stack_of,
    types_in,
)

HOSTS = "cluster.yaml/HostSecurityGroup"
DEFAULT_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-AbCdEf"
PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/shop/flag"
ELB_TYPES = {"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup",
             "AWS::ElasticLoadBalancingV2::Listener"}
EXEC_ACTIONS = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]

SERVICE_VARIANTS = {
    "example": EXAMPLE,
    "fargate-only": f"""
        name: shop
        services:
          storefront:
            image: nginx
            port: 3000
            expose: public
            https: {{certificate_arn: {CERT}}}
            talks_to: [catalog, cart]
            exec: true
            secrets: {{DB_PASSWORD: "{SECRET}:password::", FLAG: {PARAMETER}}}
            scaling: {{min: 2, max: 8, cpu_percent: 60, memory_percent: 75, requests_per_target: 500}}
          status: {{image: nginx, port: 8080, expose: public}}
          catalog:
            image: nginx
            port: 8080
            https: {{certificate_arn: {CERT}, ssl_policy: ELBSecurityPolicy-TLS13-1-2-Res-2021-06}}
          cart: {{image: nginx, port: 8081, cpu: 512, memory: 1024}}
          mailer: {{image: nginx, talks_to: [cart]}}
          ledger: {{image: nginx, port: 9000}}
        """,
    "ec2-only": """
        name: depot
        cluster:
          instances: {}
        services:
          gateway:
            image: nginx
            port: 8080
            expose: public
            allowed_cidrs: [198.51.100.0/24, 203.0.113.0/24]
            talks_to: [inventory]
          inventory:
            image: nginx
            port: 8080
            scaling: {min: 1, max: 4, memory_percent: 70}
          billing: {image: nginx, port: 7000}
          reporter: {image: nginx, talks_to: [inventory], exec: true}
        """,
    "mixed": f"""
        name: hybrid
        cluster:
          instances: {{key_name: ops}}
          fargate: true
        services:
          web:
            image: nginx
            port: 80
            expose: public
            launch_type: fargate
            https: {{certificate_arn: {CERT}}}
            allowed_cidrs: [192.0.2.0/24]
            talks_to: [search, ledger]
          admin:
            image: nginx
            port: 8000
            expose: public
            https: {{certificate_arn: {CERT}}}
          search: {{image: nginx, port: 9200, scaling: {{min: 2, max: 6, requests_per_target: 100}}}}
          ledger: {{image: nginx, port: 8443, launch_type: fargate, https: {{certificate_arn: {CERT}}}}}
          jobs: {{image: nginx, talks_to: [search, ledger]}}
          sweeper: {{image: nginx, launch_type: fargate, cpu: 1024, memory: 2048}}
        """,
}
# The same services on EC2 hosts in bridge mode: the explicit opt-in keeps the shared host group.
SERVICE_VARIANTS["bridge"] = SERVICE_VARIANTS["ec2-only"].replace("instances: {}", "instances: {network_mode: bridge}")


@dataclass(frozen=True)
class Case:
    """One service of one blueprint, with the whole template set it is generated in."""

    variant: str
    name: str

    def __str__(self) -> str:
        return f"{self.variant}-{self.name}"

    @cached_property
    def blueprint(self) -> Blueprint:
        return load(SERVICE_VARIANTS[self.variant])

    @property
    def service(self) -> Service:
        return self.blueprint.services[self.name]

    @cached_property
    def templates(self) -> Templates:
        return build(SERVICE_VARIANTS[self.variant])

    @property
    def filename(self) -> str:
        return f"service-{self.name}.yaml"

    @property
    def template(self) -> dict[str, Any]:
        return self.templates[self.filename]

    @property
    def on_fargate(self) -> bool:
        return self.blueprint.launch_type(self.name) == "fargate"

    @property
    def awsvpc(self) -> bool:
        """Whether the tasks have an interface and a group of their own (Fargate, EC2 by default)."""
        return self.service.resolved_network_mode(self.blueprint.cluster) == "awsvpc"

    @property
    def expose(self) -> str:
        return self.service.resolved_expose

    @property
    def load_balancer_group(self) -> str:
        return f"{self.filename}/LoadBalancerSecurityGroup"

    @property
    def task_group(self) -> str:
        return f"{self.filename}/TaskSecurityGroup"

    @property
    def listener_port(self) -> int:
        return 443 if self.service.https else 80

    def one(self, kind: str) -> dict[str, Any]:
        found = resources(self.template, kind)
        assert len(found) == 1, f"{self.filename}: {len(found)} {kind}"
        return next(iter(found.values()))


CASES = [Case(variant, name) for variant, text in SERVICE_VARIANTS.items() for name in load(text).services]
PUBLIC = [case for case in CASES if case.expose == "public"]
INTERNAL = [case for case in CASES if case.expose == "internal"]
LOAD_BALANCED = PUBLIC + INTERNAL
WORKERS = [case for case in CASES if case.expose == "none"]
FARGATE = [case for case in CASES if case.on_fargate]
EC2 = [case for case in CASES if not case.on_fargate]
AWSVPC = [case for case in CASES if case.awsvpc]
BRIDGE = [case for case in CASES if not case.awsvpc]


def cases(found: list[Case]) -> Any:
    return pytest.mark.parametrize("case", found, ids=str)


def test_the_blueprints_cover_every_kind_of_service() -> None:
    assert {(case.on_fargate, case.awsvpc) for case in CASES} == {(True, True), (False, True), (False, False)}
    kinds = {(case.expose, case.on_fargate, bool(case.service.https)) for case in CASES}
    assert {("public", True, True), ("public", True, False), ("public", False, True), ("public", False, False),
            ("internal", True, True), ("internal", True, False), ("internal", False, False),
            ("none", True, False), ("none", False, False)} <= kinds
    caller_launch_types = {case.blueprint.launch_type(caller) for case in INTERNAL for caller in callers_of(case)}
    assert caller_launch_types == {"ec2", "fargate"}
    assert any(not callers_of(case) for case in INTERNAL)
    assert {case.on_fargate for case in WORKERS if case.service.talks_to} == {True, False}


def callers_of(case: Case) -> list[str]:
    return [name for name, service in case.blueprint.services.items() if case.name in service.talks_to]


def group_of(case: Case, service: str) -> str:
    """Where a service's traffic leaves from: its own task group (awsvpc), the shared host group (bridge)."""
    if case.blueprint.services[service].resolved_network_mode(case.blueprint.cluster) == "bridge":
        return HOSTS
    return f"service-{service}.yaml/TaskSecurityGroup"


# --- load balancers -------------------------------------------------------------------------------------------


@cases(PUBLIC)
def test_public_alb_is_internet_facing_in_the_public_subnets(case: Case) -> None:
    load_balancer = case.one("AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert load_balancer["Scheme"] == "internet-facing"
    assert load_balancer["Type"] == "application"
    assert load_balancer["Subnets"] == {"Ref": "PublicSubnets"}
    assert stack_of(case.templates, case.filename)["Parameters"]["PublicSubnets"] == {
        "Fn::GetAtt": ["Network", "Outputs.PublicSubnets"]}
    assert load_balancer["SecurityGroups"] == [{"Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]}]


@cases(INTERNAL)
def test_internal_alb_is_internal_in_the_private_subnets(case: Case) -> None:
    load_balancer = case.one("AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert load_balancer["Scheme"] == "internal"
    assert load_balancer["Subnets"] == {"Ref": "PrivateSubnets"}
    assert stack_of(case.templates, case.filename)["Parameters"]["PrivateSubnets"] == {
        "Fn::GetAtt": ["Network", "Outputs.PrivateSubnets"]}
    assert "PublicSubnets" not in case.template["Parameters"]


@cases(PUBLIC)
def test_public_alb_admits_only_its_listener_ports_from_allowed_cidrs(case: Case) -> None:
    ports = [443, 80] if case.service.https else [80]
    expected = {(cidr, (port, port)) for cidr in case.service.resolved_allowed_cidrs for port in ports}
    assert ingress_into(case.templates, case.load_balancer_group) == expected


@parametrize_by_first("case, expected", [
    (Case("mixed", "web"), {("192.0.2.0/24", (443, 443)), ("192.0.2.0/24", (80, 80))}),
    (Case("mixed", "admin"), {("0.0.0.0/0", (443, 443)), ("0.0.0.0/0", (80, 80))}),
    (Case("ec2-only", "gateway"), {("198.51.100.0/24", (80, 80)), ("203.0.113.0/24", (80, 80))}),
    (Case("fargate-only", "status"), {("0.0.0.0/0", (80, 80))}),
])
def test_public_alb_ingress_spelled_out(case: Case, expected: set) -> None:
    assert ingress_into(case.templates, case.load_balancer_group) == expected


@cases(LOAD_BALANCED)
def test_port_80_only_redirects_to_https_when_there_is_a_certificate(case: Case) -> None:
    listeners = resources(case.template, "AWS::ElasticLoadBalancingV2::Listener")
    by_port = {props["Port"]: props for props in listeners.values()}
    forward = [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}]
    if case.service.https:
        assert by_port[443]["Protocol"] == "HTTPS"
        assert by_port[443]["DefaultActions"] == forward
        assert by_port[443]["Certificates"] == [{"CertificateArn": case.service.https.certificate_arn}]
        if case.expose == "public":
            assert set(by_port) == {443, 80}
            assert by_port[80]["Protocol"] == "HTTP"
            assert by_port[80]["DefaultActions"] == [{"Type": "redirect", "RedirectConfig": {
                "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]
        else:
            assert set(by_port) == {443}
    else:
        assert set(by_port) == {80}
        assert by_port[80]["Protocol"] == "HTTP"
        assert by_port[80]["DefaultActions"] == forward
    assert all(props["LoadBalancerArn"] == {"Ref": "LoadBalancer"} for props in listeners.values())


@parametrize_by_first("case, policy", [
    (Case("fargate-only", "storefront"), DEFAULT_TLS_POLICY),
    (Case("fargate-only", "catalog"), "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"),
    (Case("mixed", "admin"), DEFAULT_TLS_POLICY),
    (Case("mixed", "ledger"), DEFAULT_TLS_POLICY),
])
def test_https_listener_uses_the_blueprints_tls_policy(case: Case, policy: str) -> None:
    [https] = [props for props in resources(case.template, "AWS::ElasticLoadBalancingV2::Listener").values()
               if props["Protocol"] == "HTTPS"]
    assert https["SslPolicy"] == policy


@cases(LOAD_BALANCED)
def test_alb_sends_only_to_its_targets_on_the_target_ports(case: Case) -> None:
    port = case.service.port
    assert port is not None
    if case.awsvpc:
        assert egress_from(case.templates, case.load_balancer_group) == {(case.task_group, (port, port))}
        # The other half of the path: the task group admits this load balancer on the container port.
        assert ingress_into(case.templates, case.task_group) == {(case.load_balancer_group, (port, port))}
    else:
        assert egress_from(case.templates, case.load_balancer_group) == {(HOSTS, DYNAMIC_HOST_PORTS)}
        # The other half of the path: the host group admits this load balancer on the same range.
        assert (case.load_balancer_group, DYNAMIC_HOST_PORTS) in ingress_into(case.templates, HOSTS)
    target_group = case.one("AWS::ElasticLoadBalancingV2::TargetGroup")
    assert target_group["Port"] == port
    assert target_group["TargetType"] == ("ip" if case.awsvpc else "instance")


@cases(LOAD_BALANCED)
def test_alb_drops_invalid_header_fields(case: Case) -> None:
    attributes = case.one("AWS::ElasticLoadBalancingV2::LoadBalancer")["LoadBalancerAttributes"]
    assert {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"} in attributes


@cases(INTERNAL)
def test_internal_alb_admits_only_the_groups_of_its_callers_on_the_listener_port(case: Case) -> None:
    port = (case.listener_port, case.listener_port)
    expected = {(group_of(case, caller), port) for caller in callers_of(case)}
    assert ingress_into(case.templates, case.load_balancer_group) == expected
    # ... and each caller may send there (security groups check both ends).
    for caller in callers_of(case):
        assert (case.load_balancer_group, port) in egress_from(case.templates, group_of(case, caller))


@parametrize_by_first("case, expected", [
    (Case("mixed", "search"), {("service-jobs.yaml/TaskSecurityGroup", (80, 80)),
                               ("service-web.yaml/TaskSecurityGroup", (80, 80))}),
    (Case("mixed", "ledger"), {("service-jobs.yaml/TaskSecurityGroup", (443, 443)),
                               ("service-web.yaml/TaskSecurityGroup", (443, 443))}),
    (Case("fargate-only", "cart"), {("service-storefront.yaml/TaskSecurityGroup", (80, 80)),
                                    ("service-mailer.yaml/TaskSecurityGroup", (80, 80))}),
    (Case("fargate-only", "ledger"), set()),
    (Case("ec2-only", "inventory"), {("service-gateway.yaml/TaskSecurityGroup", (80, 80)),
                                     ("service-reporter.yaml/TaskSecurityGroup", (80, 80))}),
    (Case("ec2-only", "billing"), set()),
    (Case("bridge", "inventory"), {(HOSTS, (80, 80))}),
    (Case("example", "images"), {("service-api.yaml/TaskSecurityGroup", (80, 80))}),
])
def test_internal_alb_ingress_spelled_out(case: Case, expected: set) -> None:
    assert ingress_into(case.templates, case.load_balancer_group) == expected


def test_bridge_callers_share_one_path_added_by_the_callee() -> None:
    """Two bridge-mode callers leave from the same host group; the callee opens that path once, in its own
    stack."""
    templates = build("""
        name: depot
        cluster:
          instances: {network_mode: bridge}
        services:
          api: {image: nginx, port: 8080, expose: public, talks_to: [images]}
          jobs: {image: nginx, talks_to: [images]}
          images: {image: nginx, port: 8080}
        """)
    into_images = [rule for rule in real_rules(templates)
                   if rule.direction == "in" and rule.group == "service-images.yaml/LoadBalancerSecurityGroup"]
    assert [(rule.filename, rule.peer, rule.ports) for rule in into_images] == [
        ("service-images.yaml", HOSTS, (80, 80))]
    assert "api, jobs" in into_images[0].description
    assert all("ImagesLoadBalancerSecurityGroup" not in templates[f].get("Parameters", {})
               for f in ("service-api.yaml", "service-jobs.yaml"))


def test_fargate_callers_add_their_own_path_with_the_callee_group_wired_from_its_stack() -> None:
    case = Case("mixed", "web")
    assert case.template["Parameters"]["LedgerLoadBalancerSecurityGroup"]["Type"] == "AWS::EC2::SecurityGroup::Id"
    assert stack_of(case.templates, case.filename)["Parameters"]["LedgerLoadBalancerSecurityGroup"] == {
        "Fn::GetAtt": ["LedgerService", "Outputs.LoadBalancerSecurityGroup"]}
    added = {(rule.direction, rule.group, rule.peer, rule.ports) for rule in real_rules(case.templates)
             if rule.filename == case.filename and "ledger" in rule.peer + rule.group}
    assert added == {
        ("out", case.task_group, "service-ledger.yaml/LoadBalancerSecurityGroup", (443, 443)),
        ("in", "service-ledger.yaml/LoadBalancerSecurityGroup", case.task_group, (443, 443)),
    }


# --- tasks --------------------------------------------------------------------------------------------------


@cases(FARGATE)
def test_fargate_tasks_get_no_public_ip_and_run_in_the_private_subnets(case: Case) -> None:
    service = case.one("AWS::ECS::Service")
    assert service["LaunchType"] == "FARGATE"
    assert service["NetworkConfiguration"] == {"AwsvpcConfiguration": {
        "AssignPublicIp": "DISABLED",
        "Subnets": {"Ref": "PrivateSubnets"},
        "SecurityGroups": [{"Fn::GetAtt": ["TaskSecurityGroup", "GroupId"]}],
    }}
    assert stack_of(case.templates, case.filename)["Parameters"]["PrivateSubnets"] == {
        "Fn::GetAtt": ["Network", "Outputs.PrivateSubnets"]}


@cases(AWSVPC)
def test_task_group_admits_only_its_load_balancer_on_the_container_port(case: Case) -> None:
    if case.service.has_load_balancer:
        port = case.service.port
        assert port is not None
        expected = {(case.load_balancer_group, (port, port))}
    else:
        expected = set()
    assert ingress_into(case.templates, case.task_group) == expected


@cases(EC2)
def test_ec2_tasks_run_on_the_cluster_capacity_provider(case: Case) -> None:
    """Through the capacity provider, never a bare launch type: a task managed scaling cannot place (no
    free interface, CPU or memory) waits for the hosts it adds."""
    service = case.one("AWS::ECS::Service")
    assert "LaunchType" not in service
    [strategy] = service["CapacityProviderStrategy"]
    assert resolve(case.templates, case.filename, strategy["CapacityProvider"]) == "cluster.yaml/HostCapacityProvider"
    if case.awsvpc:
        assert "AWS::EC2::SecurityGroup" in types_in(case.template)
    else:
        assert "NetworkConfiguration" not in service
        assert "AWS::EC2::SecurityGroup" not in types_in(case.template) or case.service.has_load_balancer


@cases([case for case in EC2 if case.awsvpc])
def test_awsvpc_ec2_tasks_get_their_own_group_in_the_private_subnets_without_a_public_ip(case: Case) -> None:
    service = case.one("AWS::ECS::Service")
    # No AssignPublicIp at all: ECS takes it only for Fargate, and its default is DISABLED.
    assert service["NetworkConfiguration"] == {"AwsvpcConfiguration": {
        "Subnets": {"Ref": "PrivateSubnets"},
        "SecurityGroups": [{"Fn::GetAtt": ["TaskSecurityGroup", "GroupId"]}],
    }}
    assert stack_of(case.templates, case.filename)["Parameters"]["PrivateSubnets"] == {
        "Fn::GetAtt": ["Network", "Outputs.PrivateSubnets"]}
    assert "HostSecurityGroup" not in case.template["Parameters"]


@cases(CASES)
def test_service_runs_in_the_cluster_of_the_cluster_stack(case: Case) -> None:
    service = case.one("AWS::ECS::Service")
    assert resolve(case.templates, case.filename, service["Cluster"]) == "cluster.yaml/Cluster"
    assert service["TaskDefinition"] == {"Ref": "TaskDefinition"}
    assert service["DesiredCount"] == case.service.resolved_count


@cases(CASES)
def test_task_definition_networking_matches_the_launch_type(case: Case) -> None:
    definition = case.one("AWS::ECS::TaskDefinition")
    [container] = definition["ContainerDefinitions"]
    assert definition["NetworkMode"] == ("awsvpc" if case.awsvpc else "bridge")
    assert definition["RequiresCompatibilities"] == (["FARGATE"] if case.on_fargate else ["EC2"])
    if case.service.port is None:
        assert "PortMappings" not in container
    else:
        # Bridge mode: host port 0 lets ECS pick one from the dynamic range the load balancer may reach.
        host_port = case.service.port if case.awsvpc else 0
        assert container["PortMappings"] == [{"ContainerPort": case.service.port, "HostPort": host_port,
                                              "Protocol": "tcp"}]
    assert (definition["Cpu"], definition["Memory"]) == (str(case.service.cpu), str(case.service.memory))


@cases(CASES)
def test_container_is_not_privileged_and_logs_to_a_log_group_with_retention(case: Case) -> None:
    [container] = case.one("AWS::ECS::TaskDefinition")["ContainerDefinitions"]
    assert container["Privileged"] is False
    assert container["Image"] == case.service.image
    logging = container["LogConfiguration"]
    assert logging["LogDriver"] == "awslogs"
    log_group = logging["Options"]["awslogs-group"]["Ref"]
    retention = resources(case.template, "AWS::Logs::LogGroup")[log_group]["RetentionInDays"]
    assert retention in CLOUDWATCH_RETENTION_DAYS
    assert logging["Options"]["awslogs-region"] == {"Ref": "AWS::Region"}


# --- IAM ----------------------------------------------------------------------------------------------------


def trusted_services(role: dict[str, Any]) -> list[Any]:
    return [statement["Principal"] for statement in role["AssumeRolePolicyDocument"]["Statement"]]


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


@cases(CASES)
def test_execution_and_task_roles_are_separate_and_trust_only_ecs_tasks(case: Case) -> None:
    definition = case.one("AWS::ECS::TaskDefinition")
    assert definition["ExecutionRoleArn"] == {"Fn::GetAtt": ["ExecutionRole", "Arn"]}
    assert definition["TaskRoleArn"] == {"Fn::GetAtt": ["TaskRole", "Arn"]}
    roles = resources(case.template, "AWS::IAM::Role")
    assert set(roles) == {"ExecutionRole", "TaskRole"}
    for role in roles.values():
        assert trusted_services(role) == [{"Service": "ecs-tasks.amazonaws.com"}]
        [trust] = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Action"] == ["sts:AssumeRole"]
        assert trust["Effect"] == "Allow"
    assert [arn["Fn::Sub"] for arn in roles["ExecutionRole"]["ManagedPolicyArns"]] == [
        "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
    assert "ManagedPolicyArns" not in roles["TaskRole"]


def test_execution_role_reads_exactly_the_services_secrets() -> None:
    case = Case("fargate-only", "storefront")
    role = resources(case.template, "AWS::IAM::Role")["ExecutionRole"]
    assert statements(role) == [
        # The JSON key suffix ECS accepts is not part of the secret's ARN that IAM matches.
        {"Sid": "ReadSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [SECRET]},
        {"Sid": "ReadParameters", "Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [PARAMETER]},
    ]
    [container] = case.one("AWS::ECS::TaskDefinition")["ContainerDefinitions"]
    assert container["Secrets"] == [{"Name": "DB_PASSWORD", "ValueFrom": f"{SECRET}:password::"},
                                    {"Name": "FLAG", "ValueFrom": PARAMETER}]


def test_execution_role_names_each_secret_once_and_nothing_without_secrets() -> None:
    templates = build(f"""
        name: shop
        services:
          api:
            image: nginx
            secrets: {{USER: "{SECRET}:username::", PASSWORD: "{SECRET}:password::"}}
          plain: {{image: nginx}}
        """)
    with_secrets = resources(templates["service-api.yaml"], "AWS::IAM::Role")["ExecutionRole"]
    assert [s["Resource"] for s in statements(with_secrets)] == [[SECRET]]
    without = resources(templates["service-plain.yaml"], "AWS::IAM::Role")["ExecutionRole"]
    assert statements(without) == []


@cases(CASES)
def test_ecs_exec_gives_the_task_role_only_ssmmessages(case: Case) -> None:
    task_role = resources(case.template, "AWS::IAM::Role")["TaskRole"]
    service = case.one("AWS::ECS::Service")
    [container] = case.one("AWS::ECS::TaskDefinition")["ContainerDefinitions"]
    assert service["EnableExecuteCommand"] is case.service.exec
    if case.service.exec:
        assert [s["Action"] for s in statements(task_role)] == [EXEC_ACTIONS]
        assert container["LinuxParameters"] == {"InitProcessEnabled": True}
    else:
        assert statements(task_role) == []
        assert "LinuxParameters" not in container


def test_some_services_use_ecs_exec() -> None:
    assert {str(case) for case in CASES if case.service.exec} == {
        "fargate-only-storefront", "ec2-only-reporter", "bridge-reporter"}


# --- the ECS service ----------------------------------------------------------------------------------------


@cases(CASES)
def test_deployments_roll_back_through_the_circuit_breaker(case: Case) -> None:
    configuration = case.one("AWS::ECS::Service")["DeploymentConfiguration"]
    assert configuration["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}


@cases(LOAD_BALANCED)
def test_service_depends_on_its_forwarding_listener(case: Case) -> None:
    entry = case.template["Resources"]["Service"]
    listener = "HttpsListener" if case.service.https else "HttpListener"
    assert entry["DependsOn"] == [listener]
    assert entry["Properties"]["LoadBalancers"] == [{
        "ContainerName": case.name, "ContainerPort": case.service.port, "TargetGroupArn": {"Ref": "TargetGroup"}}]
    assert entry["Properties"]["HealthCheckGracePeriodSeconds"] == case.service.resolved_health_check.grace_seconds


@parametrize_by_first("case, policies", [
    (Case("example", "api"), {"CpuScalingPolicy": "ECSServiceAverageCPUUtilization"}),
    (Case("ec2-only", "inventory"), {"MemoryScalingPolicy": "ECSServiceAverageMemoryUtilization"}),
    (Case("mixed", "search"), {"RequestScalingPolicy": "ALBRequestCountPerTarget"}),
    (Case("fargate-only", "storefront"), {"CpuScalingPolicy": "ECSServiceAverageCPUUtilization",
                                          "MemoryScalingPolicy": "ECSServiceAverageMemoryUtilization",
                                          "RequestScalingPolicy": "ALBRequestCountPerTarget"}),
])
def test_scaling_has_one_target_tracking_policy_per_configured_metric(case: Case, policies: dict[str, str]) -> None:
    scaling = case.service.scaling
    assert scaling is not None
    target = case.one("AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (scaling.min, scaling.max)
    assert target["ScalableDimension"] == "ecs:service:DesiredCount"
    assert target["ResourceId"] == {"Fn::Join": ["/", ["service", {"Ref": "ClusterName"},
                                                       {"Fn::GetAtt": ["Service", "Name"]}]]}
    found = resources(case.template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    assert {name: props["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]
            ["PredefinedMetricType"] for name, props in found.items()} == policies
    values = {"CpuScalingPolicy": scaling.cpu_percent, "MemoryScalingPolicy": scaling.memory_percent,
              "RequestScalingPolicy": scaling.requests_per_target}
    for name, props in found.items():
        assert props["ScalingTargetId"] == {"Ref": "ScalableTarget"}
        assert props["PolicyType"] == "TargetTrackingScaling"
        assert props["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == values[name]
    if "RequestScalingPolicy" in found:
        specification = found["RequestScalingPolicy"]["TargetTrackingScalingPolicyConfiguration"][
            "PredefinedMetricSpecification"]
        assert specification["ResourceLabel"] == {"Fn::Join": ["/", [
            {"Fn::GetAtt": ["LoadBalancer", "LoadBalancerFullName"]},
            {"Fn::GetAtt": ["TargetGroup", "TargetGroupFullName"]}]]}


@cases([case for case in CASES if case.service.scaling is None])
def test_no_scaling_resources_without_scaling(case: Case) -> None:
    assert not {kind for kind in types_in(case.template) if kind.startswith("AWS::ApplicationAutoScaling::")}
    assert case.one("AWS::ECS::Service")["DesiredCount"] == (case.service.count if case.service.count is not None
                                                             else 2)


@cases(LOAD_BALANCED)
def test_load_balanced_service_outputs_its_url_and_dns_name(case: Case) -> None:
    outputs = case.template["Outputs"]
    scheme = "https://" if case.service.https else "http://"
    assert outputs["LoadBalancerDnsName"]["Value"] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}
    port = ":443" if case.service.https else ":80"
    assert outputs["ServiceUrl"]["Value"] == {"Fn::Join": ["", [scheme, {"Fn::GetAtt": ["LoadBalancer", "DNSName"]},
                                                                port]]}


@pytest.mark.parametrize("variant", list(SERVICE_VARIANTS))
def test_root_surfaces_the_url_of_public_services_only(variant: str) -> None:
    templates = build(SERVICE_VARIANTS[variant])
    public = [case.name for case in PUBLIC if case.variant == variant]
    expected = {f"{name[0].upper()}{name[1:]}Url": {"Fn::GetAtt": [f"{name[0].upper()}{name[1:]}Service",
                                                                    "Outputs.ServiceUrl"]} for name in public}
    assert {name: output["Value"] for name, output in templates["root.yaml"].get("Outputs", {}).items()} == expected


def test_root_surfaces_the_example_api_url() -> None:
    outputs = build(EXAMPLE)["root.yaml"]["Outputs"]
    assert outputs == {"ApiUrl": {"Description": "URL of api",
                                  "Value": {"Fn::GetAtt": ["ApiService", "Outputs.ServiceUrl"]}}}


# --- workers ------------------------------------------------------------------------------------------------


@cases(WORKERS)
def test_workers_have_no_load_balancer_and_admit_nothing(case: Case) -> None:
    assert not types_in(case.template) & ELB_TYPES
    entry = case.template["Resources"]["Service"]
    assert "LoadBalancers" not in entry["Properties"] and "DependsOn" not in entry
    assert not {"ServiceUrl", "LoadBalancerDnsName", "LoadBalancerSecurityGroup"} & set(case.template["Outputs"])
    ingress = [rule for rule in real_rules(case.templates) if rule.direction == "in"]
    assert [rule.name for rule in ingress if rule.group.startswith(f"{case.filename}/")] == []
    # The only ingress a worker's stack writes is its own path into a callee's load balancer.
    callees = {f"service-{callee}.yaml/LoadBalancerSecurityGroup" for callee in case.service.talks_to}
    assert {rule.group for rule in ingress if rule.filename == case.filename} <= callees
    if case.awsvpc:
        assert ingress_into(case.templates, case.task_group) == set()
    else:
        # A bridge worker owns no group: it needs nothing of the VPC (an unused parameter fails lint).
        assert "AWS::EC2::SecurityGroup" not in types_in(case.template)
        # It takes its callees' URLs, nothing else.
        urls = {f"{logical_id(callee)}ServiceUrl" for callee in case.service.talks_to}
        assert set(case.template["Parameters"]) == {"ClusterName", "CapacityProvider"} | urls


@cases([case for case in WORKERS if case.service.talks_to])
def test_workers_reach_only_the_load_balancers_they_talk_to(case: Case) -> None:
    own = group_of(case, case.name)
    reached = {peer for peer, _ in egress_from(case.templates, own) if peer.endswith("LoadBalancerSecurityGroup")}
    assert {f"service-{callee}.yaml/LoadBalancerSecurityGroup" for callee in case.service.talks_to} <= reached
    if case.awsvpc:
        assert reached == {f"service-{callee}.yaml/LoadBalancerSecurityGroup" for callee in case.service.talks_to}


def test_readonly_root_filesystem_is_off_unless_asked_for() -> None:
    blueprint = """
        name: shop
        services:
          api: {image: public.ecr.aws/nginx/nginx:1.27, port: 8080, launch_type: fargate}
          worker: {image: public.ecr.aws/nginx/nginx:1.27, expose: none, launch_type: fargate,
                   readonly_root_filesystem: true}
        """
    templates = build(blueprint)
    [api] = only(resources(templates["service-api.yaml"], "AWS::ECS::TaskDefinition"))["ContainerDefinitions"]
    [worker] = only(resources(templates["service-worker.yaml"], "AWS::ECS::TaskDefinition"))["ContainerDefinitions"]
    assert "ReadonlyRootFilesystem" not in api
    assert worker["ReadonlyRootFilesystem"] is True
