"""`blueprint diff` of an existing bridge-mode stack switched to awsvpc (the new default): the reviewer
sees every EC2 service's task definition and target group replaced, and the task groups added, before
deploying."""

from __future__ import annotations

from generator.review.diff import ADDED, INTERRUPTION, REMOVED, REPLACEMENT, as_markdown, diff_apps

from .helpers import SHOP, apps, edit

BRIDGE = edit(SHOP, "max: 4}", "max: 4, network_mode: bridge}")


def test_switching_from_bridge_to_awsvpc_replaces_task_definitions_and_target_groups() -> None:
    result = diff_apps(apps(BRIDGE), apps(SHOP))
    by_id = {(r.stack, r.logical_id): r for r in result.resources}

    for service in ("api", "images"):
        stack = f"service-{service}.yaml"
        # A task definition is never updated: CloudFormation registers a new revision (a new ID), and the
        # service rolls its tasks onto it; the diff says so for the network mode.
        definition = by_id[(stack, "TaskDefinition")]
        assert definition.effect == INTERRUPTION
        assert {c.path for c in definition.changes} >= {"/NetworkMode"}
        assert all("new task definition revision" in c.reason for c in definition.changes)
        target_group = by_id[(stack, "TargetGroup")]
        assert target_group.effect == REPLACEMENT
        assert [(c.path, c.reason) for c in target_group.changes] == [("/TargetType", "create-only property")]
        assert by_id[(stack, "Service")].effect == INTERRUPTION
        assert by_id[(stack, "TaskSecurityGroup")].action == ADDED
    assert by_id[("service-api.yaml", "HostSecurityGroupFromApiLoadBalancer")].action == REMOVED
    assert result.fails(["replacement"])
    comment = as_markdown(result)
    assert "will be REPLACED" in comment and "TargetGroup" in comment and "TaskDefinition" in comment
