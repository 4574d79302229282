"""catalog.yaml: a Service Catalog portfolio whose products point at what `blueprint publish` uploads."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from generator.blueprint.load import load_blueprint, load_blueprint_bytes
from generator.cfn.artifacts import artifact_keys, child_key, content_id
from generator.cfn.render import render_data
from generator.pipeline import build, documents
from generator.stacks.catalog import CATALOG
from generator.stacks.launch_role import PARAMETER_READS, SERVICE_LINKED_ROLES
from generator.stacks.products import product_templates

REPOSITORY = Path(__file__).resolve().parents[2]

CATALOG_BLUEPRINT = """
name: shop
description: A shop
cluster: {instances: {type: t3.medium, min: 1, max: 3}, fargate: true}
services:
  web: {image: nginx, port: 8080, expose: public, talks_to: [api]}
  api: {image: nginx, port: 8080, launch_type: fargate}
  worker: {image: nginx}
catalog:
  portfolio: Shop stacks
  owner: platform-team
  principals:
    - arn:aws:iam::123456789012:role/Developers
    - arn:aws:iam::123456789012:group/Ops
"""


def _documents(text: str) -> dict[str, dict]:
    return documents(load_blueprint_bytes(textwrap.dedent(text).encode(), "shop.yaml"))


def _resources(template: dict, kind: str) -> dict[str, dict]:
    return {name: entry for name, entry in template["Resources"].items() if entry["Type"] == kind}


@pytest.fixture(scope="module")
def shop() -> dict[str, dict]:
    return _documents(CATALOG_BLUEPRINT)


def test_catalog_is_emitted_only_with_a_catalog_block(shop: dict[str, dict]) -> None:
    assert CATALOG in shop
    without = CATALOG_BLUEPRINT.split("catalog:")[0]
    assert CATALOG not in _documents(without)


def test_products_cover_the_application_and_its_pieces(shop: dict[str, dict]) -> None:
    products = _resources(shop[CATALOG], "AWS::ServiceCatalog::CloudFormationProduct")
    assert set(products) == {"ApplicationProduct", "NetworkProduct", "ClusterProduct", "WebServiceProduct",
                             "ApiServiceProduct", "WorkerServiceProduct"}


def test_every_product_loads_the_key_publish_uploads(shop: dict[str, dict]) -> None:
    products = product_templates("shop", {name: data for name, data in shop.items() if name != CATALOG})
    keys = artifact_keys("", "shop", {name: render_data(data) for name, data in products.templates.items()})
    expected = {
        "ApplicationProduct": keys["root.yaml"], "NetworkProduct": keys["network.yaml"],
        "ClusterProduct": keys["cluster.yaml"], "WebServiceProduct": keys["service-web.yaml"],
        "ApiServiceProduct": keys["service-api.yaml"], "WorkerServiceProduct": keys["service-worker.yaml"],
    }
    for product_id, entry in _resources(shop[CATALOG], "AWS::ServiceCatalog::CloudFormationProduct").items():
        (artifact,) = entry["Properties"]["ProvisioningArtifactParameters"]
        url = artifact["Info"]["LoadTemplateFromURL"]["Fn::Sub"]
        assert url.endswith("/${TemplatePrefix}" + expected[product_id])
        assert url.startswith("https://${TemplateBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/")
        assert artifact["Name"] == expected[product_id].split("/")[-2]


def test_a_changed_service_gives_its_product_a_new_artifact_and_leaves_the_others(shop: dict[str, dict]) -> None:
    changed = _documents(CATALOG_BLUEPRINT.replace("worker: {image: nginx}", "worker: {image: nginx, count: 3}"))

    def artifact_names(docs: dict[str, dict]) -> dict[str, str]:
        products = _resources(docs[CATALOG], "AWS::ServiceCatalog::CloudFormationProduct")
        return {pid: e["Properties"]["ProvisioningArtifactParameters"][0]["Name"] for pid, e in products.items()}

    before, after = artifact_names(shop), artifact_names(changed)
    assert {pid for pid in before if before[pid] != after[pid]} == {"WorkerServiceProduct", "ApplicationProduct"}


def test_every_launch_constraint_depends_on_its_association(shop: dict[str, dict]) -> None:
    catalog = shop[CATALOG]
    constraints = _resources(catalog, "AWS::ServiceCatalog::LaunchRoleConstraint")
    associations = _resources(catalog, "AWS::ServiceCatalog::PortfolioProductAssociation")
    assert len(constraints) == len(associations) == 6
    for entry in constraints.values():
        product = entry["Properties"]["ProductId"]["Ref"]
        (association,) = [name for name, a in associations.items() if a["Properties"]["ProductId"]["Ref"] == product]
        assert association in entry["DependsOn"]
        role = "LaunchRole" if product == "ApplicationProduct" else f"{product}LaunchRole"
        assert entry["Properties"]["RoleArn"] == {"Fn::GetAtt": [role, "Arn"]}


def test_principals_are_associated_with_the_portfolio(shop: dict[str, dict]) -> None:
    principals = _resources(shop[CATALOG], "AWS::ServiceCatalog::PortfolioPrincipalAssociation")
    assert sorted(p["Properties"]["PrincipalARN"] for p in principals.values()) == [
        "arn:aws:iam::123456789012:group/Ops", "arn:aws:iam::123456789012:role/Developers"]


def test_launch_role_trusts_service_catalog_and_names_every_action(shop: dict[str, dict]) -> None:
    catalog = shop[CATALOG]
    role = catalog["Resources"]["LaunchRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "servicecatalog.amazonaws.com"}
    actions = [action for _, statement in _launch_statements(catalog) for action in statement["Action"]]
    assert actions and not [a for a in actions if "*" in a]
    # The resources the products create are covered: a VPC, an ECS service, a nested stack; roles are passed.
    for needed in ("ec2:CreateVpc", "ecs:CreateService", "cloudformation:CreateStack",
                   "elasticloadbalancing:CreateLoadBalancer", "s3:GetObject", "iam:PassRole"):
        assert needed in actions
    # The products make no IAM resource, so the role can make, attach or write no role or policy.
    assert not [a for a in actions if a.startswith("iam:") and a not in ("iam:PassRole", "iam:GetRole",
                                                                         "iam:CreateServiceLinkedRole")]
    assert len(role["ManagedPolicyArns"]) == len(_resources(catalog, "AWS::IAM::ManagedPolicy"))


def test_pass_role_passes_exactly_the_catalog_s_roles_each_to_the_service_it_trusts(shop: dict[str, dict]) -> None:
    catalog = shop[CATALOG]
    roles = {name: role for name, role in _resources(catalog, "AWS::IAM::Role").items()
             if name not in _launch_roles(catalog)}
    passed = {}
    for _, statement in _role_statements(catalog, "LaunchRole"):  # the application's: its nested stacks take all
        if "iam:PassRole" in statement["Action"]:
            assert statement["Action"] == ["iam:PassRole"]
            service = statement["Condition"]["StringEquals"]["iam:PassedToService"]
            for resource in statement["Resource"]:
                passed[resource["Fn::GetAtt"][0]] = service  # never a pattern: each role by its own ARN
    trusted = {name: role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
               for name, role in roles.items()}
    assert passed == trusted
    assert set(trusted.values()) == {"ecs-tasks.amazonaws.com", "ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com"}


def test_a_local_role_name_replaces_the_generated_role() -> None:
    docs = _documents(CATALOG_BLUEPRINT + "  local_role_name: SCLaunchRole\n")
    catalog = docs[CATALOG]
    assert not _launch_roles(catalog) and not _resources(catalog, "AWS::IAM::ManagedPolicy")
    assert _resources(catalog, "AWS::IAM::Role")  # the products' roles are still the portfolio stack's
    for entry in _resources(catalog, "AWS::ServiceCatalog::LaunchRoleConstraint").values():
        assert entry["Properties"]["LocalRoleName"] == "SCLaunchRole"
        assert "RoleArn" not in entry["Properties"]


def test_product_templates_guard_their_subnets_and_label_parameters(shop: dict[str, dict]) -> None:
    service = shop["service-api.yaml"]
    interface = service["Metadata"]["AWS::CloudFormation::Interface"]
    grouped = {name for group in interface["ParameterGroups"] for name in group["Parameters"]}
    assert grouped == set(service["Parameters"])
    assert set(interface["ParameterLabels"]) == set(service["Parameters"])
    (assertion,) = service["Rules"]["ResourcesInTheChosenVpc"]["Assertions"]
    assert assertion["Assert"] == {"Fn::EachMemberEquals": [{"Fn::ValueOf": ["PrivateSubnets", "VpcId"]},
                                                            {"Ref": "VpcId"}]}


def test_keys_are_content_addressed() -> None:
    assert child_key("", "shop", "network.yaml", b"a") == f"shop/{content_id(b'a')}/network.yaml"
    assert child_key("team/", "shop", "network.yaml", b"a") == child_key("/team", "shop", "network.yaml", b"a")
    assert child_key("", "shop", "network.yaml", b"a") != child_key("", "shop", "network.yaml", b"b")


def test_the_catalog_builds_lint_and_audit_clean(tmp_path: Path) -> None:
    source = tmp_path / "shop.yaml"
    source.write_text(textwrap.dedent(CATALOG_BLUEPRINT))
    result = build(source, tmp_path / "out")
    assert (tmp_path / "out" / "shop" / CATALOG).read_bytes() == result.files[CATALOG]


def test_the_catalog_limit_the_loader_enforces_is_the_builder_s() -> None:
    """`rules.catalog_fits_one_template` counts what build_catalog adds; the largest catalog it lets
    through stays within CloudFormation's quotas, and one more service is refused before building."""
    from generator.blueprint import BlueprintErrors
    from generator.blueprint.rules import (
        LAUNCH_POLICY_RESOURCES,
        LAUNCH_ROLES_PER_PRODUCT,
        MAX_TEMPLATE_RESOURCES,
        RESOURCES_PER_PRODUCT,
        ROLE_RESOURCES_PER_SERVICE,
        SHARED_ROLE_RESOURCES,
    )
    from generator.checks.quotas import MAX_OUTPUTS

    def blueprint(services: int) -> str:
        body = "".join(f"  s{i}: {{image: nginx, port: 80}}\n" for i in range(services))
        return f"name: shop\ncatalog: {{portfolio: P, owner: O}}\nservices:\n{body}"

    per_product = RESOURCES_PER_PRODUCT + LAUNCH_ROLES_PER_PRODUCT
    largest = (MAX_TEMPLATE_RESOURCES - 1 - LAUNCH_POLICY_RESOURCES - SHARED_ROLE_RESOURCES - per_product * 3) \
        // (per_product + ROLE_RESOURCES_PER_SERVICE)
    catalog = _documents(blueprint(largest))[CATALOG]
    assert len(catalog["Resources"]) <= MAX_TEMPLATE_RESOURCES and len(catalog["Outputs"]) <= MAX_OUTPUTS
    policies = [r for r in catalog["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert 0 < len(policies) <= LAUNCH_POLICY_RESOURCES
    launch_roles = _launch_roles(catalog)
    assert len(launch_roles) == LAUNCH_ROLES_PER_PRODUCT * (largest + 3)
    made = [name for name, r in catalog["Resources"].items()
            if r["Type"] in ("AWS::IAM::Role", "AWS::SSM::Parameter") and name not in launch_roles]
    assert len(made) <= ROLE_RESOURCES_PER_SERVICE * largest + SHARED_ROLE_RESOURCES
    # The role for every resource type the committed blueprints make (bastion, VPN, EC2 hosts, ...) fits too.
    from generator.stacks.launch_role import launch_statements

    types = {resource["Type"] for path in sorted((REPOSITORY / "blueprints").glob("*.yaml"))
             for document in documents(load_blueprint(path)).values() for resource in document["Resources"].values()}
    assert len(launch_statements(sorted(types), "Bucket")) <= LAUNCH_POLICY_RESOURCES
    with pytest.raises(BlueprintErrors, match="catalog: needs up to"):
        _documents(blueprint(largest + 1))


def _launch_roles(catalog: dict) -> dict[str, dict]:
    """The roles Service Catalog assumes to launch products (the others are the products' own)."""
    return {name: role for name, role in _resources(catalog, "AWS::IAM::Role").items()
            if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
            == {"Service": "servicecatalog.amazonaws.com"}}


def _role_statements(catalog: dict, role_id: str) -> list[tuple[str, dict]]:
    """One launch role's statements: its inline policy's and its managed policies'."""
    role = catalog["Resources"][role_id]["Properties"]
    managed = [catalog["Resources"][ref["Ref"]] for ref in role.get("ManagedPolicyArns", [])]
    return [(role_id, statement) for policy in role.get("Policies", [])
            for statement in policy["PolicyDocument"]["Statement"]] + \
        [(ref["Ref"], statement) for ref, policy in zip(role.get("ManagedPolicyArns", []), managed, strict=True)
         for statement in policy["Properties"]["PolicyDocument"]["Statement"]]


def _launch_statements(catalog: dict) -> list[tuple[str, dict]]:
    """Every launch role's statements."""
    return [entry for role_id in _launch_roles(catalog) for entry in _role_statements(catalog, role_id)]


def test_the_launch_role_reaches_only_the_catalog_s_roles_and_launched_buckets(shop: dict[str, dict]) -> None:
    """Not account-admin: S3 actions reach only the buckets Service Catalog launches (sc-<account>-pp-*), IAM
    actions only the catalog's own roles (by ARN) and AWS's service-linked roles."""
    catalog = shop[CATALOG]
    roles = set(_resources(catalog, "AWS::IAM::Role")) - set(_launch_roles(catalog))
    for _, statement in _launch_statements(catalog):
        services = {action.split(":")[0] for action in statement["Action"]}
        if services & {"iam", "s3"} and statement["Sid"] != "ReadPublishedTemplates":
            assert services <= {"iam"} or services <= {"s3"}, statement["Sid"]
            resources = statement["Resource"]
            assert resources, statement["Sid"]
            for resource in resources:
                if services == {"s3"}:
                    assert ":s3:::sc-${AWS::AccountId}-pp-*" in resource["Fn::Sub"], statement["Sid"]
                elif "Fn::GetAtt" in resource:
                    assert resource["Fn::GetAtt"][0] in roles and resource["Fn::GetAtt"][1] == "Arn"
                else:
                    assert resource == {"Fn::Sub": SERVICE_LINKED_ROLES}, statement["Sid"]


def test_only_actions_without_resource_level_permissions_are_granted_on_everything(shop: dict[str, dict]) -> None:
    from generator.stacks.launch_role import _arn_formats

    unscoped = [a for _, s in _launch_statements(shop[CATALOG]) if s["Resource"] == ["*"] for a in s["Action"]]
    assert unscoped, "application-autoscaling and logs have actions with no resource-level permission"
    for action in unscoped:
        assert _arn_formats(*action.split(":", 1)) == (), action
    scoped = [s for _, s in _launch_statements(shop[CATALOG]) if s["Resource"] != ["*"]]
    assert all("*" not in s["Resource"] for s in scoped)


def test_only_the_policy_granting_on_everything_skips_checkov_111(shop: dict[str, dict]) -> None:
    for policy in _resources(shop[CATALOG], "AWS::IAM::ManagedPolicy").values():
        skips = {skip["id"] for skip in policy.get("Metadata", {}).get("checkov", {}).get("skip", [])}
        on_everything = any(s["Resource"] == ["*"] for s in policy["Properties"]["PolicyDocument"]["Statement"])
        assert skips == ({"CKV_AWS_111"} if on_everything else set())


def _product_files(catalog: dict) -> dict[str, str]:
    """Product logical ID -> the template file its artifact loads."""
    products = _resources(catalog, "AWS::ServiceCatalog::CloudFormationProduct")
    return {pid: entry["Properties"]["ProvisioningArtifactParameters"][0]["Info"]["LoadTemplateFromURL"]["Fn::Sub"]
            .rsplit("/", 1)[1] for pid, entry in products.items()}


def _own_roles(shop: dict[str, dict], filename: str) -> tuple[set[str], set[str]]:
    """What a product's template takes, read from the template and catalog.yaml alone: the SSM parameters its
    role parameters default to, and the catalog roles they hold (an instance profile's: the role in it)."""
    catalog = shop[CATALOG]
    product = product_templates("shop", {name: data for name, data in shop.items() if name != CATALOG})
    names = {p["Default"] for p in product.templates[filename].get("Parameters", {}).values()
             if p["Type"] == "AWS::SSM::Parameter::Value<String>" and p["Default"].startswith("/shop/catalog/")}
    roles = set()
    for parameter in _resources(catalog, "AWS::SSM::Parameter").values():
        if parameter["Properties"]["Name"] in names:
            held = parameter["Properties"]["Value"]["Fn::GetAtt"][0]
            target = catalog["Resources"][held]
            roles.update([ref["Ref"] for ref in target["Properties"]["Roles"]]
                         if target["Type"] == "AWS::IAM::InstanceProfile" else [held])
    return names, roles


def _grants(catalog: dict, role_id: str, action: str) -> list[dict | str]:
    return [resource for _, statement in _role_statements(catalog, role_id) if action in statement["Action"]
            for resource in statement["Resource"]]


def test_each_product_s_launch_role_passes_and_reads_only_its_own_roles(shop: dict[str, dict]) -> None:
    """A product launched on its own may pass (and read the parameters of) only the catalog roles its own
    template takes: the network its flow-log role, the cluster its hosts' role (in their instance profile), a
    service its execution and task roles."""
    catalog = shop[CATALOG]
    files = _product_files(catalog)
    assert set(_launch_roles(catalog)) == {"LaunchRole"} | {f"{pid}LaunchRole" for pid in files} - \
        {"ApplicationProductLaunchRole"}
    seen_services = set()
    for product_id, filename in files.items():
        if product_id == "ApplicationProduct":
            continue
        parameters, roles = _own_roles(shop, filename)
        role_id = f"{product_id}LaunchRole"
        passed = {resource["Fn::GetAtt"][0] for resource in _grants(catalog, role_id, "iam:PassRole")}
        assert passed == roles, product_id
        read = {resource["Fn::Sub"] for resource in _grants(catalog, role_id, "ssm:GetParameters")
                if ":${AWS::AccountId}:" in resource["Fn::Sub"]}  # not AWS's public AMI parameters
        assert read == {f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{name}"
                        for name in parameters}, product_id
        seen_services.update(_passed_to(catalog, role_id))
    assert seen_services == {"ecs-tasks.amazonaws.com", "ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com"}


def _passed_to(catalog: dict, role_id: str) -> set[str]:
    return {statement["Condition"]["StringEquals"]["iam:PassedToService"]
            for _, statement in _role_statements(catalog, role_id) if "iam:PassRole" in statement["Action"]}


def test_a_service_product_pointed_at_another_service_s_role_cannot_pass_it(shop: dict[str, dict]) -> None:
    """The security review's case: a launcher sets one service product's TaskRoleArn (or ExecutionRoleArn) to
    another service's SSM parameter. Its launch role may neither read that parameter nor pass the role."""
    catalog = shop[CATALOG]
    services = {pid: filename for pid, filename in _product_files(catalog).items()
                if filename.startswith("service-")}
    assert len(services) == 3
    for product_id in services:
        role_id = f"{product_id}LaunchRole"
        passed = {resource["Fn::GetAtt"][0] for resource in _grants(catalog, role_id, "iam:PassRole")}
        reads = [resource["Fn::Sub"] for resource in _grants(catalog, role_id, "ssm:GetParameters")]
        assert passed and not [r for r in reads if r.endswith("*") and ":${AWS::AccountId}:" in r], product_id
        read = " ".join(reads)
        for other, filename in services.items():
            if other == product_id:
                continue
            parameters, roles = _own_roles(shop, filename)
            assert roles and not roles & passed, (product_id, other)
            assert parameters and not [name for name in parameters if name in read], (product_id, other)
    # Nothing the launch roles share passes a role or reads the catalog's parameters.
    for policy_id, policy in _resources(catalog, "AWS::IAM::ManagedPolicy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert not [a for a in statement["Action"] if a.startswith("iam:")], policy_id
            assert "/shop/catalog/" not in str(statement["Resource"]), policy_id
            if statement["Sid"] != "ReadPublicAmiParameters":  # AWS's public parameters only
                assert not PARAMETER_READS & set(statement["Action"]), (policy_id, statement["Sid"])


def test_the_application_product_s_launch_role_passes_every_catalog_role(shop: dict[str, dict]) -> None:
    catalog = shop[CATALOG]
    products = {name for name in _resources(catalog, "AWS::IAM::Role") if name not in _launch_roles(catalog)}
    passed = {resource["Fn::GetAtt"][0] for resource in _grants(catalog, "LaunchRole", "iam:PassRole")}
    assert passed == products
    assert {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/shop/catalog/*"} \
        in _grants(catalog, "LaunchRole", "ssm:GetParameters")
