"""Which resource types the audit may pass without reading them: those whose every security-relevant
property the facts read, and those known to run nothing and open no network path. Every other type
(compute, a path into a VPC, a macro's output, anything AWS adds tomorrow) cannot be verified.

An allow-list, not a deny-list: a type the audit has never heard of fails closed. Each entry says why
it may pass; each type this tool generates is here (the clean sets' audit proves it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

READ = "read by the audit"
# Types whose security-relevant properties the facts read (generator/cfn/facts.py, launches.py,
# policies.py): judged by the rules, not passed unread.
FULLY_READ = {kind: READ for kind in (
    "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::InternetGateway", "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress", "AWS::EC2::PrefixList",
    "AWS::EC2::LaunchTemplate", "AWS::EC2::Instance", "AWS::EC2::SpotFleet", "AWS::EC2::EC2Fleet",
    "AWS::EC2::EIP", "AWS::EC2::EIPAssociation", "AWS::EC2::FlowLog", "AWS::EC2::ClientVpnEndpoint",
    "AWS::EC2::VPCEndpoint", "AWS::AutoScaling::AutoScalingGroup", "AWS::AutoScaling::LaunchConfiguration",
    "AWS::ECS::Service", "AWS::ECS::TaskSet", "AWS::ECS::CapacityProvider",
    "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group",
    "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy",
    "AWS::IAM::GroupPolicy", "AWS::CloudFormation::Stack", "AWS::Events::Rule", "AWS::Scheduler::Schedule",
    "AWS::Pipes::Pipe", "AWS::EC2::Volume", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy",
)}
# Types that run nothing and open no network path, with the reason each may pass unread.
INERT = {
    "AWS::EC2::VPCGatewayAttachment": "attaches a gateway; public routes are judged by the routes to it",
    "AWS::EC2::NatGateway": "outbound only; it lives in a public subnet by design (SPEC 5.2)",
    "AWS::EC2::ClientVpnAuthorizationRule": "narrows who may use a Client VPN endpoint the audit reads",
    "AWS::EC2::ClientVpnTargetNetworkAssociation": "places a Client VPN endpoint the audit reads in a subnet",
    "AWS::EC2::NetworkAcl": "only narrows traffic", "AWS::EC2::NetworkAclEntry": "only narrows traffic",
    "AWS::EC2::SubnetNetworkAclAssociation": "only narrows traffic",
    "AWS::EC2::VolumeAttachment": "attaches a volume the audit reads (SEC802) to an instance it reads",
    "AWS::RDS::DBSubnetGroup": "a list of subnets (judged by SEC202); the database itself is another type",
    "AWS::ElastiCache::SubnetGroup": "a list of subnets (judged by SEC202); the cache itself is another type",
    "AWS::EC2::KeyPair": "a key; which hosts admit SSH is judged on their groups",
    "AWS::ECS::Cluster": "a name for tasks and hosts, which are read where they are placed",
    "AWS::ECS::ClusterCapacityProviderAssociations": "links capacity providers, which are read",
    "AWS::ECS::TaskDefinition": "describes containers; where they run and with which network is read from "
                                "the service, task set or schedule that runs them",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "a list of targets behind a listener the audit reads",
    "AWS::ElasticLoadBalancingV2::ListenerCertificate": "a certificate for a listener the audit reads",
    "AWS::ApplicationAutoScaling::ScalableTarget": "scales a service the audit reads",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "scales a service the audit reads",
    "AWS::AutoScaling::ScalingPolicy": "scales a group the audit reads",
    "AWS::AutoScaling::LifecycleHook": "pauses instances of a group the audit reads",
    "AWS::IAM::InstanceProfile": "hands a role the audit reads to instances",
    "AWS::Logs::LogGroup": "stores logs", "AWS::Logs::MetricFilter": "counts log events",
    "AWS::CloudWatch::Alarm": "watches a metric", "AWS::SNS::Topic": "a queue of messages, no compute",
    "AWS::SQS::Queue": "a queue of messages, no compute",
    "AWS::SNS::Subscription": "delivers a topic's messages to a queue, function or address; runs nothing and opens "
                              "no path into the VPC (a function it invokes is a resource of its own)",
    "AWS::KMS::Key": "a key", "AWS::KMS::Alias": "a name",
    "AWS::SecretsManager::Secret": "stores a secret", "AWS::SSM::Parameter": "stores a value",
    "AWS::S3::Bucket": "stores objects; no compute, no path into the VPC",
    "AWS::S3::BucketPolicy": "grants access to stored objects; no compute, no path into the VPC",
    "AWS::ECR::Repository": "stores images", "AWS::DynamoDB::Table": "stores items",
    "AWS::CertificateManager::Certificate": "a certificate for a listener the audit reads (SEC903 judges its "
                                            "TLS policy, SEC301 its ports); it runs nothing and opens no path",
    "AWS::Route53::RecordSet": "a DNS name for an address; who may connect is judged on the security groups "
                               "behind it, which the audit reads",
    "AWS::Route53::HostedZone": "a namespace", "AWS::ServiceDiscovery::PrivateDnsNamespace": "a namespace",
    "AWS::ServiceDiscovery::Service": "names tasks the audit reads",
    "AWS::CloudFormation::WaitCondition": "waits", "AWS::CloudFormation::WaitConditionHandle": "waits",
    "AWS::ServiceCatalog::Portfolio": "a list of products",
    "AWS::ServiceCatalog::CloudFormationProduct": "offers templates; each launch is a stack audited on its own",
    "AWS::ServiceCatalog::PortfolioProductAssociation": "lists a product in a portfolio",
    "AWS::ServiceCatalog::PortfolioPrincipalAssociation": "lets principals launch a portfolio's products",
    "AWS::ServiceCatalog::LaunchRoleConstraint": "names the launch role, whose policies the audit reads",
}
PASSES = {**FULLY_READ, **INERT}


def unread(resources: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(logical ID, what the audit cannot read) for each entry of a template's `Resources` it may not pass."""
    for logical_id, resource in resources.items():
        if str(logical_id).startswith("Fn::") or not isinstance(resource, dict):
            what = "a macro's output (Fn::ForEach that is not a literal collection)" \
                if str(logical_id).startswith("Fn::ForEach::") else \
                "resources included from outside the set (Fn::Transform)" if logical_id == "Fn::Transform" else \
                "an entry that is no resource"
            yield str(logical_id), what
            continue
        kind = resource.get("Type")
        if kind not in PASSES:
            yield str(logical_id), f"{kind}, which the audit does not read and which may run compute or open " \
                "network paths"
        elif _included(resource.get("Properties")):
            yield str(logical_id), "part of its properties is included from outside the set (Fn::Transform)"


def _included(value: Any) -> bool:
    """Whether an `Fn::Transform` (an AWS::Include, a macro) stands anywhere in the value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "Fn::Transform" in item:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
