"""The service's load balancer: its security group and the paths into it, the target group, the listeners.

Public: the group admits the listener ports from `allowed_cidrs`; internal: nothing of its own (callers add
themselves). It sends only to the targets: the service's task group on the container port (awsvpc), or the
hosts' dynamic ports (bridge). `reachable_from` adds the Client VPN's group and CIDR blocks.
"""

from __future__ import annotations

from troposphere import GetAtt, Join, Output, Parameter, Ref, Template, ec2
from troposphere import elasticloadbalancingv2 as elb

from generator.blueprint.model import Blueprint, Service, callee_variable
from generator.blueprint.traffic import VPN
from generator.cfn.ids import logical_id
from generator.stacks.cluster import DYNAMIC_HOST_PORTS
from generator.stacks.domain import add_alias_record, listener_certificate
from generator.stacks.parameters import (
    ACCESS_LOG_BUCKET,
    HOST_SECURITY_GROUP,
    LOAD_BALANCER_DELETION_PROTECTION,
    LOAD_BALANCER_SECURITY_GROUP,
    PRIVATE_SUBNETS,
    PUBLIC_SUBNETS,
    SERVICE_URL,
    VPC_ID,
    VPN_SECURITY_GROUP,
)
from generator.stacks.scanner import skip_scanner_checks
from generator.stacks.security import allow_in, allow_out, security_group
from generator.stacks.sources import record_source

HTTP, HTTPS = 80, 443


def listener_port(service: Service) -> int:
    """The port callers and clients use: 443 with a certificate, else 80."""
    return HTTPS if service.serves_https else HTTP


def add_load_balancer(
    template: Template, blueprint: Blueprint, name: str, tasks_group: ec2.SecurityGroup | None,
) -> tuple[elb.LoadBalancer, elb.TargetGroup, elb.Listener, ec2.SecurityGroup]:
    service = blueprint.services[name]
    public = service.resolved_expose == "public"
    assert service.port is not None  # the loader guarantees a port behind a load balancer
    if public:
        template.add_parameter(Parameter(
            PUBLIC_SUBNETS, Type="List<AWS::EC2::Subnet::Id>", Description="Public subnets for the load balancer",
        ))
    template.add_parameter(Parameter(
        ACCESS_LOG_BUCKET, Type="String", Description="S3 bucket the load balancer writes its access logs to",
    ))
    template.add_parameter(Parameter(
        LOAD_BALANCER_DELETION_PROTECTION, Type="String", Default="false", AllowedValues=["true", "false"],
        Description="Refuse to delete the load balancer (turn off before deleting the stack)",
    ))
    group = security_group(
        template, "LoadBalancerSecurityGroup",
        f"Load balancer of {name}: " + ("listener ports from the allowed networks" if public
                                        else "only from the services that talk to it"),
        Ref(VPC_ID),
    )
    if public:
        ports = [HTTPS, HTTP] if service.serves_https else [HTTP]
        for index, cidr in enumerate(service.resolved_allowed_cidrs, start=1):
            for port in ports:
                why = "redirect to HTTPS" if service.serves_https and port == HTTP else "clients"
                rule = allow_in(template, f"LoadBalancerPort{port}FromNetwork{index}", group, port,
                                f"Port {port} ({why}) from {cidr}", cidr=cidr)
                record_source(rule, f"services.{name}.allowed_cidrs")
                if port == HTTP:
                    skip_scanner_checks(rule, "CKV_AWS_260")

    if tasks_group is not None:
        allow_out(template, "LoadBalancerToTasks", group, service.port,
                  f"To {name} tasks on the container port", destination=tasks_group)
        allow_in(template, "TaskSecurityGroupFromLoadBalancer", tasks_group, service.port,
                 f"From the {name} load balancer only", source=group)
    else:
        allow_out(template, "LoadBalancerToHosts", group, DYNAMIC_HOST_PORTS,
                  f"To {name} containers on the hosts' dynamic ports", destination=Ref(HOST_SECURITY_GROUP))
        allow_in(template, "HostSecurityGroupFrom" + logical_id(name, "LoadBalancer"), Ref(HOST_SECURITY_GROUP),
                 DYNAMIC_HOST_PORTS, f"From the {name} load balancer to its containers", source=group)

    load_balancer = template.add_resource(elb.LoadBalancer(
        "LoadBalancer",
        Type="application",
        Scheme="internet-facing" if public else "internal",
        Subnets=Ref(PUBLIC_SUBNETS) if public else Ref(PRIVATE_SUBNETS),
        SecurityGroups=[GetAtt(group, "GroupId")],
        LoadBalancerAttributes=[
            elb.LoadBalancerAttributes(Key="routing.http.drop_invalid_header_fields.enabled", Value="true"),
            elb.LoadBalancerAttributes(Key="routing.http.desync_mitigation_mode", Value="defensive"),
            elb.LoadBalancerAttributes(Key="idle_timeout.timeout_seconds", Value="60"),
            elb.LoadBalancerAttributes(Key="deletion_protection.enabled",
                                       Value=Ref(LOAD_BALANCER_DELETION_PROTECTION)),
            elb.LoadBalancerAttributes(Key="access_logs.s3.enabled", Value="true"),
            elb.LoadBalancerAttributes(Key="access_logs.s3.bucket", Value=Ref(ACCESS_LOG_BUCKET)),
            elb.LoadBalancerAttributes(Key="access_logs.s3.prefix", Value=name),
        ],
    ))
    health = service.resolved_health_check
    target_group = template.add_resource(elb.TargetGroup(
        "TargetGroup",
        VpcId=Ref(VPC_ID),
        Port=service.port,
        Protocol="HTTP",
        TargetType="ip" if tasks_group is not None else "instance",
        HealthCheckProtocol="HTTP",
        HealthCheckPort="traffic-port",
        HealthCheckPath=health.path,
        HealthCheckIntervalSeconds=15,
        HealthCheckTimeoutSeconds=5,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=3,
        Matcher=elb.Matcher(HttpCode="200-399"),
        TargetGroupAttributes=[
            elb.TargetGroupAttribute(Key="deregistration_delay.timeout_seconds", Value="30"),
        ],
    ))
    forward = [elb.Action(Type="forward", TargetGroupArn=Ref(target_group))]
    https = service.resolved_https
    if https is not None:
        listener = template.add_resource(record_source(elb.Listener(
            "HttpsListener", LoadBalancerArn=Ref(load_balancer), Port=HTTPS, Protocol="HTTPS",
            SslPolicy=https.ssl_policy,
            Certificates=[elb.Certificate(CertificateArn=listener_certificate(template, name, service))],
            DefaultActions=forward,
        ), f"services.{name}." + ("https" if service.https else "domain")))
        if public:
            # The same logical ID as the forwarding listener a service without a certificate has, so
            # adding HTTPS updates the port-80 listener in place (a new one would clash on the port).
            template.add_resource(elb.Listener(
                "HttpListener", LoadBalancerArn=Ref(load_balancer), Port=HTTP, Protocol="HTTP",
                DefaultActions=[elb.Action(Type="redirect", RedirectConfig=elb.RedirectConfig(
                    Protocol="HTTPS", Port=str(HTTPS), StatusCode="HTTP_301"))],
            ))
    else:
        listener = template.add_resource(skip_scanner_checks(elb.Listener(
            "HttpListener", LoadBalancerArn=Ref(load_balancer), Port=HTTP, Protocol="HTTP", DefaultActions=forward,
        ), "CKV_AWS_2", "CKV_AWS_103"))

    add_alias_record(template, name, service, load_balancer)
    scheme = "https" if service.serves_https else "http"
    # A domain is the name callers and clients use; the load balancer's own name needs its port spelled out.
    url = service.domain.url if service.domain else Join("", [
        f"{scheme}://", GetAtt(load_balancer, "DNSName"), f":{listener_port(service)}"])
    template.add_output([
        Output("LoadBalancerDnsName", Description=f"DNS name of the {name} load balancer",
               Value=GetAtt(load_balancer, "DNSName")),
        Output(SERVICE_URL, Description=f"URL of {name}" + ("" if public else
                                                          f" (its callers' {callee_variable(name)})"),
               Value=url),
        Output(LOAD_BALANCER_SECURITY_GROUP, Description=f"Security group of the {name} load balancer",
               Value=GetAtt(group, "GroupId")),
    ])
    return load_balancer, target_group, listener, group


