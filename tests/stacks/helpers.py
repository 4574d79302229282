"""Shared by the stack tests: build an inline blueprint's templates as plain dicts, follow a reference
across root.yaml into the child that provides it, list every security-group rule of a template set,
and lint a whole set (root and children in one directory, as E3043 needs).
"""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from shared import CERT, EXAMPLE, REPO, load

from generator.cfn.render import render, to_data
from generator.checks.lint import lint_file
from generator.stacks.application import build_templates

__all__ = ["CERT", "EXAMPLE", "REPO", "load"]  # the stack tests import these from here too

DYNAMIC_HOST_PORTS = (32768, 60999)
CLOUDWATCH_RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                             2557, 2922, 3288, 3653}
# The one rule every group carries so CloudFormation drops its default allow-all egress.
PLACEHOLDER_EGRESS = {"CidrIp": "255.255.255.255/32", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}
RULE_TYPES = {"AWS::EC2::SecurityGroupIngress": "in", "AWS::EC2::SecurityGroupEgress": "out"}

Template = dict[str, Any]
Templates = dict[str, Template]


def parametrize_by_first(names: str, rows: list[tuple[Any, ...]]) -> pytest.MarkDecorator:
    """Parametrize over rows, each test named after its first value (a variant or a service)."""
    return pytest.mark.parametrize(names, rows, ids=[str(row[0]) for row in rows])


@cache
def _built(text: str) -> Templates:
    return {filename: to_data(template) for filename, template in build_templates(load(text)).items()}


def build(text: str) -> Templates:
    """Every template of an inline blueprint as plain data, root.yaml first (a fresh copy per call)."""
    return copy.deepcopy(_built(textwrap.dedent(text)))


def only(found: dict[str, Any]) -> Any:
    """The one entry of a mapping that must hold exactly one (say, the one launch template)."""
    assert len(found) == 1, f"expected exactly one, found {sorted(found)}"
    return next(iter(found.values()))


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    """Logical ID -> Properties of every resource of one type."""
    return {name: entry.get("Properties", {}) for name, entry in template.get("Resources", {}).items()
            if entry["Type"] == kind}


def types_in(template: Template) -> set[str]:
    return {entry["Type"] for entry in template.get("Resources", {}).values()}


def walk(value: Any) -> Iterator[Any]:
    """The value and everything nested in it."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def keys_in(value: Any) -> set[str]:
    return {key for node in walk(value) if isinstance(node, dict) for key in node}


def refs_in(value: Any) -> set[str]:
    """Names used through Ref, GetAtt or ${...} in Fn::Sub."""
    found: set[str] = set()
    for node in walk(value):
        if not isinstance(node, dict):
            continue
        if "Ref" in node:
            found.add(node["Ref"])
        if "Fn::GetAtt" in node:
            found.add(node["Fn::GetAtt"][0])
        if "Fn::Sub" in node:
            text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
            found.update(part.split("}", 1)[0].split(".")[0] for part in text.split("${")[1:])
    return found


def stack_files(templates: Templates) -> dict[str, str]:
    """Nested stack logical ID in root.yaml -> its template's file name."""
    return {name: props["TemplateURL"]
            for name, props in resources(templates["root.yaml"], "AWS::CloudFormation::Stack").items()}


def stack_of(templates: Templates, filename: str) -> dict[str, Any]:
    """The root.yaml properties of the nested stack built from `filename`."""
    matches = [props for props in resources(templates["root.yaml"], "AWS::CloudFormation::Stack").values()
               if props["TemplateURL"] == filename]
    assert len(matches) == 1, f"{filename} is nested {len(matches)} times"
    return matches[0]


