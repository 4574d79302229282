"""How CloudFormation updates a changed property: from the resource provider schemas cfn-lint ships
(create-only -> replacement), plus the behaviours the schemas cannot express."""

from __future__ import annotations

from functools import cache
from typing import Any

from generator.cfn.artifacts import STACK_TYPE
from generator.review.diff.model import (
    IN_PLACE,
    INSTANCE_RESTART_PROPERTIES,
    INTERRUPTION,
    LAUNCH_TEMPLATE,
    MAY_REPLACE,
    MISSING,
    NEW_REVISION,
    REPLACEMENT,
    ROLLING_GROUP_PROPERTIES,
    ROLLING_SERVICE_PROPERTIES,
    TASK_DEFINITION,
)
from generator.review.diff.shifting import shifted_service
from generator.review.diff.values import Segment


@cache
def _schema(resource_type: str) -> dict[str, Any] | None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    except Exception:  # ResourceNotFoundError for Custom:: and unknown types
        return None


@cache
def _create_only(resource_type: str) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """(create-only, conditionally create-only) property paths, as mapping keys only."""
    schema = _schema(resource_type) or {}

    def keys(pointers: list[str] | None) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(p for p in pointer.split("/")[2:] if p != "*") for pointer in pointers or [])

    return keys(schema.get("createOnlyProperties")), keys(schema.get("conditionalCreateOnlyProperties"))


def _get(value: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return MISSING
        value = value.get(key, MISSING)
    return value


def _touches(path: tuple[Segment, ...], pointers: tuple[tuple[str, ...], ...], old: dict[str, Any],
             new: dict[str, Any]) -> bool:
    keys = tuple(segment for segment in path if isinstance(segment, str))
    for pointer in pointers:
        if keys[:len(pointer)] == pointer:
            return True
        if pointer[:len(keys)] == keys and _get(old, pointer) != _get(new, pointer):
            return True
    return False


def classify(resource_type: str, path: tuple[Segment, ...], old: dict[str, Any], new: dict[str, Any],
             resource: dict[str, Any]) -> tuple[str, str]:
    """The update behaviour of changing `path` of a resource's Properties, and why."""
    if _schema(resource_type) is None:
        effect, reason = MAY_REPLACE, "no provider schema for this type: the provider decides"
    else:
        create_only, conditional = _create_only(resource_type)
        if _touches(path, create_only, old, new):
            effect, reason = REPLACEMENT, "create-only property"
        elif _touches(path, conditional, old, new):
            effect, reason = MAY_REPLACE, "conditionally create-only property"
        else:
            effect, reason = IN_PLACE, "updatable property"
    return _known_behaviour(resource_type, path, effect, reason, resource)


def _known_behaviour(resource_type: str, path: tuple[Segment, ...], effect: str, reason: str,
                     resource: dict[str, Any]) -> tuple[str, str]:
    """What the schemas cannot say: how ECS, auto scaling and nested stacks carry out an update."""
    top = path[0] if path and isinstance(path[0], str) else ""
    if resource_type == TASK_DEFINITION and effect == REPLACEMENT:
        return INTERRUPTION, NEW_REVISION
    if resource_type == "AWS::ECS::Service" and top in ROLLING_SERVICE_PROPERTIES and effect == IN_PLACE:
        return shifted_service(resource) or (INTERRUPTION, "new deployment: the service replaces its tasks, a few "
                                             "at a time")
    if resource_type == "AWS::AutoScaling::AutoScalingGroup" and top in ROLLING_GROUP_PROPERTIES:
        policy = resource.get("UpdatePolicy") or {}
        if (policy.get("AutoScalingReplacingUpdate") or {}).get("WillReplace") in (True, "true"):
            return REPLACEMENT, "AutoScalingReplacingUpdate: a new auto scaling group replaces this one"
        if "AutoScalingRollingUpdate" in policy:
            return INTERRUPTION, "rolling update: the group replaces its instances, a batch at a time"
        return IN_PLACE, "new instances use it; running ones keep the old settings until replaced"
    if resource_type == LAUNCH_TEMPLATE and top == "LaunchTemplateData" and effect == IN_PLACE:
        return IN_PLACE, "new launch template version"
    if resource_type == "AWS::EC2::Instance" and top in INSTANCE_RESTART_PROPERTIES:
        return INTERRUPTION, "the instance is stopped and started"
    if resource_type == "AWS::ElasticLoadBalancingV2::LoadBalancer" and effect == REPLACEMENT:
        return REPLACEMENT, f"create-only property: a new load balancer with a new DNS name ({top})"
    if resource_type == STACK_TYPE:
        return IN_PLACE, "nested stack update"
    return effect, reason
