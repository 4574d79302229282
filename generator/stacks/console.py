"""Make a child template friendly when launched on its own (console, Service Catalog): parameters in
labelled groups, and Rules that refuse a combination CloudFormation would only fail on halfway
through (subnets from another VPC)."""

from __future__ import annotations

from troposphere import Ref, Template

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Network", ("VpcId", "VpcCidr", "AvailabilityZones", "PublicSubnets", "PrivateSubnets")),
    ("Cluster", ("ClusterName", "CapacityProvider", "HostSecurityGroup", "HostImageId")),
    ("Load balancer", ("AccessLogBucket", "LoadBalancerDeletionProtection")),
    ("Operator access", ("BastionImageId",)),
)
LABELS = {
    "VpcId": "VPC",
    "VpcCidr": "VPC CIDR block",
    "AvailabilityZones": "Availability zones",
    "PublicSubnets": "Public subnets (one per AZ)",
    "PrivateSubnets": "Private subnets (one per AZ)",
    "ClusterName": "ECS cluster",
    "CapacityProvider": "EC2 capacity provider",
    "HostSecurityGroup": "Security group of the ECS hosts",
    "HostImageId": "AMI of the ECS hosts (SSM parameter name)",
    "AccessLogBucket": "S3 bucket for access logs",
    "LoadBalancerDeletionProtection": "Protect the load balancer from deletion",
    "BastionImageId": "AMI of the bastion (SSM parameter name)",
}
CALLEE_SUFFIX = "LoadBalancerSecurityGroup"
SUBNET_NOUNS = {"PublicSubnets": "public subnets", "PrivateSubnets": "private subnets"}


def make_console_friendly(template: Template) -> Template:
    names = list(template.parameters)
    if not names:
        return template
    groups = []
    placed: set[str] = set()
    for label, members in GROUPS:
        present = [name for name in members if name in names]
        if present:
            groups.append({"Label": {"default": label}, "Parameters": present})
            placed.update(present)
    calls = [name for name in names if name.endswith(CALLEE_SUFFIX)]
    if calls:
        groups.append({"Label": {"default": "Services this one calls"}, "Parameters": calls})
        placed.update(calls)
    rest = [name for name in names if name not in placed]
    if rest:
        groups.append({"Label": {"default": "Other"}, "Parameters": rest})
    labels = {name: {"default": LABELS.get(name, _callee_label(name))} for name in names}
    metadata = dict(template.metadata or {})
    metadata["AWS::CloudFormation::Interface"] = {"ParameterGroups": groups, "ParameterLabels": labels}
    template.set_metadata(metadata)
    _add_vpc_rules(template, names)
    return template


def _callee_label(name: str) -> str:
    if name.endswith(CALLEE_SUFFIX):
        return f"Load balancer security group of {name.removesuffix(CALLEE_SUFFIX)}"
    return name


def _add_vpc_rules(template: Template, names: list[str]) -> None:
    if "VpcId" not in names:
        return
    assertions = []
    for name in names:
        kind = str(template.parameters[name].properties.get("Type", ""))
        if kind == "List<AWS::EC2::Subnet::Id>":
            assertions.append({
                "Assert": {"Fn::EachMemberEquals": [{"Fn::ValueOf": [name, "VpcId"]}, Ref("VpcId")]},
                "AssertDescription": f"All {SUBNET_NOUNS.get(name, name)} must belong to the chosen VPC",
            })
    if assertions:
        template.add_rule("ResourcesInTheChosenVpc", {"Assertions": assertions})
