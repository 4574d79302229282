"""The templates Service Catalog launches: the application's own, with their IAM resources moved to catalog.yaml.

A launch role that may create roles and write their policies can give anyone any permission, however its
resources are scoped (cfripper's PrivilegeEscalationRule says so by name). So the products create no IAM
resource at all: the portfolio stack, deployed once by an administrator, creates every role and instance
profile the products need (the same definitions as in the nested stacks) and writes each one's ARN to an
SSM parameter; a product takes that ARN as an `AWS::SSM::Parameter::Value<String>` parameter whose default
names the catalog's parameter. The launch role then only passes exactly those roles. The nested-stack
templates in output/ keep their roles: this is a pure function of them, which catalog.yaml (for the
products' keys) and `blueprint publish` (for the uploads) both call, so they always agree.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.cfn.artifacts import ROOT
from generator.cfn.ids import logical_id
from generator.cfn.layout import nested_files
from generator.cfn.values import is_function, split_get_att

# What the portfolio stack makes for the products: every IAM resource type a builder may use.
IAM_TYPES = frozenset({"AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::IAM::Policy",
                       "AWS::IAM::ManagedPolicy"})
ROLE_TYPE = "AWS::IAM::Role"
PROFILE_TYPE = "AWS::IAM::InstanceProfile"
# A moved role cannot name a resource its product creates later; it names every such resource a launched
# product may have instead. Service Catalog names launched stacks `SC-<account>-pp-<id>` and CloudFormation
# names a log group after its stack (a nested stack's name starts with its parent's), so these are the
# products' log groups and no other. Any other reference stops the build (ProductTemplateError).
LAUNCHED_ARNS = {
    ("AWS::Logs::LogGroup", "Arn"):
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:SC-${AWS::AccountId}-pp-*",
}
PARAMETER_TYPE = "AWS::SSM::Parameter::Value<String>"
INTERFACE = "AWS::CloudFormation::Interface"
ROLES_LABEL = "Roles made by the portfolio stack"


class ProductTemplateError(Exception):
    """A template uses an IAM resource in a way its product cannot take from the catalog: a builder bug."""


@dataclass
class Products:
    """The product templates and what catalog.yaml must make for them."""

    templates: dict[str, dict[str, Any]] = field(default_factory=dict)  # by file name, root.yaml and children
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)  # catalog logical ID -> resource, as data
    parameters: dict[str, str] = field(default_factory=dict)  # catalog logical ID -> SSM parameter of its ARN

    def passed_roles(self, taken: Iterable[str] | None = None) -> dict[str, list[str]]:
        """The catalog's roles a launch passes (directly, or in an instance profile), by the one service each
        trusts (SPEC 5.10): the only service it may be passed to. `taken`: only those roles and the roles
        of those instance profiles (a product's own, `taken_by`); None: all."""
        names = set(self.roles) if taken is None else set(taken)
        for name in list(names):
            resource = self.roles.get(name, {})
            if resource.get("Type") == PROFILE_TYPE:
                names.update(role["Ref"] for role in resource.get("Properties", {}).get("Roles", [])
                             if isinstance(role, dict) and "Ref" in role)
        found: dict[str, list[str]] = {}
        for name, resource in self.roles.items():
            if name in names and resource["Type"] == ROLE_TYPE:
                found.setdefault(_trusted_service(name, resource), []).append(name)
        return found

    def taken_by(self, filename: str) -> list[str]:
        """The catalog IDs one product template takes: those whose SSM parameter its parameters default to."""
        by_parameter = {parameter: catalog_id for catalog_id, parameter in self.parameters.items()}
        return [by_parameter[parameter["Default"]]
                for parameter in (self.templates[filename].get("Parameters") or {}).values()
                if parameter.get("Type") == PARAMETER_TYPE and parameter.get("Default") in by_parameter]


def _trusted_service(name: str, role: Mapping[str, Any]) -> str:
    statements = role.get("Properties", {}).get("AssumeRolePolicyDocument", {}).get("Statement", [])
    services = {service for statement in statements
                for service in _as_list(statement.get("Principal", {}).get("Service"))}
    if len(services) != 1 or not isinstance(next(iter(services)), str):
        raise ProductTemplateError(f"{name} trusts {sorted(map(str, services))}: a role trusts exactly one service")
    return str(next(iter(services)))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def role_parameter(application: str, catalog_id: str) -> str:
    """The SSM parameter catalog.yaml writes a role's or instance profile's ARN to."""
    return f"{parameter_path(application)}{catalog_id}Arn"


def parameter_path(application: str) -> str:
    """Every parameter the portfolio stack writes is under this path (the launch role reads only these)."""
    return f"/{application}/catalog/"


def product_templates(application: str, documents: Mapping[str, Mapping[str, Any]]) -> Products:
    """`documents`: root.yaml and every template it nests, as data. Children without IAM resources stay
    as they are (so their products keep their keys)."""
    products = Products(templates={ROOT: copy.deepcopy(dict(documents[ROOT]))})
    for stack, filename in nested_files(documents[ROOT]).items():
        products.templates[filename] = _split(application, stack, documents[filename], products)
    return products


def _split(application: str, stack: str, document: Mapping[str, Any], products: Products) -> dict[str, Any]:
    data = copy.deepcopy(dict(document))
    resources: dict[str, Any] = data.get("Resources", {})
    moved = {name: resource for name, resource in resources.items() if resource.get("Type") in IAM_TYPES}
    if not moved:
        return data
    renamed = {name: logical_id(stack, name) for name in moved}
    for name, resource in moved.items():
        del resources[name]
        if any(key in resource for key in ("Condition", "DependsOn")):
            raise ProductTemplateError(f"{stack}: {name} has a Condition or DependsOn, which the catalog cannot keep")
        products.roles[renamed[name]] = _for_catalog(stack, resource, renamed, resources)
    taken: set[str] = set()
    for section in ("Resources", "Outputs"):
        if section in data:
            data[section] = _taking_parameters(stack, data[section], moved, taken)
    for resource in data["Resources"].values():  # rewritten above: a new mapping
        depends = resource.get("DependsOn")
        if depends is not None:
            kept = [item for item in ([depends] if isinstance(depends, str) else depends) if item not in moved]
            if kept:
                resource["DependsOn"] = kept
            else:
                del resource["DependsOn"]
    parameters = data.setdefault("Parameters", {})
    for name in sorted(taken):
        catalog_id = renamed[name]
        products.parameters[catalog_id] = role_parameter(application, catalog_id)
        parameters[f"{name}Arn"] = {
            "Type": PARAMETER_TYPE, "Default": products.parameters[catalog_id],
            "Description": f"SSM parameter holding the ARN of {name}, which the portfolio stack makes "
                           "(the launch role may pass no other)",
        }
    groups = data.get("Metadata", {}).get(INTERFACE, {}).get("ParameterGroups")
    if isinstance(groups, list) and taken:
        groups.append({"Label": {"default": ROLES_LABEL}, "Parameters": [f"{name}Arn" for name in sorted(taken)]})
    return data


def _taking_parameters(stack: str, value: Any, moved: Mapping[str, Any], taken: set[str]) -> Any:
    """`Fn::GetAtt [X, Arn]` of a moved X becomes `Ref XArn`; any other use of X cannot be carried."""
    if isinstance(value, list):
        return [_taking_parameters(stack, item, moved, taken) for item in value]
    if not isinstance(value, dict):
        return value
    if is_function(value):
        (function, argument), = value.items()
        target = _target(function, argument)
        if target is not None and target[0] in moved:
            if target[1] != "Arn":
                raise ProductTemplateError(f"{stack}: {function} {argument!r} names an IAM resource other than "
                                           "by its ARN; a product can take only ARNs from the catalog")
            taken.add(target[0])
            return {"Ref": f"{target[0]}Arn"}
        if function == "Fn::Sub" and _sub_names(argument) & set(moved):
            raise ProductTemplateError(f"{stack}: Fn::Sub {argument!r} names an IAM resource; use Fn::GetAtt Arn")
    return {key: _taking_parameters(stack, item, moved, taken) for key, item in value.items()}


def _for_catalog(stack: str, resource: Mapping[str, Any], renamed: Mapping[str, str],
                 resources: Mapping[str, Any]) -> dict[str, Any]:
    """A moved resource as catalog.yaml holds it: references to its fellows renamed, to its product's
    resources replaced by LAUNCHED_ARNS; anything else (a parameter, a Sub) stops the build."""

    def rewrite(value: Any) -> Any:
        if isinstance(value, list):
            return [rewrite(item) for item in value]
        if not isinstance(value, dict):
            return value
        if is_function(value):
            (function, argument), = value.items()
            target = _target(function, argument)
            if target is not None and not target[0].startswith("AWS::"):
                name, attribute = target
                if name in renamed:
                    return {"Ref": renamed[name]} if function == "Ref" else \
                        {"Fn::GetAtt": [renamed[name], attribute]}
                launched = LAUNCHED_ARNS.get((resources.get(name, {}).get("Type", ""), attribute))
                if launched is None:
                    raise ProductTemplateError(f"{stack}: an IAM resource refers to {name} ({function}), which "
                                               "the portfolio stack cannot know before a product is launched")
                return {"Fn::Sub": launched}
            if function == "Fn::Sub" and any(not name.startswith("AWS::") for name in _sub_names(argument)):
                raise ProductTemplateError(f"{stack}: an IAM resource uses Fn::Sub {argument!r} with a reference "
                                           "the portfolio stack cannot resolve")
        return {key: rewrite(item) for key, item in value.items()}

    return rewrite(copy.deepcopy(dict(resource)))


def _target(function: str, argument: Any) -> tuple[str, str] | None:
    if function == "Ref" and isinstance(argument, str):
        return argument, ""
    if function == "Fn::GetAtt":
        return split_get_att(argument)
    return None


SUB_NAME = re.compile(r"\$\{([^!}][^}.]*)(?:\.[^}]*)?\}")


def _sub_names(argument: Any) -> set[str]:
    text = argument[0] if isinstance(argument, list) and argument else argument
    return set(SUB_NAME.findall(text)) if isinstance(text, str) else set()
