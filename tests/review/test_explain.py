"""`blueprint explain`: every value the blueprint leaves out, with the default and why."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from shared import EXAMPLE_PATH as EXAMPLE

from generator.blueprint import load_blueprint
from generator.cli import EXIT_OK, main
from generator.review.explain import defaults

from .helpers import load

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_s_defaults_are_listed_with_their_reasons() -> None:
    found = {d.path: d for d in defaults(load_blueprint(EXAMPLE))}

    assert found["network.endpoints"].value == []
    assert "NAT gateways carry that traffic" in found["network.endpoints"].why
    assert found["cluster.instances.volume_gb"].value == 30
    assert found["access.vpn"].value is None
    assert found["catalog"].value is None
    assert found["services.images.cpu"].value == 256


def test_defaults_that_depend_on_other_keys_are_resolved() -> None:
    found = {d.path: d for d in defaults(load_blueprint(EXAMPLE))}

    assert (found["services.api.launch_type"].value, found["services.api.launch_type"].resolved) == ("ec2", True)
    assert found["cluster.fargate"].value is False and found["cluster.fargate"].resolved
    assert found["services.api.allowed_cidrs"].value == ["0.0.0.0/0"]
    assert found["services.images.health_check"].value == {"path": "/", "grace_seconds": 60}


def test_what_the_blueprint_sets_is_not_listed() -> None:
    found = {d.path for d in defaults(load_blueprint(EXAMPLE))}

    assert not found & {"network.cidr", "services.api.count", "services.api.expose", "services.images.expose",
                        "access.bastion.allowed_cidrs", "cluster.instances.type"}


def test_a_left_out_block_lists_each_of_its_keys() -> None:
    found = {d.path: d for d in defaults(load("""\
        name: shop
        services:
          worker: {image: busybox}
        """))}

    assert found["network.cidr"].value == "10.0.0.0/16"
    assert found["network.nat_gateways"].value == "per-az"
    assert found["cluster.instances"].value is None
    assert (found["services.worker.expose"].value, found["services.worker.launch_type"].value) == ("none", "fargate")
    assert found["services.worker.count"].value == 2


def test_explain_command_prints_text_or_json(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["explain", str(EXAMPLE)]) == EXIT_OK
    text = capsys.readouterr().out
    assert "services.api.launch_type = ec2  (resolved)\n    Where tasks run." in text
    assert main(["explain", str(EXAMPLE), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["name"] == "photos"
    assert {"path": "network.flow_logs"} not in report["defaults"]


def test_each_block_says_which_defaults_follow_other_keys() -> None:
    blueprint = load("""\
        name: shop
        cluster: {instances: {}}
        services:
          web: {image: nginx, port: 80, expose: public}
          worker: {image: busybox, scaling: {min: 3, max: 5, cpu_percent: 50}}
        """)
    found = {d.path: d for d in defaults(blueprint)}

    assert blueprint.services["worker"].resolved_defaults(blueprint) == {
        "expose": "none", "launch_type": "ec2", "count": 3}
    assert [(path, d.value) for path, d in found.items() if d.resolved and path.startswith("services.worker.")] == [
        ("services.worker.expose", "none"), ("services.worker.launch_type", "ec2"), ("services.worker.count", 3),
        ("services.worker.deployment.alarms", False)]  # no load balancer, no alarms (docs/deployments.md)
    assert found["services.web.allowed_cidrs"].resolved and not found["services.worker.allowed_cidrs"].resolved
    assert (found["services.web.cpu"].value, found["services.web.cpu"].resolved) == (256, False)
    assert (found["cluster.fargate"].value, found["cluster.fargate"].resolved) == (False, True)


def test_explain_names_no_field_of_the_model() -> None:
    """What a default resolves to is the model's knowledge; explain only walks it, so a new option needs no edit."""
    from generator.blueprint import model as blueprint_model
    from generator.review import explain

    fields = {name for value in vars(blueprint_model).values()
              if isinstance(value, type) and issubclass(value, blueprint_model.Strict) for name in value.model_fields}
    source = Path(explain.__file__).read_text(encoding="utf-8")
    named = {node.value for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Constant)}
    report_keys = {"blueprint", "name", "defaults", "path", "value", "resolved", "why"}  # of `--format json`

    assert len(fields) > 50
    assert fields & (named - report_keys) == set()
