"""The README's "Try it without an AWS account" steps, run as written: the emulator as `make moto` starts it
(on a free port instead of 5000), then the second terminal's lines in bash, `blueprint deploy
--endpoint-url` and the AWS CLI v1 route with `--parameter-overrides file://output/photos/parameters.json`."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DEFAULT_URL = "http://127.0.0.1:5000"


def steps() -> list[str]:
    """The section's sh blocks: the first terminal's, then the second's."""
    section = README.read_text(encoding="utf-8").split("### Try it without an AWS account", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def test_the_first_terminal_runs_the_emulator_on_port_5000() -> None:
    first, _ = steps()
    assert first.strip() == "make moto"
    makefile = (ROOT / "Makefile").read_text()
    assert "MOTO_PORT ?= 5000" in makefile
    assert re.search(r"^moto: .*\n\t\$\(BIN\)/python -m generator\.emulator --port \$\(MOTO_PORT\)$", makefile, re.M)


@pytest.fixture
def emulator() -> Iterator[str]:
    """`python -m generator.emulator` as `make moto` runs it, on a free port; its endpoint URL."""
    process = subprocess.Popen([sys.executable, "-m", "generator.emulator", "--port", "0"], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = ""
        while "endpoint" not in line:
            line = process.stdout.readline()
            assert line, "the emulator stopped before saying where it listens"
        yield line.split()[1]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)


def test_the_second_terminals_lines_deploy_the_example_both_ways(emulator: str, tmp_path: Path) -> None:
    _, second = steps()
    # A fresh clone's layout: blueprints/ and the committed output/, and a .venv whose activate puts
    # this interpreter's bin (blueprint, aws) first on the PATH.
    for name in ("blueprints", "output"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "activate").write_text(
        f"PATH={shlex.quote(str(Path(sys.executable).parent))}:$PATH\n")
    assert DEFAULT_URL in second
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    environment.update(PYTHONPATH=str(ROOT), HOME=str(tmp_path), AWS_CONFIG_FILE=os.devnull,
                       AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    ran = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", second.replace(DEFAULT_URL, emulator)],
                         cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=240, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "stack photos: CREATE_COMPLETE" in ran.stdout
    assert "Successfully created/updated stack - photos-cli" in ran.stdout
    statuses = dict(line.split("\t") for line in ran.stdout.splitlines() if line.startswith("photos"))
    assert len(statuses) == 2 * 6  # each root and its five nested stacks (network, cluster, access, 2 services)
    assert set(statuses.values()) == {"CREATE_COMPLETE"} and {"photos", "photos-cli"} <= set(statuses)
    # The CLI read parameters.json (v1 refuses the CloudFormation-shaped list builds used to write).
    cfn = boto3.session.Session().client("cloudformation", region_name="us-east-1", endpoint_url=emulator,
                                         aws_access_key_id="test", aws_secret_access_key="test")
    (stack,) = cfn.describe_stacks(StackName="photos-cli")["Stacks"]
    written = json.loads((ROOT / "output" / "photos" / "parameters.json").read_text())
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == dict(
        entry.split("=", 1) for entry in written)
