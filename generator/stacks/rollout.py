"""How a service's new task definitions roll out (`services.<name>.deployment`, docs/deployments.md).

Every strategy keeps the circuit breaker and, for a service with a load balancer, rolls back on two alarms
of that load balancer. The traffic-shifting strategies (blue-green, linear, canary) add what ECS moves
traffic with: an alternate target group made from the primary one (same port, protocol, target type and
health check), a production listener rule on the existing listener and a test listener with its rule, both
forwarding to the primary group at weight 100 and the alternate at 0 (ECS changes the weights), and the role
ECS assumes to change them: trusting ecs.amazonaws.com of this account only, allowed to modify exactly these
rules and listeners and to register targets in exactly these groups.

The test listener admits only the networks the service already names, never the internet: a public
service's `allowed_cidrs` narrower than /8, an internal one's `reachable_from` (its CIDRs and the Client
VPN's group). Callers (`talks_to`) reach production only.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from awacs import elasticloadbalancing as elbv2_actions
from awacs.aws import Condition, StringEquals
from troposphere import AccountId, GetAtt, Ref, Template, cloudwatch, ec2, ecs, iam
from troposphere import elasticloadbalancingv2 as elb

from generator.blueprint.deployment import STRATEGIES
from generator.blueprint.model import Service
from generator.blueprint.service_rules import BROAD
from generator.blueprint.traffic import VPN
from generator.cfn.ids import logical_id
from generator.stacks.domain import listener_certificate
from generator.stacks.iam import service_role, statement
from generator.stacks.parameters import VPN_SECURITY_GROUP
from generator.stacks.scanner import skip_scanner_checks
from generator.stacks.security import allow_in, allow_out
from generator.stacks.sources import from_blueprint, record_source

ECS_PRINCIPAL = "ecs.amazonaws.com"
# The alarms' thresholds (docs/deployments.md): a minute's 5xx rate of the targets over 5 % once at least
# 20 requests came in that minute (fewer say little), or any unhealthy target, 3 minutes in a row each.
ERROR_RATE_PERCENT = 5
MINIMUM_REQUESTS = 20
ALARM_MINUTES = 3
# What ECS reads while it shifts (Describe* takes no resource ARN, so `*`, as in AWS's managed policy).
DESCRIBE = [elbv2_actions.DescribeListeners, elbv2_actions.DescribeRules, elbv2_actions.DescribeTargetGroups,
            elbv2_actions.DescribeTargetHealth]


@dataclass
class Rollout:
    """What the ECS service takes from this module: alarm names and the load balancer's advanced configuration
    (whose references to the rules make the service wait for them)."""

    alarms: list[Ref] = field(default_factory=list)
    advanced: ecs.AdvancedConfiguration | None = None


def add_rollout(template: Template, name: str, service: Service, load_balancer: elb.LoadBalancer,
                target_group: elb.TargetGroup, listener: elb.Listener, group: ec2.SecurityGroup) -> Rollout:
    key = f"services.{name}.deployment"
    rollout = Rollout()
    deployment = service.deployment
    target_groups = [target_group]
    if deployment.shifts_traffic:
        with from_blueprint(template, f"{key}.strategy"):
            alternate = template.add_resource(elb.TargetGroup("AlternateTargetGroup", **target_group.properties))
            target_groups.append(alternate)
            production = _forwarding_rule(template, "ProductionListenerRule", listener, target_group, alternate)
        with from_blueprint(template, f"{key}.test_port"):
            test_listener = _test_listener(template, name, service, load_balancer, target_group)
            test = _forwarding_rule(template, "TestListenerRule", test_listener, target_group, alternate)
            _admit_testers(template, name, service, group)
        with from_blueprint(template, f"{key}.strategy"):
            role = _shifting_role(template, name, [listener, test_listener], [production, test], target_groups)
        rollout.advanced = ecs.AdvancedConfiguration(
            AlternateTargetGroupArn=Ref(alternate), ProductionListenerRule=Ref(production),
            TestListenerRule=Ref(test), RoleArn=GetAtt(role, "Arn"),
        )
    if deployment.resolved_alarms(service):
        with from_blueprint(template, f"{key}.alarms"):
            rollout.alarms = [Ref(alarm) for alarm in _alarms(template, name, load_balancer, target_groups)]
    return rollout


def deployment_configuration(service: Service, rollout: Rollout) -> ecs.DeploymentConfiguration:
    """The circuit breaker always; the strategy, its bake and sizes; rollback on the alarms when there are some."""
    deployment = service.deployment
    configuration = ecs.DeploymentConfiguration(
        DeploymentCircuitBreaker=ecs.DeploymentCircuitBreaker(Enable=True, Rollback=True),
        MaximumPercent=200, MinimumHealthyPercent=100,
    )
    if deployment.strategy != "rolling" or deployment.bake_minutes is not None:
        configuration.Strategy = STRATEGIES[deployment.strategy]
    if deployment.resolved_bake_minutes is not None:
        configuration.BakeTimeInMinutes = deployment.resolved_bake_minutes
    shape = deployment.resolved_shape
    if deployment.strategy == "canary":
        configuration.CanaryConfiguration = ecs.CanaryConfiguration(
            CanaryPercent=shape["canary_percent"], CanaryBakeTimeInMinutes=shape["canary_minutes"])
    if deployment.strategy == "linear":
        configuration.LinearConfiguration = ecs.LinearConfiguration(
            StepPercent=shape["step_percent"], StepBakeTimeInMinutes=shape["step_minutes"])
    if rollout.alarms:
        configuration.Alarms = ecs.DeploymentAlarms(AlarmNames=rollout.alarms, Enable=True, Rollback=True)
    return configuration


def _forwarding_rule(template: Template, title: str, listener: elb.Listener, primary: elb.TargetGroup,
                     alternate: elb.TargetGroup) -> elb.ListenerRule:
    """Every request to the primary group (weight 100) and none to the alternate: ECS moves the weights."""
    return template.add_resource(elb.ListenerRule(
        title, ListenerArn=Ref(listener), Priority=1,
        Conditions=[elb.Condition(Field="path-pattern", PathPatternConfig=elb.PathPatternConfig(Values=["/*"]))],
        Actions=[elb.ListenerRuleAction(Type="forward", ForwardConfig=elb.ForwardConfig(TargetGroups=[
            elb.TargetGroupTuple(TargetGroupArn=Ref(primary), Weight=100),
            elb.TargetGroupTuple(TargetGroupArn=Ref(alternate), Weight=0),
        ]))],
    ))


def _test_listener(template: Template, name: str, service: Service, load_balancer: elb.LoadBalancer,
                   primary: elb.TargetGroup) -> elb.Listener:
    """The production listener's twin on the test port: HTTPS with the same certificate and policy, or HTTP."""
    port = service.deployment.resolved_test_port(service)
    forward = [elb.Action(Type="forward", TargetGroupArn=Ref(primary))]
    https = service.resolved_https  # a `domain` serves HTTPS too, on the certificate it brings or requests
    if https is not None:
        return template.add_resource(elb.Listener(
            "TestListener", LoadBalancerArn=Ref(load_balancer), Port=port, Protocol="HTTPS",
            SslPolicy=https.ssl_policy,
            Certificates=[elb.Certificate(CertificateArn=listener_certificate(template, name, service))],
            DefaultActions=forward,
        ))
    return template.add_resource(skip_scanner_checks(elb.Listener(
        "TestListener", LoadBalancerArn=Ref(load_balancer), Port=port, Protocol="HTTP", DefaultActions=forward,
    ), "CKV_AWS_2", "CKV_AWS_103"))


