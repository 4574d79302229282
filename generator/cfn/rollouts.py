"""ECS traffic shifting as the audit and the reviews read it: which listener rules, listeners and role an
`AWS::ECS::Service` hands ECS to shift traffic with (LoadBalancers[].AdvancedConfiguration), and its
deployment strategy in words (for `blueprint diff` and the deploy preview)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.cfn.templates import Res

if TYPE_CHECKING:
    from generator.cfn.facts import Facts

SHIFTING = ("BLUE_GREEN", "LINEAR", "CANARY")


@dataclass(frozen=True)
class Shifting:
    """One load balancer entry of a service that ECS shifts traffic on."""

    service: Res
    test_listeners: tuple[Res, ...]  # the listeners the test listener rules belong to
    roles: tuple[Res, ...]  # the roles ECS assumes to shift traffic


def shiftings(facts: Facts) -> Iterator[Shifting]:
    for ref, properties in facts.set.each("AWS::ECS::Service"):
        for entries in facts.set.branches(ref.file, properties.get("LoadBalancers") or []):
            for entry in entries if isinstance(entries, list) else []:
                advanced = entry.get("AdvancedConfiguration") if isinstance(entry, dict) else None
                if not isinstance(advanced, dict):
                    continue
                listeners: list[Res] = []
                for rule in facts.many(ref.file, advanced.get("TestListenerRule")):
                    if isinstance(rule, Res) and facts.set.kind(rule) == "AWS::ElasticLoadBalancingV2::ListenerRule":
                        found = facts.many(rule.file, facts.set.properties(rule).get("ListenerArn"))
                        listeners += [listener for listener in found if isinstance(listener, Res)]
                    elif isinstance(rule, Res) and facts.set.kind(rule) == "AWS::ElasticLoadBalancingV2::Listener":
                        listeners.append(rule)  # a Network Load Balancer's test listener is named itself
                    else:
                        facts.cannot_verify(ref, "its test listener rule is not a listener rule of the set")
                roles = [role for role in facts.many(ref.file, advanced.get("RoleArn")) if isinstance(role, Res)]
                if advanced.get("RoleArn") is not None and not roles:
                    facts.cannot_verify(ref, "the role ECS shifts its traffic with is not a role of the set")
                yield Shifting(ref, tuple(dict.fromkeys(listeners)), tuple(dict.fromkeys(roles)))


def strategy_in_words(properties: dict[str, Any]) -> str | None:
    """How an ECS service with these properties rolls a new task definition out, when it shifts traffic;
    None for a rolling update (or a strategy the template computes)."""
    configuration = properties.get("DeploymentConfiguration")
    if not isinstance(configuration, dict) or configuration.get("Strategy") not in SHIFTING:
        return None
    strategy = configuration["Strategy"]
    bake = configuration.get("BakeTimeInMinutes", 15)
    if strategy == "CANARY":
        canary = configuration.get("CanaryConfiguration") or {}
        how = (f"{_number(canary.get('CanaryPercent', 5))} % of the traffic for "
               f"{canary.get('CanaryBakeTimeInMinutes', 10)} min, then the rest")
    elif strategy == "LINEAR":
        linear = configuration.get("LinearConfiguration") or {}
        how = (f"{_number(linear.get('StepPercent', 10))} % more of the traffic every "
               f"{linear.get('StepBakeTimeInMinutes', 6)} min")
    else:
        how = "the test listener's traffic first, then all the traffic at once"
    return (f"shifted ({strategy}), not replaced in place: new tasks start beside the old ones and receive "
            f"{how}; the old tasks keep running until the {bake}-minute bake ends, and an alarm until then "
            "switches traffic back")


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
