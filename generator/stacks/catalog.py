"""catalog.yaml: an AWS Service Catalog portfolio handing out the application and its pieces.

Products: the whole application (the packaged root) and the pieces teams launch on their own (the
network, the cluster, each service). Each product's provisioning artifact loads its template from the
content-addressed key `blueprint publish` uploads it to, so every published version is a new,
immutable artifact. Every product gets a launch-role constraint (after its portfolio association, or
Service Catalog refuses it) naming either the `local_role_name` the blueprint gives or the product's own
least-privilege launch role: policies generated from the templates' resource types, shared by all, and
passing only the catalog roles that product's templates take.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template, iam, servicecatalog

from generator.blueprint.model import Blueprint, Catalog
from generator.cfn.artifacts import child_key, content_id, release_id, root_key
from generator.cfn.ids import logical_id
from generator.cfn.render import render_data
from generator.cfn.stackfiles import CATALOG, ROOT
from generator.stacks.catalog_roles import add_product_roles, passed_arns
from generator.stacks.common import apply_tags, new_template
from generator.stacks.iam import POLICY_VERSION, service_role
from generator.stacks.launch_role import grants_any_resource, launch_statements, role_statements
from generator.stacks.products import Products, parameter_path, product_templates
from generator.stacks.registry import CATALOG_STACK, KINDS
from generator.stacks.scanner import skip_scanner_checks
from generator.stacks.sources import check_sources, from_blueprint

__all__ = ["BUCKET", "CATALOG", "PREFIX", "build_catalog"]

BUCKET = "TemplateBucket"
PREFIX = "TemplatePrefix"


def build_catalog(blueprint: Blueprint, documents: Mapping[str, dict[str, Any]]) -> Template:
    """`documents`: the application's templates (root.yaml and its children), as data, by file name. The
    products are made from them (generator/stacks/products.py), as `blueprint publish` makes them."""
    catalog = blueprint.catalog
    assert catalog is not None
    template = new_template(blueprint, f"Service Catalog portfolio {catalog.portfolio!r}")
    template.add_parameter([
        Parameter(BUCKET, Type="String", AllowedPattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$",
                  ConstraintDescription="a bucket name without dots (the virtual-hosted HTTPS URL needs one)",
                  Description="S3 bucket `blueprint publish` uploaded the templates to (in this stack's region)"),
        Parameter(PREFIX, Type="String", Default="", AllowedPattern=r"^$|^[A-Za-z0-9!_.*'()/-]*/$",
                  Description="Key prefix given to `blueprint publish --prefix`, ending in / (empty for none)"),
    ])
    template.set_metadata({"AWS::CloudFormation::Interface": {
        "ParameterGroups": [{"Label": {"default": "Published templates"}, "Parameters": [BUCKET, PREFIX]}],
        "ParameterLabels": {BUCKET: {"default": "Template bucket"}, PREFIX: {"default": "Key prefix"}},
    }})
    with from_blueprint(template, CATALOG_STACK.source()):  # all of catalog.yaml is the catalog block's
        _add_portfolio(template, blueprint, catalog, documents)
    return check_sources(CATALOG, apply_tags(template, blueprint))


def _add_portfolio(template: Template, blueprint: Blueprint, catalog: Catalog,
                   documents: Mapping[str, dict[str, Any]]) -> None:
    portfolio = template.add_resource(servicecatalog.Portfolio(
        "Portfolio", DisplayName=catalog.portfolio, ProviderName=catalog.owner,
        Description=blueprint.description or f"Approved stacks of the {blueprint.name} application",
    ))
    for index, principal in enumerate(catalog.principals, start=1):
        template.add_resource(servicecatalog.PortfolioPrincipalAssociation(
            f"PortfolioPrincipal{index}", PortfolioId=Ref(portfolio), PrincipalARN=principal, PrincipalType="IAM",
        ))
    # The products are the application's templates without their IAM resources, which this stack makes.
    products = product_templates(blueprint.name, documents)
    add_product_roles(template, products)
    types = sorted({resource["Type"] for document in products.templates.values()
                    for resource in (document.get("Resources") or {}).values()})
    shared = None if catalog.local_role_name else _launch_policies(template, blueprint, types)
    published = {filename: render_data(document) for filename, document in products.templates.items()}
    for product_id, (name, description, key, artifact, filename) in _products(blueprint, published).items():
        product = template.add_resource(servicecatalog.CloudFormationProduct(
            product_id,
            Name=name,  # required by Service Catalog; shown to the people who launch it
            Owner=catalog.owner,
            Description=description,
            ProvisioningArtifactParameters=[servicecatalog.ProvisioningArtifactProperties(
                Name=artifact,
                Description=f"Templates {artifact} of blueprint {blueprint.name}",
                Type="CLOUD_FORMATION_TEMPLATE",
                # Keys are built without a prefix here; the stack's TemplatePrefix parameter supplies it.
                Info=servicecatalog.Info(LoadTemplateFromURL=Sub(
                    f"https://${{{BUCKET}}}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/${{{PREFIX}}}{key}")),
            )],
        ))
        association = template.add_resource(servicecatalog.PortfolioProductAssociation(
            f"{product_id}Association", PortfolioId=Ref(portfolio), ProductId=Ref(product),
        ))
        role = None if shared is None else _launch_role(template, blueprint, product_id, filename, products, types,
                                                        shared)
        template.add_resource(_launch_constraint(product_id, portfolio, product, association, catalog, role))
        template.add_output(Output(product_id, Description=f"Service Catalog product: {name}", Value=Ref(product)))
    template.add_output(Output("PortfolioId", Description="The Service Catalog portfolio", Value=Ref(portfolio)))


def _products(blueprint: Blueprint, templates: Mapping[str, bytes]) -> dict[str, tuple[str, str, str, str, str]]:
    """Product logical ID -> (name, description, S3 key without prefix, artifact id, file), for each stack the
    registry says catalog.yaml offers, in nesting order (services in the blueprint's order)."""
    products = {}
    for kind in KINDS:
        if not kind.offered:
            continue
        product = kind.product
        assert product is not None, f"{kind.file} is offered in catalog.yaml but has no product in the registry"
        for service in (list(blueprint.services) if kind.per_service else [None]):
            filename = kind.filename(service)
            if filename not in templates:  # a piece this blueprint has none of (network.yaml on an existing VPC)
                continue
            if filename == ROOT:  # the packaged root: keyed by the whole set, so any change gives a new one
                key, artifact = root_key("", blueprint.name, templates), release_id(templates)
            else:
                key, artifact = child_key("", blueprint.name, filename, templates[filename]), \
                    content_id(templates[filename])
            products[product.logical_id or logical_id(kind.stack_name(service), "product")] = (
                f"{blueprint.name}: {product.title.format(service=service)}", product.describe(blueprint, service),
                key, artifact, filename,
            )
    return products


def _launch_policies(template: Template, blueprint: Blueprint, types: list[str]) -> list[Ref]:
    """The managed policies every product's launch role shares: what the products' resources need, no IAM."""
    names = []
    for index, statements in enumerate(launch_statements(types, BUCKET), start=1):
        policy = template.add_resource(iam.ManagedPolicy(
            f"LaunchPolicy{index}", Description=f"Launching {blueprint.name} products, part {index}",
            PolicyDocument={"Version": POLICY_VERSION, "Statement": statements},
        ))
        if grants_any_resource(statements):  # the one skip left on the launch roles, with its reason
            skip_scanner_checks(policy, "CKV_AWS_111")
        names.append(Ref(policy))
    return names


def _launch_role(template: Template, blueprint: Blueprint, product_id: str, filename: str, products: Products,
                 types: list[str], shared: list[Ref]) -> iam.Role:
    """A product's own launch role: the shared policies, and passing and reading only the catalog roles its
    own template takes, so a launcher cannot point a role parameter at another product's role. The
    application's (`LaunchRole`) passes them all: its nested stacks take them from defaults no launcher sets."""
    if filename == ROOT:
        taken, role_id, parameters = None, "LaunchRole", [f"{parameter_path(blueprint.name)}*"]
    else:
        taken = products.taken_by(filename)
        role_id, parameters = f"{product_id}LaunchRole", [products.parameters[catalog_id] for catalog_id in taken]
    role = service_role(template, role_id, "servicecatalog.amazonaws.com",
                        f"Launches the {blueprint.name} product {product_id}: exactly what its resources need",
                        statements=role_statements(types, passed_arns(products, taken), parameters))
    role.ManagedPolicyArns = shared
    return role


def _launch_constraint(product_id: str, portfolio: servicecatalog.Portfolio,
                       product: servicecatalog.CloudFormationProduct,
                       association: servicecatalog.PortfolioProductAssociation, catalog: Catalog,
                       role: iam.Role | None) -> servicecatalog.LaunchRoleConstraint:
    constraint = servicecatalog.LaunchRoleConstraint(
        f"{product_id}LaunchConstraint", PortfolioId=Ref(portfolio), ProductId=Ref(product),
        Description="Launch with this product's launch role",
        DependsOn=[association.title],
    )
    if catalog.local_role_name:
        constraint.LocalRoleName = catalog.local_role_name
    else:
        assert role is not None
        constraint.RoleArn = GetAtt(role, "Arn")
    return constraint

