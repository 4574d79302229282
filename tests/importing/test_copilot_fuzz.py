"""No workspace breaks the import: whatever its manifests hold (random keys, types, `${VAR}`, broken YAML,
bytes), `import_copilot` gives a blueprint that is YAML of one mapping and a report whose every line is
FILE:LINE:COL: left out: ..., with a line inside the file; never another exception. Derandomized, as
tests/fuzz does, so CI sees the same inputs every run."""

from __future__ import annotations

import datetime
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.importing import import_copilot

LINE = re.compile(r"^(?P<file>.+?):(?P<line>[0-9]+):(?P<column>[0-9]+): left out: \S")
TYPES = ["Load Balanced Web Service", "Backend Service", "Worker Service", "Scheduled Job", "Static Site",
         "Request-Driven Web Service", "Environment", "Bogus"]
KEYS = ["image", "location", "build", "port", "http", "path", "alias", "hosted_zone", "healthcheck", "grace_period",
        "count", "range", "min", "max", "spot_from", "spot", "cpu_percentage", "memory_percentage", "requests",
        "queue_delay", "acceptable_latency", "msg_processing_time", "value", "cpu", "memory", "platform", "exec",
        "variables", "secrets", "secretsmanager", "from_cfn", "command", "subscribe", "topics", "queue", "name",
        "service", "dead_letter", "tries", "timeout", "publish", "on", "schedule", "retries", "network", "vpc",
        "placement", "id", "subnets", "public", "private", "cidr", "environments", "dev", "prod", "account",
        "region", "sidecars", "allowed_source_ips", "architecture", "osfamily", "observability"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1-10", "30s", "1h", "@daily", "0 3 * * *", "linux/arm64", "windows/x86_64", "/health",
                     "a.example.com", "${COPILOT_ENVIRONMENT_NAME}", "${COPILOT_APPLICATION_NAME}", "${HOME}/x",
                     "arn:aws:ssm:eu-west-1:123456789012:parameter/x", "vpc-0123456789abcdef0", "nginx:1.27",
                     "subnet-0123456789abcdef0", "Z1", "rate(1 hour)", "10.0.0.0/16", "private", "yes", ""]),
    st.text(max_size=12),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)), max_leaves=25)
# `type` is mostly one of Copilot's, sometimes any value at all (a list once made the import raise TypeError).
MANIFESTS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8).map(
    lambda data: data).flatmap(lambda data: (st.sampled_from(TYPES) | VALUES).map(lambda kind: {"type": kind, **data}))


def text_of(manifest: dict[str, Any], mangle: int) -> str:
    text = yaml.safe_dump(manifest, sort_keys=False)
    if mangle == 1:  # interpolation that breaks the YAML until it is filled in
        text = text.replace("'", "").replace("{", "{${X} ") if "{" in text else text + "k: [${A}, ${B}]\n"
    elif mangle == 2:
        text = text[: len(text) // 2]
    return text


@settings(max_examples=150, derandomize=True, database=None, deadline=datetime.timedelta(seconds=30),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    workloads=st.lists(st.tuples(MANIFESTS, st.integers(0, 2)), min_size=0, max_size=3),
    environments=st.lists(st.tuples(MANIFESTS, st.integers(0, 2)), max_size=2),
    junk=st.binary(max_size=40),
)
def test_any_workspace_gives_a_blueprint_and_located_lines(
        workloads: list[tuple[dict[str, Any], int]], environments: list[tuple[dict[str, Any], int]],
        junk: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        copilot = root / "copilot"
        files: dict[str, str] = {}
        for index, (manifest, mangle) in enumerate(workloads):
            files[f"svc-{index}/manifest.yml"] = text_of(manifest, mangle)
        for index, (manifest, mangle) in enumerate(environments):
            files[f"environments/env-{index}/manifest.yml"] = text_of(manifest, mangle)
        for relative, text in files.items():
            (copilot / relative).parent.mkdir(parents=True, exist_ok=True)
            (copilot / relative).write_text(text, encoding="utf-8")
        (copilot / "junk").mkdir(parents=True)
        (copilot / "junk" / "manifest.yml").write_bytes(junk)
        (copilot / ".workspace").write_text("application: fuzz\n", encoding="utf-8")

        imported = import_copilot(root)

        assert isinstance(yaml.safe_load(imported.text), dict)
        for line in imported.report.render().splitlines():
            match = LINE.match(line)
            assert match, line
            assert line.isprintable(), line
            path = Path(match["file"])
            if path.suffix == ".yml" and path.name == "manifest.yml":
                lines = max(1, len(path.read_bytes().splitlines()) + 1)
                assert 1 <= int(match["line"]) <= lines, line
