"""Spot capacity (issue 20): a Fargate service's share of FARGATE_SPOT as a capacity-provider strategy, and the
EC2 hosts' Spot share as the auto scaling group's mixed-instances policy.

The hosts' capacity provider keeps managed draining (stacks/cluster.py): an instance a Spot interruption or a
capacity rebalance takes away is drained of its tasks first; the ECS agent also drains on the two-minute
interruption notice (ECS_ENABLE_SPOT_INSTANCE_DRAINING in the hosts' user data).
"""

from __future__ import annotations

from math import gcd

from troposphere import GetAtt, Ref, autoscaling, ec2, ecs

from generator.blueprint.infrastructure import Instances

SPOT_ALLOCATION = "price-capacity-optimized"  # AWS's recommendation: the deepest pools at a low price


def fargate_strategy(spot_percent: int) -> list[ecs.CapacityProviderStrategyItem]:
    """FARGATE and FARGATE_SPOT weighted as the blueprint's percent (reduced: 50 -> 1:1, 75 -> 1:3), no base.
    ECS places tasks in the weights' ratio; a weight of 0 is left out (CloudFormation needs one above 0)."""
    on_demand = 100 - spot_percent
    divisor = gcd(on_demand, spot_percent)
    weights = (("FARGATE", on_demand // divisor), ("FARGATE_SPOT", spot_percent // divisor))
    return [ecs.CapacityProviderStrategyItem(CapacityProvider=provider, Weight=weight, Base=0)
            for provider, weight in weights if weight]


def spot_types(instances: Instances) -> list[str]:
    """The hosts' `type` first, then the other Spot types in the blueprint's order."""
    assert instances.spot is not None
    return [instances.type, *(kind for kind in instances.spot.types if kind != instances.type)]


def mixed_instances_policy(instances: Instances,
                           launch_template: ec2.LaunchTemplate) -> autoscaling.MixedInstancesPolicy:
    """`min` hosts on-demand (the base), then `spot.percent` of the rest Spot, over the Spot types."""
    assert instances.spot is not None
    return autoscaling.MixedInstancesPolicy(
        InstancesDistribution=autoscaling.InstancesDistribution(
            OnDemandBaseCapacity=instances.min,
            OnDemandPercentageAboveBaseCapacity=100 - instances.spot.percent,
            SpotAllocationStrategy=SPOT_ALLOCATION,
        ),
        LaunchTemplate=autoscaling.LaunchTemplate(
            LaunchTemplateSpecification=autoscaling.LaunchTemplateSpecification(
                LaunchTemplateId=Ref(launch_template),
                Version=GetAtt(launch_template, "LatestVersionNumber"),
            ),
            Overrides=[autoscaling.LaunchTemplateOverrides(InstanceType=kind) for kind in spot_types(instances)],
        ),
    )
