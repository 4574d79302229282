"""The one way to declare security groups and their rules (SPEC 5.7).

A group is created with a placeholder egress rule that matches no traffic, which makes
CloudFormation drop the default allow-all egress; every real rule is then a standalone
SecurityGroupIngress or SecurityGroupEgress resource with a description, so a reviewer sees each
path on its own and service stacks can add rules to groups they do not own.
"""

from __future__ import annotations

from troposphere import AWSHelperFn, GetAtt, Template, ec2

from generator.ids import logical_id

NO_TRAFFIC = ec2.SecurityGroupRule(
    IpProtocol="icmp",
    FromPort=252,
    ToPort=86,
    CidrIp="255.255.255.255/32",
    Description="Placeholder that matches no traffic: removes the default allow-all egress",
)

Value = str | AWSHelperFn


def security_group(template: Template, name: str, description: str, vpc: Value) -> ec2.SecurityGroup:
    return template.add_resource(
        ec2.SecurityGroup(
            name,
            GroupDescription=description,
            VpcId=vpc,
            SecurityGroupEgress=[NO_TRAFFIC],
        )
    )


def group_id(group: ec2.SecurityGroup | Value) -> Value:
    return GetAtt(group, "GroupId") if isinstance(group, ec2.SecurityGroup) else group


def _ports(port: int | tuple[int, int]) -> tuple[int, int]:
    return port if isinstance(port, tuple) else (port, port)


def allow_in(
    template: Template,
    name: str,
    group: ec2.SecurityGroup | Value,
    port: int | tuple[int, int],
    description: str,
    *,
    cidr: Value | None = None,
    source: ec2.SecurityGroup | Value | None = None,
) -> ec2.SecurityGroupIngress:
    """Admit TCP on `port` into `group` from a CIDR or from another group."""
    low, high = _ports(port)
    rule = ec2.SecurityGroupIngress(
        logical_id(name), GroupId=group_id(group), IpProtocol="tcp", FromPort=low, ToPort=high,
        Description=description,
    )
    if cidr is not None:
        rule.CidrIp = cidr
    if source is not None:
        rule.SourceSecurityGroupId = group_id(source)
    return template.add_resource(rule)


def allow_out(
    template: Template,
    name: str,
    group: ec2.SecurityGroup | Value,
    port: int | tuple[int, int],
    description: str,
    *,
    cidr: Value | None = None,
    destination: ec2.SecurityGroup | Value | None = None,
    prefix_list: Value | None = None,
    protocol: str = "tcp",
) -> ec2.SecurityGroupEgress:
    """Let `group` send `protocol` on `port` to a CIDR, another group or a prefix list."""
    low, high = _ports(port)
    rule = ec2.SecurityGroupEgress(
        logical_id(name), GroupId=group_id(group), IpProtocol=protocol, FromPort=low, ToPort=high,
        Description=description,
    )
    if cidr is not None:
        rule.CidrIp = cidr
    if destination is not None:
        rule.DestinationSecurityGroupId = group_id(destination)
    if prefix_list is not None:
        rule.DestinationPrefixListId = prefix_list
    return template.add_resource(rule)

