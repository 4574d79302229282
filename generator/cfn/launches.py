"""Where instances are launched from: every resource that starts EC2 instances (auto scaling groups,
instances, spot fleets, EC2 fleets) with the launch settings each uses (launch templates, launch
configurations, a spot fleet's own launch specifications), and the subnets it places them in."""

from __future__ import annotations

import base64
import binascii
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.cfn.spellings import texts
from generator.cfn.templates import Lit, Res, TemplateSet

if TYPE_CHECKING:
    from generator.cfn.facts import Facts

LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"
SPOT_SPECIFICATION = "spot fleet launch specification"


@dataclass(frozen=True)
class LaunchSettings:
    ref: Res  # the resource declaring the settings: a launch template or configuration, an instance, a fleet
    owner: Res | None  # what launches instances with them (None: a launch template nothing uses)
    kind: str  # the declaring resource's type, or SPOT_SPECIFICATION
    data: dict[str, Any]  # launch template data, instance properties, a launch specification
    subnets: tuple[Any, ...] = ()
    configuration: Res | None = None  # a launch configuration (its data are its properties)


def user_data_text(templates: TemplateSet, file: str, value: Any) -> str:
    """What user data says, as far as it can be read: every spelling of it (an `Fn::Sub`'s text with its
    variables filled in, `*` for what is computed), with a literal that is base64 decoded (a fleet's
    launch specification takes user data encoded)."""
    parts = []
    if isinstance(value, dict) and list(value) == ["Fn::Base64"]:
        value = value["Fn::Base64"]  # the text before encoding is what it says
    for text in texts(templates, file, value) if value is not None else []:
        with contextlib.suppress(binascii.Error, ValueError):
            text += "\n" + base64.b64decode(text, validate=True).decode("utf-8", "replace")
        parts.append(text)
    return "\n".join(parts)


def launch_settings(facts: Facts) -> list[LaunchSettings]:
    found: list[LaunchSettings] = []
    templates = facts.set
    for ref, properties in templates.each("AWS::AutoScaling::AutoScalingGroup"):
        subnets = facts.placed(ref, properties.get("VPCZoneIdentifier"), "subnets")
        mixed = properties.get("MixedInstancesPolicy") or {}
        launch = mixed.get("LaunchTemplate") if isinstance(mixed, dict) else None
        specifications = [properties.get("LaunchTemplate")]
        if isinstance(launch, dict):
            specifications.append(launch.get("LaunchTemplateSpecification"))
            overrides = launch.get("Overrides") or []
            specifications += [o.get("LaunchTemplateSpecification") for o in overrides
                               if isinstance(overrides, list) and isinstance(o, dict)]
        used = _templates(facts, ref, specifications)
        found += [LaunchSettings(template, ref, LAUNCH_TEMPLATE, _data(templates, template), subnets)
                  for template in used]
        for configuration in facts.many(ref.file, properties.get("LaunchConfigurationName")):
            if isinstance(configuration, Res) and templates.kind(configuration) == LAUNCH_CONFIGURATION:
                found.append(LaunchSettings(configuration, ref, LAUNCH_CONFIGURATION,
                                            templates.properties(configuration), subnets, configuration))
                used.append(configuration)
            else:
                facts.cannot_verify(ref, "its launch configuration is not declared in the set")
        if not used:
            facts.cannot_verify(ref, "its launch template is not declared in the set")
    for ref, properties in templates.each("AWS::EC2::Instance"):
        used = _templates(facts, ref, [properties.get("LaunchTemplate")])
        data = {key: value for template in used for key, value in _data(templates, template).items()}
        data.update(properties)  # an instance's own properties override its launch template's
        subnets = facts.placed(ref, data.get("SubnetId"), "subnets") + _interface_subnets(facts, ref, data)
        found.append(LaunchSettings(ref, ref, "AWS::EC2::Instance", data, subnets))
    for kind, key in (("AWS::EC2::SpotFleet", "SpotFleetRequestConfigData"), ("AWS::EC2::EC2Fleet", None)):
        for ref, properties in templates.each(kind):
            config = properties.get(key) if key else properties
            found += _fleet(facts, ref, config if isinstance(config, dict) else {})
    launched = {settings.ref for settings in found}
    found += [LaunchSettings(ref, None, LAUNCH_TEMPLATE, _data(templates, ref))
              for ref, _ in templates.each(LAUNCH_TEMPLATE) if ref not in launched]
    return found


def _fleet(facts: Facts, ref: Res, config: dict[str, Any]) -> list[LaunchSettings]:
    found = []
    for specifications in facts.set.branches(ref.file, config.get("LaunchSpecifications") or []):
        for specification in specifications if isinstance(specifications, list) else []:
            if isinstance(specification, dict):
                subnets = _split(facts, ref, specification.get("SubnetId")) + \
                    _interface_subnets(facts, ref, specification)
                found.append(LaunchSettings(ref, ref, SPOT_SPECIFICATION, specification, subnets))
    for configs in facts.set.branches(ref.file, config.get("LaunchTemplateConfigs") or []):
        for entry in configs if isinstance(configs, list) else []:
            if not isinstance(entry, dict):
                continue
            overrides = entry.get("Overrides") or []
            subnets = tuple(subnet for override in overrides if isinstance(overrides, list) and
                            isinstance(override, dict) for subnet in _split(facts, ref, override.get("SubnetId")))
            for template in _templates(facts, ref, [entry.get("LaunchTemplateSpecification")]):
                found.append(LaunchSettings(template, ref, LAUNCH_TEMPLATE, _data(facts.set, template), subnets))
    if not found:
        facts.cannot_verify(ref, "it launches instances from settings the audit cannot read")
    return found


def _templates(facts: Facts, ref: Res, specifications: list[Any]) -> list[Res]:
    found: list[Res] = []
    for specification in specifications:
        for spec in facts.set.branches(ref.file, specification) if specification is not None else []:
            if not isinstance(spec, dict):
                continue
            for template in facts.many(ref.file, spec.get("LaunchTemplateId") or spec.get("LaunchTemplateName")):
                if isinstance(template, Res) and facts.set.kind(template) == LAUNCH_TEMPLATE:
                    found.append(template)
                else:
                    facts.cannot_verify(ref, "its launch template is not declared in the set")
    return list(dict.fromkeys(found))


def _data(templates: TemplateSet, template: Res) -> dict[str, Any]:
    data = templates.properties(template).get("LaunchTemplateData") or {}
    return data if isinstance(data, dict) else {}


def _split(facts: Facts, ref: Res, value: Any) -> tuple[Any, ...]:
    """Subnets given as a list or as one comma-separated text."""
    found = []
    for item in facts.placed(ref, value, "subnets") if value is not None else ():
        if isinstance(item, Lit) and isinstance(item.value, str) and "," in item.value:
            found += [Lit(part.strip()) for part in item.value.split(",")]
        else:
            found.append(item)
    return tuple(found)


def _interface_subnets(facts: Facts, ref: Res, data: dict[str, Any]) -> tuple[Any, ...]:
    found: tuple[Any, ...] = ()
    for interfaces in facts.set.branches(ref.file, data.get("NetworkInterfaces") or []):
        for interface in interfaces if isinstance(interfaces, list) else []:
            if isinstance(interface, dict):
                found += facts.placed(ref, interface.get("SubnetId"), "subnets")
    return found