def testers(service: Service) -> list[str]:
    """Who may reach the test listener: the service's own networks short of the internet (see the module)."""
    if service.resolved_expose == "public":
        return [cidr for cidr in service.resolved_allowed_cidrs
                if ipaddress.IPv4Network(cidr).prefixlen > BROAD]
    return list(service.reachable_from)


def _admit_testers(template: Template, name: str, service: Service, group: ec2.SecurityGroup) -> None:
    port = service.deployment.resolved_test_port(service)
    assert port is not None
    networks = 0
    for source in testers(service):
        if source == VPN:  # the VPN group's parameter is there: reachable_from declared it
            allow_in(template, "LoadBalancerTestPortFromVpn", group, port,
                     f"Client VPN users reach the {name} test listener", source=Ref(VPN_SECURITY_GROUP))
            allow_out(template, "VpnSecurityGroupTo" + logical_id(name, "TestListener"),
                      Ref(VPN_SECURITY_GROUP), port, f"Client VPN users reach the {name} test listener",
                      destination=group)
            continue
        networks += 1
        rule = allow_in(template, f"LoadBalancerTestPortFromNetwork{networks}", group, port,
                        f"Test listener {port} from {source}", cidr=source)
        where = "allowed_cidrs" if service.resolved_expose == "public" else "reachable_from"
        record_source(rule, f"services.{name}.deployment.test_port", f"services.{name}.{where}")


