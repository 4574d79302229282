"""Make a child template friendly when launched on its own (console, Service Catalog): parameters in
labelled groups, and Rules that refuse a combination CloudFormation would only fail on halfway
through (subnets from another VPC)."""

from __future__ import annotations

from troposphere import Ref, Template

from generator.stacks.parameters import (
    GROUPS,
    LABELS,
    LOAD_BALANCER_SECURITY_GROUP,
    SERVICE_URL,
    SUBNET_NOUNS,
    VPC_ID,
)


def make_console_friendly(template: Template) -> Template:
    names = list(template.parameters)
    if not names:
        return template
    groups = []
    placed: set[str] = set()
    for label, members in GROUPS:
        present = [name for name in members if name in names]
        if present:
            groups.append({"Label": {"default": label}, "Parameters": present})
            placed.update(present)
    calls = [name for name in names if name.endswith((LOAD_BALANCER_SECURITY_GROUP, SERVICE_URL))]
    if calls:
        groups.append({"Label": {"default": "Services this one calls"}, "Parameters": calls})
        placed.update(calls)
    rest = [name for name in names if name not in placed]
    if rest:
        groups.append({"Label": {"default": "Other"}, "Parameters": rest})
    labels = {name: {"default": LABELS.get(name, _callee_label(name))} for name in names}
    metadata = dict(template.metadata or {})
    metadata["AWS::CloudFormation::Interface"] = {"ParameterGroups": groups, "ParameterLabels": labels}
    template.set_metadata(metadata)
    _add_vpc_rules(template, names)
    return template


def _callee_label(name: str) -> str:
    if name.endswith(LOAD_BALANCER_SECURITY_GROUP):
        return f"Load balancer security group of {name.removesuffix(LOAD_BALANCER_SECURITY_GROUP)}"
    if name.endswith(SERVICE_URL):
        return f"URL of {name.removesuffix(SERVICE_URL)} (its load balancer)"
    return name


def _add_vpc_rules(template: Template, names: list[str]) -> None:
    if VPC_ID not in names:
        return
    assertions = []
    for name in names:
        kind = str(template.parameters[name].properties.get("Type", ""))
        if kind == "List<AWS::EC2::Subnet::Id>":
            assertions.append({
                "Assert": {"Fn::EachMemberEquals": [{"Fn::ValueOf": [name, VPC_ID]}, Ref(VPC_ID)]},
                "AssertDescription": f"All {SUBNET_NOUNS.get(name, name)} must belong to the chosen VPC",
            })
    if assertions:
        template.add_rule("ResourcesInTheChosenVpc", {"Assertions": assertions})
