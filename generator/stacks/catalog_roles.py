"""catalog.yaml's share of the products' IAM (generator/stacks/products.py): the roles and instance profiles
the products take, made once by the portfolio stack, each one's ARN in the SSM parameter a product's
parameter defaults to."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from functools import cache
from typing import Any

import troposphere
from troposphere import AWSHelperFn, AWSObject, GetAtt, Template, iam, ssm
from troposphere.template_generator import TemplateGenerator

from generator.stacks.products import Products


def add_product_roles(template: Template, products: Products) -> dict[str, list[GetAtt]]:
    """Add the products' roles as they are in the nested stacks (renamed after their stack) and their ARN
    parameters; return the roles the launch role may pass, by the service each may be passed to."""
    if not products.roles:
        return {}
    for resource in _IamReader({"Resources": products.roles}).resources.values():
        template.add_resource(resource)
    for catalog_id, name in products.parameters.items():
        template.add_resource(ssm.Parameter(
            f"{catalog_id}Parameter", Name=name, Type="String", Value=GetAtt(catalog_id, "Arn"),
            Description=f"ARN of {catalog_id}, which the products take by this parameter's name",
        ))
    return passed_arns(products)


def passed_arns(products: Products, taken: Iterable[str] | None = None) -> dict[str, list[GetAtt]]:
    """Products.passed_roles as the ARNs of catalog.yaml's roles."""
    return {service: [GetAtt(name, "Arn") for name in names]
            for service, names in products.passed_roles(taken).items()}


class _IamReader(TemplateGenerator):
    """troposphere's own reader of template data into typed objects, shown only IAM's classes and the
    intrinsic functions: by default it imports every troposphere module first (over a second)."""

    @property
    def inspect_members(self) -> set[Any]:
        return set(_members())

    @property
    def inspect_resources(self) -> dict[str, Any]:
        return {member.resource_type: member for member in _members()
                if issubclass(member, AWSObject) and hasattr(member, "resource_type")}

    @property
    def inspect_functions(self) -> dict[str, Any]:
        return {member.__name__: member for member in _members() if issubclass(member, AWSHelperFn)}


@cache
def _members() -> tuple[type, ...]:
    return tuple(member for module in (troposphere, iam) for member in vars(module).values()
                 if inspect.isclass(member) and member.__module__ in (troposphere.__name__, iam.__name__))
