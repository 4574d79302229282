"""The pieces the Service Catalog portfolio hands out deploy on their own, with their parameters given
the way a developer launching a product would give them: the product templates (no IAM resource of their
own), after the portfolio stack's roles and the SSM parameters of their ARNs. (moto skips the portfolio
stack's own Service Catalog resources, so those are checked on the template in tests/stacks/test_catalog.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.cfn.reader import read_template
from generator.cfn.render import render_data
from generator.pipeline import build
from generator.stacks.catalog import CATALOG
from generator.stacks.products import IAM_TYPES, product_templates

from .harness import MotoCloud, wait_for_stack

REPO = Path(__file__).resolve().parents[2]
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]


def _launch(cfn: Any, name: str, body: str, parameters: dict[str, str]) -> dict[str, str]:
    cfn.create_stack(
        StackName=name, TemplateBody=body, Capabilities=CAPABILITIES,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    assert wait_for_stack(cfn, name) == "CREATE_COMPLETE"
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example blueprint with a catalog: its products and catalog.yaml."""
    out = tmp_path_factory.mktemp("products")
    source = out / "example.yaml"
    source.write_text((REPO / "blueprints" / "example.yaml").read_text()
                      + "\ncatalog:\n  portfolio: Photos\n  owner: platform\n")
    return build(source, out / "output").directory


def _products(directory: Path) -> dict[str, str]:
    files = {path.name: read_template(path.read_bytes(), path.name) for path in directory.glob("*.yaml")
             if path.name != CATALOG}
    return {name: render_data(data).decode() for name, data in product_templates("photos", files).templates.items()}


def _catalog_roles(directory: Path) -> str:
    """catalog.yaml's roles, instance profiles and ARN parameters: what the portfolio stack makes for the
    products, deployable without its Service Catalog resources."""
    catalog = read_template((directory / CATALOG).read_bytes(), CATALOG)
    kept = {name: resource for name, resource in catalog["Resources"].items()
            if not name.endswith("LaunchRole") and resource["Type"] in (IAM_TYPES - {"AWS::IAM::ManagedPolicy"})
            | {"AWS::SSM::Parameter"}}
    for resource in kept.values():
        if resource["Type"] == "AWS::SSM::Parameter":  # moto reads SSM's map of tags as CloudFormation's list
            resource["Properties"].pop("Tags", None)
    return render_data({"Resources": kept}).decode()


def test_network_cluster_and_a_service_launch_as_separate_products(moto: MotoCloud, example_output: Path) -> None:
    cfn = moto.client("cloudformation")
    _launch(cfn, "photos-catalog-roles", _catalog_roles(example_output), {})
    products = _products(example_output)
    network = _launch(cfn, "product-network", products["network.yaml"], {})
    assert {"VpcId", "PrivateSubnets", "PublicSubnets", "AccessLogBucket"} <= set(network)

    cluster = _launch(cfn, "product-cluster", products["cluster.yaml"], {
        "VpcId": network["VpcId"], "PrivateSubnets": network["PrivateSubnets"],
    })
    assert {"ClusterName", "HostSecurityGroup"} <= set(cluster)

    service = _launch(cfn, "product-images", products["service-images.yaml"], {
        "VpcId": network["VpcId"],
        "PrivateSubnets": network["PrivateSubnets"],
        "ClusterName": cluster["ClusterName"],
        "HostSecurityGroup": cluster["HostSecurityGroup"],
        # moto does not model capacity providers, so the cluster stack cannot output one.
        "CapacityProvider": cluster.get("CapacityProvider", "moto-unmodelled-capacity-provider"),
        "AccessLogBucket": network["AccessLogBucket"],
    })
    assert service["ServiceUrl"].startswith("http://")
    # The tasks run with the portfolio stack's roles, read from its SSM parameters (moto keeps no task role
    # on a task definition, but shows each parameter's resolved value).
    given = {p["ParameterKey"]: p["ParameterValue"]
             for p in cfn.describe_stacks(StackName="product-images")["Stacks"][0]["Parameters"]}
    roles = {role["Arn"] for role in moto.client("iam").list_roles()["Roles"]}
    assert given["TaskRoleArn"] in roles and "-ImagesServiceTaskRole-" in given["TaskRoleArn"]
    assert given["ExecutionRoleArn"] in roles and "-ImagesServiceExecutionRole-" in given["ExecutionRoleArn"]

    elb = moto.client("elbv2")
    (balancer,) = [b for b in elb.describe_load_balancers()["LoadBalancers"]
                   if b["DNSName"] == service["LoadBalancerDnsName"]]
    assert balancer["Scheme"] == "internal"
    private = set(network["PrivateSubnets"].split(","))
    assert {zone["SubnetId"] for zone in balancer["AvailabilityZones"]} <= private
