"""`blueprint import copilot` on a workspace with one of each Copilot service type and two environments
(written from Copilot's manifest documentation): the blueprint it writes, key by key, and an empty report.
A workspace with only what today's format holds builds clean with `blueprint build`."""

from __future__ import annotations

from pathlib import Path

import pytest
from copilot_workspace import WORKSPACES, left_out, run, workspace

from generator.cli import main


def test_every_service_type_and_both_environments_are_carried_over(tmp_path: Path) -> None:
    status, blueprint, lines = run(WORKSPACES / "shop", tmp_path / "shop.yaml")
    assert (status, lines) == (0, [])
    assert blueprint is not None
    assert blueprint["name"] == "shop"
    services, jobs, environments = blueprint["services"], blueprint["jobs"], blueprint["environments"]
    assert services["frontend"] == {
        "image": "public.ecr.aws/nginx/nginx:1.27", "port": 8080, "expose": "public",
        "domain": {"name": "shop.example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ"},
        "health_check": {"path": "/healthz", "grace_seconds": 90}, "allowed_cidrs": ["203.0.113.0/24"],
        "cpu": 512, "memory": 1024, "scaling": {"min": 2, "max": 10, "cpu_percent": 60, "requests_per_target": 500},
        "architecture": "arm64", "environment": {"LOG_LEVEL": "info"}, "publishes": ["order-events"],
        "talks_to": ["api"], "exec": True,
    }
    assert services["api"] == {
        "image": "public.ecr.aws/docker/library/python:3.12", "port": 9000, "expose": "internal",
        "health_check": {"path": "/ping"}, "cpu": 256, "memory": 512, "count": 2,
        "command": ["python", "-m", "api", "--port", "9000"],
        "secrets": {"DB_PASSWORD": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-AbCdEf"},
    }
    assert services["fulfil"] == {
        "image": "public.ecr.aws/docker/library/python:3.12", "expose": "none",
        "scaling": {"min": 0, "max": 10, "backlog_per_task": 100}, "command": ["python", "fulfil.py"],
        "queue": {"subscribe": ["frontend.order-events"], "max_receives": 5, "visibility_seconds": 60},
        "talks_to": ["api"],
    }
    assert jobs == {"nightly-report": {
        "image": "public.ecr.aws/docker/library/python:3.12", "schedule": "cron(0 3 * * ? *)", "cpu": 256,
        "memory": 512, "command": ["python", "report.py"], "environment": {"BUCKET": "shop-reports"},
        "timeout_minutes": 30, "retries": 2,
    }}
    assert environments["dev"] == {
        "network": {"vpc_id": "vpc-0123456789abcdef0",
                    "private_subnets": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
                    "public_subnets": ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]},
        "services": {"frontend": {"environment": {"STAGE": "dev"}}},
    }
    assert environments["prod"] == {
        "network": {"cidr": "10.20.0.0/16"}, "cluster": {"container_insights": True},
        "services": {"frontend": {
            "environment": {"STAGE": "prod"}, "scaling": {"min": 4, "max": 20, "cpu_percent": 50},
            "domain": {"name": "www.shop.example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ"},
        }},
    }


def test_the_blueprint_is_the_same_bytes_every_run_with_a_header(tmp_path: Path) -> None:
    run(WORKSPACES / "shop", tmp_path / "first.yaml")
    run(WORKSPACES / "shop", tmp_path / "second.yaml")
    first = (tmp_path / "first.yaml").read_bytes()
    assert first == (tmp_path / "second.yaml").read_bytes()
    assert first.startswith(b"# Blueprint imported from the AWS Copilot application shop")
    assert b"# Nothing was left out.\n" in first


def test_a_workspace_of_todays_keys_builds_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The written blueprint builds clean whenever the report is empty (lint, audit, no warning)."""
    status, blueprint, lines = run(WORKSPACES / "basic", tmp_path / "basic.yaml")
    assert (status, lines) == (0, [])
    assert blueprint is not None and blueprint["services"]["web"]["environment"]["FEATURE_FLAGS"] == "on"
    capsys.readouterr()
    assert main(["build", str(tmp_path / "basic.yaml"), "-o", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr()
    assert "warning" not in printed.out + printed.err
    assert (tmp_path / "out" / "basic" / "service-web.yaml").is_file()


def test_the_blueprint_goes_to_stdout_without_o_and_the_report_to_stderr(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = workspace(tmp_path, {"web/manifest.yml": "type: Load Balanced Web Service\nimage:\n  build: Dockerfile\n"
                                "  port: 80\n"})
    assert main(["import", "copilot", str(root)]) == 1
    printed = capsys.readouterr()
    assert "image: placeholder.invalid/shop/web:build-me" in printed.out
    assert "# Placeholder images (the report says why): build or name each image, then set `image` of " \
           "services.web." in printed.out
    assert left_out(printed.err.splitlines(), root) == [
        "copilot/web/manifest.yml:3:3: left out: image.build: no image builds here: build and push the image, "
        "then replace the placeholder `image`",
    ]


@pytest.mark.parametrize("make", [
    lambda root: root / "missing",
    lambda root: root,  # a folder without copilot/.workspace
    lambda root: (root / "file.txt", (root / "file.txt").write_text("x"))[0],
])
def test_a_folder_that_is_no_workspace_exits_2(tmp_path: Path, make, capsys: pytest.CaptureFixture[str]) -> None:
    target = make(tmp_path)
    assert main(["import", "copilot", str(target), "-o", str(tmp_path / "out.yaml")]) == 2
    assert capsys.readouterr().err.startswith(f"blueprint: error: {target}")
    assert not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize(("text", "where", "message"), [
    ("application: [oops\n", "2:1", "invalid YAML"),
    ("path: .\n", "1:1", "application: the workspace names no application"),
    ("application: My_App\n", "1:14", "is not a blueprint name"),
    ("- a list\n", "1:1", "a manifest is a mapping"),
])
def test_an_unreadable_workspace_file_exits_2_with_its_place(
        tmp_path: Path, text: str, where: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "copilot").mkdir()
    (tmp_path / "copilot" / ".workspace").write_text(text, encoding="utf-8")
    assert main(["import", "copilot", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"{tmp_path}/copilot/.workspace:{where}: error: ")
    assert len(error.splitlines()) == 1
    assert message in error


def test_the_copilot_folder_itself_is_a_workspace_too(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"web/manifest.yml": "type: Backend Service\nimage:\n  location: nginx:1.27\n"})
    status, blueprint, lines = run(root / "copilot", tmp_path / "out.yaml")
    assert (status, lines) == (0, [])
    assert blueprint is not None and blueprint["services"]["web"] == {"image": "nginx:1.27", "expose": "none"}


def test_an_unwritable_output_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "copilot", str(WORKSPACES / "basic"), "-o", str(tmp_path / "no" / "such.yaml")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_the_one_of_each_workspace_builds_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, lines = run(WORKSPACES / "shop", tmp_path / "shop.yaml")
    assert (status, lines) == (0, [])
    capsys.readouterr()
    assert main(["build", str(tmp_path / "shop.yaml"), "-o", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr()
    # The one warning allowed: dev imports its VPC, whose routes the audit takes on the blueprint's word (SEC1401).
    warnings = [line for line in (printed.out + printed.err).splitlines() if ": warning: " in line]
    assert warnings and all(" SEC1401 " in line and "/shop-dev/" in line for line in warnings)