def admit_host_callers(template: Template, name: str, service: Service, callers: list[str],
                        group: ec2.SecurityGroup) -> None:
    """Callers on EC2 hosts all leave from the host group; open that one path once, here."""
    port = listener_port(service)
    who = ", ".join(callers)
    allow_in(template, "LoadBalancerFromHosts", group, port,
             f"From services on the cluster hosts that call {name}: {who}", source=Ref(HOST_SECURITY_GROUP))
    allow_out(template, "HostSecurityGroupTo" + logical_id(name, "LoadBalancer"), Ref(HOST_SECURITY_GROUP), port,
              f"Services on the cluster hosts ({who}) call the {name} load balancer",
              destination=group)


def admit_networks(template: Template, name: str, service: Service, group: ec2.SecurityGroup) -> None:
    """`reachable_from`: the Client VPN's clients (its group, let out to this load balancer here, as a caller
    lets itself out) and CIDR blocks, each on the listener port."""
    port = listener_port(service)
    networks = 0
    for source in service.reachable_from:
        if source == VPN:
            template.add_parameter(Parameter(
                VPN_SECURITY_GROUP, Type="AWS::EC2::SecurityGroup::Id",
                Description="Security group of the Client VPN endpoint",
            ))
            allow_in(template, "LoadBalancerFromVpn", group, port, f"Client VPN users reach {name}",
                     source=Ref(VPN_SECURITY_GROUP))
            allow_out(template, "VpnSecurityGroupTo" + logical_id(name, "LoadBalancer"), Ref(VPN_SECURITY_GROUP),
                      port, f"Client VPN users reach the {name} load balancer", destination=group)
        else:
            networks += 1
            allow_in(template, f"LoadBalancerFromNetwork{networks}", group, port, f"{source} reaches {name}",
                     cidr=source)
