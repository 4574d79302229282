"""The pieces the Service Catalog portfolio hands out deploy on their own, with their parameters given
the way a developer launching a product would give them. (moto skips the portfolio stack's own
Service Catalog resources, so those are checked on the template in tests/stacks/test_catalog.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.pipeline import build

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
    out = tmp_path_factory.mktemp("products")
    return build(REPO / "blueprints" / "example.yaml", out).directory


def test_network_cluster_and_a_service_launch_as_separate_products(moto: MotoCloud, example_output: Path) -> None:
    cfn = moto.client("cloudformation")
    network = _launch(cfn, "product-network", (example_output / "network.yaml").read_text(), {})
    assert {"VpcId", "PrivateSubnets", "PublicSubnets", "AccessLogBucket"} <= set(network)

    cluster = _launch(cfn, "product-cluster", (example_output / "cluster.yaml").read_text(), {
        "VpcId": network["VpcId"], "PrivateSubnets": network["PrivateSubnets"],
    })
    assert {"ClusterName", "HostSecurityGroup"} <= set(cluster)

    service = _launch(cfn, "product-images", (example_output / "service-images.yaml").read_text(), {
        "VpcId": network["VpcId"],
        "PrivateSubnets": network["PrivateSubnets"],
        "ClusterName": cluster["ClusterName"],
        "HostSecurityGroup": cluster["HostSecurityGroup"],
        # moto does not model capacity providers, so the cluster stack cannot output one.
        "CapacityProvider": cluster.get("CapacityProvider", "moto-unmodelled-capacity-provider"),
        "AccessLogBucket": network["AccessLogBucket"],
    })
    assert service["ServiceUrl"].startswith("http://")

    elb = moto.client("elbv2")
    (balancer,) = [b for b in elb.describe_load_balancers()["LoadBalancers"]
                   if b["DNSName"] == service["LoadBalancerDnsName"]]
    assert balancer["Scheme"] == "internal"
    private = set(network["PrivateSubnets"].split(","))
    assert {zone["SubnetId"] for zone in balancer["AvailabilityZones"]} <= private
