"""catalog.yaml: an AWS Service Catalog portfolio handing out the application and its pieces.

Products: the whole application (the packaged root) and the pieces teams launch on their own (the
network, the cluster, each service). Each product's provisioning artifact loads its template from the
content-addressed key `blueprint publish` uploads it to, so every published version is a new,
immutable artifact. Every product gets a launch-role constraint (after its portfolio association, or
Service Catalog refuses it) naming either a least-privilege role generated from the templates'
resource types or the `local_role_name` the blueprint gives.
"""

from __future__ import annotations

from collections.abc import Mapping

import yaml
from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template, iam, servicecatalog

from generator.artifacts import child_key, root_key
from generator.blueprint.model import Blueprint, Catalog
from generator.ids import logical_id
from generator.stacks.common import apply_tags, new_template
from generator.stacks.iam import POLICY_VERSION, service_role
from generator.stacks.launch_role import launch_statements
from generator.stacks.scanner import skip_scanner_checks

CATALOG = "catalog.yaml"
BUCKET = "TemplateBucket"
PREFIX = "TemplatePrefix"


def build_catalog(blueprint: Blueprint, templates: Mapping[str, bytes]) -> Template:
    """`templates`: the rendered templates of the application (root.yaml and its children), by file name."""
    catalog = blueprint.catalog
    assert catalog is not None
    template = new_template(blueprint, f"Service Catalog portfolio {catalog.portfolio!r}")
    template.add_parameter([
        Parameter(BUCKET, Type="String", AllowedPattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
                  Description="S3 bucket `blueprint publish` uploaded the templates to (in this stack's region)"),
        Parameter(PREFIX, Type="String", Default="", AllowedPattern=r"^$|^[A-Za-z0-9!_.*'()/-]*/$",
                  Description="Key prefix given to `blueprint publish --prefix`, ending in / (empty for none)"),
    ])
    template.set_metadata({"AWS::CloudFormation::Interface": {
        "ParameterGroups": [{"Label": {"default": "Published templates"}, "Parameters": [BUCKET, PREFIX]}],
        "ParameterLabels": {BUCKET: {"default": "Template bucket"}, PREFIX: {"default": "Key prefix"}},
    }})
    portfolio = template.add_resource(servicecatalog.Portfolio(
        "Portfolio", DisplayName=catalog.portfolio, ProviderName=catalog.owner,
        Description=blueprint.description or f"Approved stacks of the {blueprint.name} application",
    ))
    for index, principal in enumerate(catalog.principals, start=1):
        template.add_resource(servicecatalog.PortfolioPrincipalAssociation(
            f"PortfolioPrincipal{index}", PortfolioId=Ref(portfolio), PrincipalARN=principal, PrincipalType="IAM",
        ))
    role = None if catalog.local_role_name else _launch_role(template, blueprint, templates)
    for product_id, (name, description, key) in _products(blueprint, templates).items():
        product = template.add_resource(servicecatalog.CloudFormationProduct(
            product_id,
            Name=name,  # required by Service Catalog; shown to the people who launch it
            Owner=catalog.owner,
            Description=description,
            ProvisioningArtifactParameters=[servicecatalog.ProvisioningArtifactProperties(
                Name=key.split("/")[-2],
                Description=f"Templates {key.split('/')[-2]} of blueprint {blueprint.name}",
                Type="CLOUD_FORMATION_TEMPLATE",
                # Keys are built without a prefix here; the stack's TemplatePrefix parameter supplies it.
                Info=servicecatalog.Info(LoadTemplateFromURL=Sub(
                    f"https://${{{BUCKET}}}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/${{{PREFIX}}}{key}")),
            )],
        ))
        association = template.add_resource(servicecatalog.PortfolioProductAssociation(
            f"{product_id}Association", PortfolioId=Ref(portfolio), ProductId=Ref(product),
        ))
        template.add_resource(_launch_constraint(product_id, portfolio, product, association, catalog, role))
        template.add_output(Output(product_id, Description=f"Service Catalog product: {name}", Value=Ref(product)))
    template.add_output(Output("PortfolioId", Description="The Service Catalog portfolio", Value=Ref(portfolio)))
    return apply_tags(template, blueprint)


def _products(blueprint: Blueprint, templates: Mapping[str, bytes]) -> dict[str, tuple[str, str, str]]:
    """Product logical ID -> (name, description, S3 key without prefix)."""
    name = blueprint.name
    products = {
        "ApplicationProduct": (
            f"{name}: whole application",
            f"{blueprint.description or name}: network, cluster, operator access and every service, as one stack",
            root_key("", name, templates),
        ),
        "NetworkProduct": (f"{name}: network", "VPC with public and private subnets per AZ, NAT, flow logs",
                           child_key("", name, "network.yaml", templates["network.yaml"])),
        "ClusterProduct": (f"{name}: ECS cluster", "ECS cluster with its EC2 hosts and/or Fargate capacity",
                           child_key("", name, "cluster.yaml", templates["cluster.yaml"])),
    }
    for service_name, service in blueprint.services.items():
        filename = f"service-{service_name}.yaml"
        products[logical_id(service_name, "service", "product")] = (
            f"{name}: service {service_name}",
            f"Service {service_name} ({service.resolved_expose}) with its own load balancer, tasks and scaling"
            if service.has_load_balancer else f"Worker {service_name}: tasks without a load balancer",
            child_key("", name, filename, templates[filename]),
        )
    return products


def _launch_role(template: Template, blueprint: Blueprint, templates: Mapping[str, bytes]) -> iam.Role:
    types = sorted({resource["Type"] for filename, content in templates.items() if filename != CATALOG
                    for resource in (yaml.safe_load(content).get("Resources") or {}).values()})
    role = service_role(template, "LaunchRole", "servicecatalog.amazonaws.com",
                        f"Launches the {blueprint.name} products: exactly what their resources need")
    names = []
    for index, statements in enumerate(launch_statements(types, BUCKET), start=1):
        policy = template.add_resource(skip_scanner_checks(iam.ManagedPolicy(
            f"LaunchPolicy{index}", Description=f"Launching {blueprint.name} products, part {index}",
            PolicyDocument={"Version": POLICY_VERSION, "Statement": statements},
        ), *(("CKV_AWS_109", "CKV_AWS_111") if index > 1 else ())))
        names.append(Ref(policy))
    role.ManagedPolicyArns = names
    return role


def _launch_constraint(product_id: str, portfolio: servicecatalog.Portfolio,
                       product: servicecatalog.CloudFormationProduct,
                       association: servicecatalog.PortfolioProductAssociation, catalog: Catalog,
                       role: iam.Role | None) -> servicecatalog.LaunchRoleConstraint:
    constraint = servicecatalog.LaunchRoleConstraint(
        f"{product_id}LaunchConstraint", PortfolioId=Ref(portfolio), ProductId=Ref(product),
        Description="Launch with the portfolio's launch role",
        DependsOn=[association.title],
    )
    if catalog.local_role_name:
        constraint.LocalRoleName = catalog.local_role_name
    else:
        assert role is not None
        constraint.RoleArn = GetAtt(role, "Arn")
    return constraint

