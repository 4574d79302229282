"""catalog.yaml's share of the products' IAM (generator/stacks/products.py): the roles and instance profiles
the products take, made once by the portfolio stack, each one's ARN in the SSM parameter a product's
parameter defaults to."""

from __future__ import annotations

from troposphere import GetAtt, Template, ssm

from generator.stacks.products import Products


def add_product_roles(template: Template, products: Products) -> dict[str, list[GetAtt]]:
    """Add the products' roles as they are in the nested stacks (renamed after their stack) and their ARN
    parameters; return the roles the launch role may pass, by the service each may be passed to."""
    if not products.roles:
        return {}
    # troposphere's own reader of template data into typed objects (imported here: it inspects every
    # troposphere module once, about 0.15 s, and only a catalog needs it).
    from troposphere.template_generator import TemplateGenerator

    for resource in TemplateGenerator({"Resources": products.roles}).resources.values():
        template.add_resource(resource)
    for catalog_id, name in products.parameters.items():
        template.add_resource(ssm.Parameter(
            f"{catalog_id}Parameter", Name=name, Type="String", Value=GetAtt(catalog_id, "Arn"),
            Description=f"ARN of {catalog_id}, which the products take by this parameter's name",
        ))
    return {service: [GetAtt(name, "Arn") for name in names] for service, names in products.passed_roles().items()}
