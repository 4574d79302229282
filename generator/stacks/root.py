"""root.yaml: one nested stack per child, wiring child outputs into child parameters.

A child's parameter is fed, in this order, by: an explicit input the plan gives it; else the output
of the same name of an earlier child; else, when it has a default, a root parameter of the same name
(so every knob is settable at deploy time and listed in parameters.json). No exports anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from troposphere import GetAtt, Output, Parameter, Ref, Template, cloudformation

from generator.blueprint.model import Blueprint
from generator.stacks.common import apply_tags, new_template
from generator.stacks.sources import record_source


@dataclass(frozen=True)
class Child:
    """A nested stack: its logical ID in root.yaml, its file, its template, the blueprint block it comes
    from, explicit inputs."""

    name: str
    filename: str
    template: Template
    source: str
    inputs: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # parameter -> (child, output)
    surfaced_outputs: Mapping[str, str] = field(default_factory=dict)  # root output -> child output
    provides: bool = True  # whether siblings may take this child's outputs by name


class WiringError(Exception):
    """A child needs a value no sibling provides: a bug in a stack builder, not in the blueprint."""


def build_root(blueprint: Blueprint, children: list[Child], given: Mapping[str, Parameter] | None = None) -> Template:
    """`given`: root parameters standing for what the blueprint names outside the set (an existing VPC's
    ids), each declared when some child takes a parameter of its name that no sibling provides."""
    template = new_template(blueprint, blueprint.description or "root stack nesting the application's stacks")
    providers: dict[str, str] = {}
    root_parameters: dict[str, Parameter] = {}
    for child in children:
        parameters: dict[str, object] = {}
        depends: set[str] = set()
        for name, parameter in child.template.parameters.items():
            if name in child.inputs:
                source, output = child.inputs[name]
                parameters[name] = GetAtt(source, f"Outputs.{output}")
                depends.add(source)
            elif name in providers:
                parameters[name] = GetAtt(providers[name], f"Outputs.{name}")
                depends.add(providers[name])
            elif given and name in given:
                root_parameters.setdefault(name, given[name])
                parameters[name] = Ref(name)
            elif "Default" in parameter.properties:
                root_parameters.setdefault(name, _pass_through(parameter))
                parameters[name] = Ref(name)
            else:
                raise WiringError(f"{child.filename}: nothing provides parameter {name}")
        stack = record_source(cloudformation.Stack(child.name, TemplateURL=child.filename), child.source)
        if parameters:
            stack.Parameters = parameters
        template.add_resource(stack)
        if child.provides:
            for output in child.template.outputs:
                providers.setdefault(output, child.name)
        for root_output, child_output in child.surfaced_outputs.items():
            template.add_output(Output(
                root_output, Description=child.template.outputs[child_output].Description,
                Value=GetAtt(child.name, f"Outputs.{child_output}"),
            ))
    for parameter in root_parameters.values():
        template.add_parameter(parameter)
    return apply_tags(template, blueprint)


def _pass_through(parameter: Parameter) -> Parameter:
    """The root's copy of a child parameter. An SSM-typed parameter becomes a String holding the SSM
    name: `Ref` to an SSM-typed parameter yields the resolved value (an AMI id), which the child would
    then try to look up as a parameter name."""
    copied = Parameter(parameter.title)
    for key, value in parameter.properties.items():
        copied.properties[key] = value
    if str(parameter.properties.get("Type", "")).startswith("AWS::SSM::Parameter::Value<"):
        copied.properties["Type"] = "String"
    return copied
