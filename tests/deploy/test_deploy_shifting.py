"""The deploy preview under a change set: a service that shifts traffic (issue 21) has its new task definition
said to be shifted, with the strategy, where CloudFormation lists it as REPLACED. moto makes no nested change
sets, so the summary is checked on CloudFormation-shaped data, as test_change_set_summary_* does."""

from __future__ import annotations

from shared import load

from generator.deploy.changeset import ChangeSet, ResourceChange
from generator.deploy.shifting import shifted_notes, shifted_stacks
from generator.pipeline import generate

BLUEPRINT = """\
name: shop
cluster: {fargate: true}
services:
  web: {image: nginx, port: 8080, expose: public, deployment: {strategy: canary, canary_percent: 10}}
  cart: {image: nginx, port: 8080, deployment: {strategy: blue-green, bake_minutes: 30}}
  admin: {image: nginx, port: 8080}
"""


def change_set(*changes: ResourceChange) -> ChangeSet:
    return ChangeSet("id", "blueprint-1", "shop", "arn", "UPDATE", "CREATE_COMPLETE", "", list(changes))


def test_the_preview_says_a_shifted_service_s_new_revision_is_shifted_with_its_strategy() -> None:
    shifted = shifted_stacks(generate(load(BLUEPRINT)))
    assert set(shifted) == {"WebService", "CartService"}  # admin rolls
    changes = change_set(
        ResourceChange("", "Modify", "WebService", "AWS::CloudFormation::Stack", "False"),
        ResourceChange("WebService", "Modify", "TaskDefinition", "AWS::ECS::TaskDefinition", "True"),
        ResourceChange("WebService", "Modify", "Service", "AWS::ECS::Service", "False"),
        ResourceChange("CartService", "Modify", "TaskDefinition", "AWS::ECS::TaskDefinition", "True"),
        ResourceChange("AdminService", "Modify", "TaskDefinition", "AWS::ECS::TaskDefinition", "True"),
    )
    notes = shifted_notes(changes, shifted).splitlines()
    assert len(notes) == 2  # one per shifted stack, none for the rolling admin
    assert notes[0].startswith("note: WebService: the new task definition is shifted (CANARY), not replaced in place")
    assert "10 % of the traffic for 10 min" in notes[0]
    assert "shifted (BLUE_GREEN)" in notes[1] and "30-minute bake" in notes[1]


def test_no_note_when_the_change_set_leaves_the_tasks_alone() -> None:
    shifted = shifted_stacks(generate(load(BLUEPRINT)))
    changes = change_set(ResourceChange("WebService", "Modify", "LoadBalancer",
                                        "AWS::ElasticLoadBalancingV2::LoadBalancer", "False"))
    assert shifted_notes(changes, shifted) == ""
