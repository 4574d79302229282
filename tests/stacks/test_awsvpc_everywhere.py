"""Issue 17's sweep: in every committed and test blueprint that does not opt into bridge networking, every
EC2 service runs awsvpc tasks in a task group of its own, and the host group admits no load balancer."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared import REPO

from generator.blueprint import load_blueprint
from generator.pipeline import documents

BLUEPRINTS = sorted([*(REPO / "blueprints").glob("*.yaml"), *(REPO / "tests" / "audit" / "blueprints").glob("*.yaml")])


def _awsvpc(path: Path) -> bool:
    blueprint = load_blueprint(path)
    instances = blueprint.cluster.instances
    return instances is None or instances.network_mode == "awsvpc"


@pytest.mark.parametrize("path", [p for p in BLUEPRINTS if _awsvpc(p)], ids=lambda p: p.name)
def test_every_ec2_service_has_awsvpc_tasks_in_its_own_group_and_hosts_admit_no_load_balancer(path: Path) -> None:
    blueprint = load_blueprint(path)
    templates = documents(blueprint)
    for name in blueprint.services:
        template = templates[f"service-{name}.yaml"]
        resources = template["Resources"]
        definition = next(r["Properties"] for r in resources.values() if r["Type"] == "AWS::ECS::TaskDefinition")
        assert definition["NetworkMode"] == "awsvpc", name
        ecs_service = next(r["Properties"] for r in resources.values() if r["Type"] == "AWS::ECS::Service")
        groups = ecs_service["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"]
        assert groups == [{"Fn::GetAtt": ["TaskSecurityGroup", "GroupId"]}], name  # its own, and only it
        assert resources["TaskSecurityGroup"]["Type"] == "AWS::EC2::SecurityGroup"
    cluster = templates["cluster.yaml"]["Resources"]
    host_group = cluster.get("HostSecurityGroup", {}).get("Properties", {})
    inbound = list(host_group.get("SecurityGroupIngress") or [])
    for template in templates.values():
        inbound += [r["Properties"] for r in template["Resources"].values()
                    if r["Type"] == "AWS::EC2::SecurityGroupIngress"
                    and "HostSecurityGroup" in str(r["Properties"].get("GroupId"))]
    assert not [rule for rule in inbound if "LoadBalancer" in str(rule.get("SourceSecurityGroupId"))]