def resolve(templates: Templates, filename: str, value: Any) -> Any:
    """Follow a value to where it is made: a parameter through root.yaml into the child output that
    feeds it, an output to its own value. A resource comes back as "file/LogicalId" (a group by its
    GroupId too), so the same group reads the same from every template that mentions it."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        name, attribute = value["Fn::GetAtt"]
        return f"{filename}/{name}" if attribute == "GroupId" else f"{filename}/{name}.{attribute}"
    if isinstance(value, dict) and set(value) == {"Ref"}:
        name = value["Ref"]
        template = templates[filename]
        if name in template.get("Resources", {}):
            return f"{filename}/{name}"
        if name in template.get("Parameters", {}) and filename != "root.yaml":
            passed = stack_of(templates, filename).get("Parameters", {}).get(name)
            if passed is None:
                return f"{filename}/parameter:{name}"
            if "Fn::GetAtt" in passed:
                child, output = passed["Fn::GetAtt"]
                source = stack_files(templates)[child]
                return resolve(templates, source, templates[source]["Outputs"][output.removeprefix("Outputs.")]
                               ["Value"])
            return resolve(templates, "root.yaml", passed)
        return f"{filename}/parameter:{name}" if filename == "root.yaml" else value
    return value


@dataclass(frozen=True)
class Rule:
    """One security-group rule anywhere in a template set, with both ends resolved."""

    filename: str
    name: str
    direction: str  # "in" or "out"
    group: str  # "file/LogicalId" of the group the rule belongs to
    peer: str  # the other end: a group ("file/LogicalId") or a CIDR block
    protocol: str
    ports: tuple[int, int]
    description: str | None

    @property
    def peer_is_group(self) -> bool:
        return "/" in self.peer and self.peer.split("/", 1)[0].endswith(".yaml")


def rules(templates: Templates) -> list[Rule]:
    """Every standalone rule and every rule written inside a group, in every template."""
    found = []
    for filename, template in templates.items():
        for name, props in resources(template, "AWS::EC2::SecurityGroup").items():
            for key, direction in (("SecurityGroupIngress", "in"), ("SecurityGroupEgress", "out")):
                for rule in props.get(key, []):
                    found.append(_rule(templates, filename, name, direction, f"{filename}/{name}", rule))
        for name, entry in template.get("Resources", {}).items():
            direction = RULE_TYPES.get(entry["Type"])
            if direction is not None:
                props = entry["Properties"]
                group = resolve(templates, filename, props["GroupId"])
                found.append(_rule(templates, filename, name, direction, group, props))
    return found


def _rule(templates: Templates, filename: str, name: str, direction: str, group: str,
          props: dict[str, Any]) -> Rule:
    peer_keys = ("CidrIp", "CidrIpv6", "SourceSecurityGroupId", "DestinationSecurityGroupId",
                 "DestinationPrefixListId", "SourcePrefixListId")
    peers = [props[key] for key in peer_keys if key in props]
    assert len(peers) == 1, f"{filename}/{name} names {len(peers)} peers"
    peer = resolve(templates, filename, peers[0])
    return Rule(filename, name, direction, group, peer if isinstance(peer, str) else repr(peer),
                str(props["IpProtocol"]), (props.get("FromPort", -1), props.get("ToPort", -1)),
                props.get("Description"))


def real_rules(templates: Templates) -> list[Rule]:
    """The rules that admit or send traffic (the placeholder egress left out)."""
    return [rule for rule in rules(templates) if rule.peer != PLACEHOLDER_EGRESS["CidrIp"]]


def ingress_into(templates: Templates, group: str) -> set[tuple[str, tuple[int, int]]]:
    """(source, ports) of every rule admitting traffic into `group`, from any template of the set."""
    return {(rule.peer, rule.ports) for rule in real_rules(templates) if rule.direction == "in" and rule.group == group}


def egress_from(templates: Templates, group: str) -> set[tuple[str, tuple[int, int]]]:
    return {(rule.peer, rule.ports) for rule in real_rules(templates)
            if rule.direction == "out" and rule.group == group}


def lint_blueprint(text: str, directory: Path) -> list[str]:
    """Write a blueprint's templates exactly as the pipeline renders them, and lint every file there."""
    templates = build_templates(load(text))
    for filename, template in templates.items():
        (directory / filename).write_bytes(render(template))
    return [finding.render() for filename in templates for finding in lint_file(directory / filename)]
