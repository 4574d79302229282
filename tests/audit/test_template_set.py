"""The template-set model: values resolved and references followed across nested stacks by one resolver,
facts worked out once per set, and generator/cfn/ free of import cycles."""

from __future__ import annotations

from generator.cfn.facts import Facts
from generator.cfn.templates import Lit, Opaque, Param, Reference, Res, TemplateSet

ROOT = {
    "Parameters": {"Cidr": {"Type": "String"}},
    "Resources": {
        "Network": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "network.yaml"}},
        "Service": {"Type": "AWS::CloudFormation::Stack", "Properties": {
            "TemplateURL": "service.yaml",
            "Parameters": {
                "Subnets": {"Fn::Join": [",", [{"Fn::GetAtt": ["Network", "Outputs.PrivateSubnet1"]},
                                               {"Fn::GetAtt": "Network.Outputs.PrivateSubnet2"}]]},
                "VpcId": {"Fn::GetAtt": ["Network", "Outputs.VpcId"]},
                "Cidr": {"Ref": "Cidr"},
            },
        }},
    },
}
NETWORK = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "PrivateSubnet1": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "PrivateSubnet2": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}}},
    },
    "Outputs": {
        "VpcId": {"Value": {"Ref": "Vpc"}},
        "PrivateSubnet1": {"Value": {"Ref": "PrivateSubnet1"}},
        "PrivateSubnet2": {"Value": {"Ref": "PrivateSubnet2"}},
    },
}
SERVICE = {
    "Parameters": {"Subnets": {"Type": "CommaDelimitedList"}, "VpcId": {"Type": "String"},
                   "Cidr": {"Type": "String"}},
    "Resources": {
        "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "VpcId": {"Ref": "VpcId"},
            "SecurityGroupIngress": [{"CidrIp": {"Ref": "Cidr"}, "IpProtocol": "tcp"}],
        }},
        "Balancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {
            "Subnets": {"Ref": "Subnets"},
            "SecurityGroups": [{"Fn::GetAtt": ["Group", "GroupId"]}],
            "Name": {"Fn::Sub": ["${Prefix}-${AWS::StackName}-${Group.GroupId}", {"Prefix": {"Ref": "VpcId"}}]},
        }},
    },
}
SET = {"root.yaml": ROOT, "network.yaml": NETWORK, "service.yaml": SERVICE}


def test_a_value_resolves_across_nested_stacks() -> None:
    templates = TemplateSet.of_documents(SET)
    balancer = templates.properties(Res("service.yaml", "Balancer"))
    assert templates.resolve("service.yaml", balancer["Subnets"]) == [Res("network.yaml", "PrivateSubnet1"),
                                                                      Res("network.yaml", "PrivateSubnet2")]
    group = templates.properties(Res("service.yaml", "Group"))
    assert templates.resolve("service.yaml", group["VpcId"]) == [Res("network.yaml", "Vpc")]
    assert templates.resolve("service.yaml", group["SecurityGroupIngress"][0]["CidrIp"]) == [Param("root.yaml",
                                                                                                   "Cidr")]
    assert templates.resolve("service.yaml", {"Ref": "AWS::Region"}) == [Opaque("AWS::Region")]
    assert templates.resolve("service.yaml", {"Fn::GetAtt": ["Missing", "Arn"]}) == [Opaque("Missing.Arn")]
    assert templates.resolve("root.yaml", {"Fn::GetAtt": ["Network", "Outputs.Nothing"]}) == [
        Opaque("Network.Outputs.Nothing")]
    assert templates.resolve("service.yaml", "sg-1") == [Lit("sg-1")]


def test_references_say_which_resources_a_value_follows_and_where() -> None:
    """What the diff's cascade asks: the ID (attribute None) or an attribute of which resource, at which
    place of the property; parameters and outputs are seen through, pseudo parameters are not references."""
    templates = TemplateSet.of_documents(SET)
    balancer = templates.properties(Res("service.yaml", "Balancer"))
    assert list(templates.references("service.yaml", balancer)) == [
        Reference(("Subnets",), Res("network.yaml", "PrivateSubnet1"), None),
        Reference(("Subnets",), Res("network.yaml", "PrivateSubnet2"), None),
        Reference(("SecurityGroups", 0), Res("service.yaml", "Group"), "GroupId"),
        Reference(("Name",), Res("service.yaml", "Group"), "GroupId"),  # ${Group.GroupId} in the text
        Reference(("Name", 0), Res("network.yaml", "Vpc"), None),  # the variable Prefix: its position
    ]
    stack = templates.properties(Res("root.yaml", "Service"))
    assert [(r.where, r.target.id) for r in templates.references("root.yaml", stack["Parameters"])] == [
        (("Subnets", 1, 0), "PrivateSubnet1"), (("Subnets", 1, 1), "PrivateSubnet2"), (("VpcId",), "Vpc")]


def test_a_set_s_facts_are_worked_out_once_and_shared() -> None:
    templates = TemplateSet.of_documents(SET)
    facts = Facts.of(templates)
    assert Facts.of(templates) is facts
    assert Facts.of(TemplateSet.of_documents(SET)) is not facts
    assert [rule.cidr for rule in facts.rules] == ["(computed)"]  # an input from outside: not a literal
