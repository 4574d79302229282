"""cfripper, an outside scanner of IAM risk, on catalog.yaml: the Service Catalog launch role cannot escalate.

cfripper's PrivilegeEscalationRule matches action names only (iam:PutRolePolicy, iam:AttachRolePolicy,
iam:UpdateAssumeRolePolicy, iam:CreatePolicyVersion, ...), whatever their resources or conditions; the
products make no IAM resource, so the launch role has none of them. cfripper lives in .venv-scan beside
checkov (`make test` creates it); checkov's own run is `make scan`.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from generator.blueprint.load import load_blueprint_bytes
from generator.cfn.render import render_data
from generator.pipeline import documents
from generator.stacks.catalog import CATALOG

REPOSITORY = Path(__file__).resolve().parents[1]
CFRIPPER = REPOSITORY / ".venv-scan" / "bin" / "cfripper"
ESCALATION = "PrivilegeEscalationRule"
# A catalog with every kind of role the builders make: EC2 hosts (an instance profile), a bastion, flow logs,
# services with secrets and permissions.
EVERY_ROLE = """
name: shop
cluster: {instances: {type: t3.medium, min: 1, max: 2}}
access: {bastion: {allowed_cidrs: [203.0.113.0/24], key_name: ops}}
services:
  web:
    image: nginx
    port: 8080
    expose: public
    secrets: {TOKEN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-AbCdEf"}
    permissions: [{resource: "arn:aws:s3:::shop-assets", access: read}]
catalog: {portfolio: Shop, owner: platform}
"""

pytestmark = pytest.mark.skipif(not CFRIPPER.exists(),
                                reason="cfripper is not installed: `make .venv-scan/.installed` (make test does it)")


def _failures(template: Path) -> list[dict[str, Any]]:
    run = subprocess.run([str(CFRIPPER), str(template), "--format", "json", "--resolve"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode in (0, 2), run.stderr[-2000:]  # 2: some rule failed (wildcard resources, below)
    report = json.loads(run.stdout)
    assert report["exceptions"] == [], report["exceptions"]
    return list(report["failures"])


def _catalogs() -> list[Path]:
    return sorted((REPOSITORY / "output").glob(f"*/{CATALOG}"))


@pytest.fixture(scope="module")
def every_role(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cfripper") / CATALOG
    blueprint = load_blueprint_bytes(textwrap.dedent(EVERY_ROLE).encode(), "shop.yaml")
    path.write_bytes(render_data(documents(blueprint)[CATALOG]))
    return path


@pytest.mark.parametrize("catalog", _catalogs(), ids=lambda path: path.parent.name)
def test_cfripper_finds_no_privilege_escalation_in_a_committed_catalog(catalog: Path) -> None:
    assert not [failure for failure in _failures(catalog) if failure["rule"] == ESCALATION]


def test_cfripper_finds_no_privilege_escalation_with_every_kind_of_role(every_role: Path) -> None:
    text = every_role.read_text()
    assert all(role in text for role in ("ClusterHostInstanceProfile:", "AccessBastionRole:", "NetworkFlowLogRole:",
                                         "WebServiceTaskRole:", "WebServiceExecutionRole:"))
    failures = _failures(every_role)
    assert not [failure for failure in failures if failure["rule"] == ESCALATION]


def test_cfripper_would_see_a_launch_role_that_writes_role_policies(every_role: Path, tmp_path: Path) -> None:
    """The check above can fail: the launch role as it was while products made their own roles."""
    import yaml

    data = yaml.safe_load(every_role.read_text())
    statements = data["Resources"]["LaunchPolicy1"]["Properties"]["PolicyDocument"]["Statement"]
    statements.append({"Effect": "Allow", "Action": ["iam:CreateRole", "iam:PutRolePolicy"],
                       "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/SC-*"}]})
    unsafe = tmp_path / CATALOG
    unsafe.write_bytes(render_data(data))
    (failure,) = [failure for failure in _failures(unsafe) if failure["rule"] == ESCALATION]
    assert failure["resource_ids"] == ["LaunchPolicy1"] and "iam:PutRolePolicy" in failure["actions"]
