from collections.abc import Iterator
from typing import Any

from generator.cfn.facts import Facts
from generator.cfn.templates import Res
from generator.checks.audit.rule import AuditRule, Finding


class DeclaredNetwork(AuditRule):
    id = "SEC1401"
    title = "What the audit takes on trust about an existing VPC is said"
    reason = "On an existing VPC the set holds no route table and no flow log: whether a subnet is private, and " \
             "whether the VPC's traffic is logged, is the blueprint's word, not something the templates show."
    invariant = "5.1"
    level = "warning"
    description = (
        "A root template made from a blueprint with `network.vpc_id` declares, in its Metadata "
        "(`EcsBlueprint::ExistingNetwork`), which of its parameters hold the subnets the blueprint calls private "
        "and public. The audit takes those subnets at that word — the one declaration it trusts — so the rules "
        "on where hosts, tasks and load balancers run (SEC1xx, SEC2xx) judge them as declared. This rule says so, "
        "once per declared parameter, at the first nested stack that takes it, and warns that the VPC's flow logs "
        "(SEC901) and its routes are outside the set. Only a root's own parameters are taken on trust: a "
        "declaration in a template another one nests, or naming anything but a parameter, is ignored, and a subnet "
        "declared in the set is judged by its routes whatever a declaration says. A `warning`: nothing in the "
        "templates is wrong; "
        "`blueprint deploy` checks the routes in the account before it creates anything (no private subnet may "
        "route to an internet gateway, every public one must), and the flow logs are the network owner's.")

    def check(self, facts: Facts) -> Iterator[Finding]:
        for file, declared in facts.declarations:
            for name, zone in declared.subnets.items():
                stack = _first_taker(facts, file, name)
                if stack is not None:
                    yield self.finding(facts, stack, (
                        f"takes {name} as {zone} subnets on the blueprint's declaration (network.{zone}_subnets): "
                        "their route tables are not in the set; `blueprint deploy` checks the routes before it "
                        "creates anything"))
            stack = _first_taker(facts, file, declared.vpc)
            if stack is not None:
                yield self.finding(facts, stack, (
                    f"the VPC {declared.vpc} (network.vpc_id) is not in the set: its flow logs (SPEC 5.9) and routes "
                    "cannot be seen here; check them with the network's owner"))


def _first_taker(facts: Facts, file: str, parameter: str) -> Res | None:
    """The first nested stack of `file` that is passed `Ref parameter`; else, in a template that uses the
    declared subnets itself (a single template audited alone), the first resource that refers to it, so
    the trust is never taken silently."""
    for ref, properties in facts.set.each("AWS::CloudFormation::Stack"):
        passed = properties.get("Parameters")
        if ref.file == file and isinstance(passed, dict) and {"Ref": parameter} in passed.values():
            return ref
    for logical_id, resource in facts.set.templates[file].resources.items():
        if isinstance(resource, dict) and _refers(resource.get("Properties"), parameter):
            return Res(file, logical_id)
    return None


def _refers(value: Any, parameter: str) -> bool:
    """Whether `{"Ref": parameter}` stands anywhere in `value`."""
    if isinstance(value, dict):
        return value == {"Ref": parameter} or any(_refers(item, parameter) for item in value.values())
    return isinstance(value, list) and any(_refers(item, parameter) for item in value)