def _shifting_role(template: Template, name: str, listeners: list[elb.Listener], rules: list[elb.ListenerRule],
                   target_groups: list[elb.TargetGroup]) -> iam.Role:
    return service_role(
        template, "TrafficShiftingRole", ECS_PRINCIPAL,
        f"ECS shifts {name} traffic between its two target groups: these listeners and rules only",
        statements=[
            statement(DESCRIBE, ["*"], sid="ReadLoadBalancing"),
            statement([elbv2_actions.ModifyListener], [Ref(item) for item in listeners], sid="ShiftListeners"),
            statement([elbv2_actions.ModifyRule], [Ref(item) for item in rules], sid="ShiftRules"),
            statement([elbv2_actions.RegisterTargets, elbv2_actions.DeregisterTargets],
                      [Ref(item) for item in target_groups], sid="RegisterTasks"),
        ],
        trust_condition=Condition(StringEquals("aws:SourceAccount", AccountId)),
    )


def _alarms(template: Template, name: str, load_balancer: elb.LoadBalancer,
            target_groups: list[elb.TargetGroup]) -> list[cloudwatch.Alarm]:
    balancer = GetAtt(load_balancer, "LoadBalancerFullName")

    def metric(query: str, metric_name: str, stat: str, target_group: elb.TargetGroup | None = None
               ) -> cloudwatch.MetricDataQuery:
        dimensions = [cloudwatch.MetricDimension(Name="LoadBalancer", Value=balancer)]
        if target_group is not None:
            dimensions.append(cloudwatch.MetricDimension(Name="TargetGroup",
                                                         Value=GetAtt(target_group, "TargetGroupFullName")))
        return cloudwatch.MetricDataQuery(Id=query, ReturnData=False, MetricStat=cloudwatch.MetricStat(
            Metric=cloudwatch.Metric(Namespace="AWS/ApplicationELB", MetricName=metric_name, Dimensions=dimensions),
            Period=60, Stat=stat))

    common = {"EvaluationPeriods": ALARM_MINUTES, "DatapointsToAlarm": ALARM_MINUTES,
              "TreatMissingData": "notBreaching"}
    errors = template.add_resource(cloudwatch.Alarm(
        "TargetErrorRateAlarm",
        AlarmDescription=f"{name}: over {ERROR_RATE_PERCENT} % of requests answered 5xx by the tasks, "
                         f"{ALARM_MINUTES} minutes in a row; rolls a deployment back",
        ComparisonOperator="GreaterThanThreshold", Threshold=ERROR_RATE_PERCENT, **common,
        Metrics=[
            metric("errors", "HTTPCode_Target_5XX_Count", "Sum"),
            metric("requests", "RequestCount", "Sum"),
            cloudwatch.MetricDataQuery(
                Id="rate", ReturnData=True, Label="Target 5xx rate (percent)",
                Expression=f"IF(FILL(requests, 0) >= {MINIMUM_REQUESTS}, 100 * FILL(errors, 0) / requests, 0)"),
        ],
    ))
    counts = [metric(f"unhealthy{index}", "UnHealthyHostCount", "Maximum", target_group)
              for index, target_group in enumerate(target_groups, start=1)]
    unhealthy = template.add_resource(cloudwatch.Alarm(
        "UnhealthyTargetsAlarm",
        AlarmDescription=f"{name}: a target fails the load balancer's health check, {ALARM_MINUTES} minutes "
                         "in a row; rolls a deployment back",
        ComparisonOperator="GreaterThanOrEqualToThreshold", Threshold=1, **common,
        Metrics=[*counts, cloudwatch.MetricDataQuery(
            Id="unhealthy", ReturnData=True, Label="Unhealthy targets",
            Expression=" + ".join(f"FILL({query.Id}, 0)" for query in counts))],
    ))
    return [errors, unhealthy]
