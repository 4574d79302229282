"""The one way to declare security groups and their rules (SPEC 5.7).

A group is created with a placeholder egress rule that matches no traffic, which makes
CloudFormation drop the default allow-all egress; every real rule is then a standalone
SecurityGroupIngress or SecurityGroupEgress resource with a description, so a reviewer sees each
path on its own and service stacks can add rules to groups they do not own.
"""

from __future__ import annotations

from typing import TypeVar

from troposphere import AWSHelperFn, GetAtt, Template, ec2

from generator.cfn.ids import logical_id

NO_TRAFFIC = ec2.SecurityGroupRule(
    IpProtocol="icmp",
    FromPort=252,
    ToPort=86,
    CidrIp="255.255.255.255/32",
    Description="Placeholder that matches no traffic: removes the default allow-all egress",
)

Value = str | AWSHelperFn
RuleResource = TypeVar("RuleResource", ec2.SecurityGroupIngress, ec2.SecurityGroupEgress)


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
    peer = {"CidrIp": cidr, "SourceSecurityGroupId": group_id(source) if source is not None else None}
    return template.add_resource(_rule(ec2.SecurityGroupIngress, name, group, "tcp", port, description, peer))


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
    peer = {"CidrIp": cidr, "DestinationPrefixListId": prefix_list,
            "DestinationSecurityGroupId": group_id(destination) if destination is not None else None}
    return template.add_resource(_rule(ec2.SecurityGroupEgress, name, group, protocol, port, description, peer))


def _rule(kind: type[RuleResource], name: str, group: ec2.SecurityGroup | Value, protocol: str,
          port: int | tuple[int, int], description: str, peer: dict[str, Value | None]) -> RuleResource:
    low, high = _ports(port)
    rule = kind(logical_id(name), GroupId=group_id(group), IpProtocol=protocol, FromPort=low, ToPort=high,
                Description=description)
    for key, value in peer.items():
        if value is not None:
            setattr(rule, key, value)
    return rule
