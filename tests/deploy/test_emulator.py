"""The local emulator (`make moto`, python -m generator.emulator): its patches of moto, the loopback-only
bind, the banner, and a clean stop on Ctrl-C. The same server runs the other deploy tests (harness.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from generator.emulator.__main__ import main
from generator.emulator.patches import UNMODELLED_TYPES, loopback_as_localhost, moto_models
from generator.emulator.server import EmulatorError, loopback

from .harness import MotoCloud, wait_for_stack
from .test_deploy_example import ALLOWED_UNMODELLED

ROOT = Path(__file__).resolve().parents[2]


def _subnet_template(*zones: Any) -> str:
    """A VPC with one subnet per zone expression, Subnet0, Subnet1, ..."""
    subnets = {f"Subnet{index}": {"Type": "AWS::EC2::Subnet", "Properties": {
        "VpcId": {"Ref": "Vpc"}, "CidrBlock": f"10.9.{index}.0/24", "AvailabilityZone": zone}}
        for index, zone in enumerate(zones)}
    return json.dumps({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}},
                                     **subnets}})


def _subnet_zones(cloud: MotoCloud, region: str, template: str) -> list[str]:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    cfn = session.client("cloudformation", region_name=region, endpoint_url=cloud.endpoint_url)
    name = f"azs-{uuid.uuid4().hex[:8]}"
    cfn.create_stack(StackName=name, TemplateBody=template)
    assert wait_for_stack(cfn, name) == "CREATE_COMPLETE"
    ids = {r["LogicalResourceId"]: r["PhysicalResourceId"]
           for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]}
    ec2 = session.client("ec2", region_name=region, endpoint_url=cloud.endpoint_url)
    subnets = sorted(logical_id for logical_id in ids if logical_id.startswith("Subnet"))
    zones = {s["SubnetId"]: s["AvailabilityZone"]
             for s in ec2.describe_subnets(SubnetIds=[ids[s] for s in subnets])["Subnets"]}
    return [zones[ids[logical_id]] for logical_id in subnets]


@pytest.mark.parametrize(("region", "index", "zone"), [
    ("us-east-1", 5, "us-east-1f"),  # moto alone knows four zones, a to d: a 6-AZ network failed
    ("ap-northeast-1", 1, "ap-northeast-1c"),  # moto alone made up "us-east-1b" (for "") or "...-1b"
])
def test_get_azs_gives_the_regions_own_zones(moto: MotoCloud, region: str, index: int, zone: str) -> None:
    """"" (what the network template writes), {Ref: AWS::Region} and the region's name all mean the same."""
    forms = ["", {"Ref": "AWS::Region"}, region]
    template = _subnet_template(*({"Fn::Select": [index, {"Fn::GetAZs": form}]} for form in forms))
    assert _subnet_zones(moto, region, template) == [zone] * len(forms)


def test_a_template_url_naming_the_emulator_is_read(moto: MotoCloud) -> None:
    """What `aws cloudformation package --endpoint-url http://127.0.0.1:PORT` writes into the root."""
    bucket = f"templates-{uuid.uuid4().hex[:8]}"
    s3, cfn = moto.client("s3"), moto.client("cloudformation")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="child.template", Body=_subnet_template("us-east-1a"))
    root = {"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": f"{moto.endpoint_url}/{bucket}/child.template"}}}}
    name = f"loopback-{uuid.uuid4().hex[:8]}"
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(root))
    assert wait_for_stack(cfn, name) == "CREATE_COMPLETE"


@pytest.mark.parametrize(("url", "read_as"), [
    ("http://127.0.0.1:5000/b/k.yaml", "http://localhost:5000/b/k.yaml"),
    ("http://127.3.2.1/b/k", "http://localhost/b/k"),
    ("http://[::1]:8080/b/p/k?versionId=1", "http://localhost:8080/b/p/k?versionId=1"),
    ("http://localhost:5000/b/k", "http://localhost:5000/b/k"),
    ("https://b.s3.amazonaws.com/k", "https://b.s3.amazonaws.com/k"),
    ("http://10.0.0.1:5000/b/k", "http://10.0.0.1:5000/b/k"),  # not this machine: moto's own reading
])
def test_only_loopback_hosts_are_read_path_style(url: str, read_as: str) -> None:
    assert loopback_as_localhost(url) == read_as


@pytest.mark.parametrize(("host", "bound"), [
    ("127.0.0.1", "127.0.0.1"), ("127.9.9.9", "127.9.9.9"), ("::1", "::1"), ("[::1]", "::1"),
    ("localhost", "127.0.0.1"),
])
def test_loopback_addresses_are_accepted(host: str, bound: str) -> None:
    assert loopback(host) == bound


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "192.168.0.10", "203.0.113.5", "example.com", ""])
def test_other_bind_addresses_are_refused_in_one_line(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(EmulatorError):
        loopback(host)
    assert main(["--host", host]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --host") and err.count("\n") == 1 and "Traceback" not in err


def test_a_port_in_use_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["--port", str(taken.getsockname()[1])]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot listen on http://127.0.0.1:") and err.count("\n") == 1


@pytest.mark.parametrize("port", ["65536", "-1", "99999999999999999999", "abc", "80.5", ""])
def test_a_port_out_of_range_is_a_usage_error_not_a_traceback(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    """argparse took any int, and socket.bind raised OverflowError past 65535 or below 0."""
    with pytest.raises(SystemExit) as stopped:
        main(["--port", port])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "argument --port" in err and "Traceback" not in err, err


def test_without_moto_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "moto", None)  # `import moto` now raises ImportError
    assert main(["--port", "0"]) == 2
    assert "make moto" in capsys.readouterr().err


def test_the_types_it_names_as_unmodelled_are_so() -> None:
    """The banner's list stays true across a moto upgrade, and names every type the deploy tests excuse."""
    assert [t for t in UNMODELLED_TYPES if moto_models(t)] == []
    assert set(UNMODELLED_TYPES) >= ALLOWED_UNMODELLED


def test_it_serves_on_loopback_says_what_it_is_and_stops_cleanly_on_ctrl_c() -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "generator.emulator", "--port", "0"], cwd=ROOT,
                               env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner: list[str] = []
        while not banner or banner[-1] not in ("Ctrl-C stops it.\n", ""):  # read whole: communicate() reads past
            banner.append(process.stdout.readline())                      # what readline() buffered
        (url,) = [line.split()[1] for line in banner if line.strip().startswith("endpoint")]
        assert url.startswith("http://127.0.0.1:") and "moto 5.2.5" in banner[0]
        s3 = boto3.session.Session().client("s3", region_name="us-east-1", endpoint_url=url,
                                            aws_access_key_id="test", aws_secret_access_key="test")
        s3.create_bucket(Bucket="answers")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["answers"]
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends (SIGTERM takes the same path)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert err == ""  # no traceback, no warning
    text = "".join(banner) + out
    assert all(t in text for t in UNMODELLED_TYPES) and "ACM certificate" in text, text
    assert out.rstrip().endswith("emulator stopped")
