"""`blueprint diff`: each kind of change is classified by what CloudFormation will do with it, and the
pull-request comment says so (golden Markdown under tests/review/golden/, refreshed with
`BLUEPRINT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/review`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, FAIL_ON, main
from generator.review import diff as review_diff
from generator.review.diff import (
    ADDED,
    IN_PLACE,
    INTERRUPTION,
    MODIFIED,
    REPLACEMENT,
    Diff,
    ResourceChange,
    as_markdown,
    diff_apps,
)

from .helpers import CERT, SHOP, apps, assert_golden, edit, write_output

ADMIN_PUBLIC = edit(SHOP, "  admin:\n    image: public.ecr.aws/nginx/nginx:1.27\n    port: 8080\n",
                    "  admin:\n    image: public.ecr.aws/nginx/nginx:1.27\n    port: 8080\n    expose: public\n")
SCENARIOS = {
    "add-service": SHOP + "  reports:\n    image: public.ecr.aws/nginx/nginx:1.27\n    port: 8080\n",
    "change-count": edit(SHOP, "    port: 8080\n    count: 2\n  admin", "    port: 8080\n    count: 3\n  admin"),
    "vpc-cidr": edit(SHOP, "cidr: 10.0.0.0/16", "cidr: 10.1.0.0/16"),
    "service-public": ADMIN_PUBLIC,
    "add-https": edit(SHOP, "    expose: public\n", f"    expose: public\n    https: {{certificate_arn: {CERT}}}\n"),
}


def diff_of(head: str, base: str = SHOP) -> Diff:
    return diff_apps(apps(base), apps(head))


def resource(result: Diff, stack: str, logical_id: str) -> ResourceChange:
    found = [r for r in result.resources if (r.stack, r.logical_id) == (stack, logical_id)]
    assert found, f"{stack} {logical_id} is not in the diff"
    return found[0]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_pull_request_comment_matches_its_golden_file(scenario: str) -> None:
    assert_golden(f"{scenario}.md", as_markdown(diff_of(SCENARIOS[scenario])))


def test_adding_a_service_adds_its_stack_and_replaces_nothing() -> None:
    result = diff_of(SCENARIOS["add-service"])

    assert resource(result, "root.yaml", "ReportsService").action == ADDED
    stack = next(s for s in result.apps[0].stacks if s.file == "service-reports.yaml")
    assert stack.status == ADDED
    assert {r.action for r in stack.resources} == {ADDED}
    assert not result.fails(["replacement"])
    added = {(c.source, c.target) for c in result.apps[0].reachability if c.action == ADDED}
    assert ("reports load balancer (internal)", "reports tasks (awsvpc)") in added


def test_changing_a_count_updates_the_ecs_service_in_place() -> None:
    result = diff_of(SCENARIOS["change-count"])

    service = resource(result, "service-images.yaml", "Service")
    assert service.effect == IN_PLACE
    assert [(c.path, c.old, c.new) for c in service.changes] == [("/DesiredCount", 2, 3)]
    assert {r.effect for r in result.resources} == {IN_PLACE}  # and the nested stack that holds it


def test_a_new_vpc_cidr_replaces_the_vpc_its_subnets_and_what_hangs_off_them() -> None:
    result = diff_of(SCENARIOS["vpc-cidr"])

    vpc = resource(result, "network.yaml", "Vpc")
    assert vpc.effect == REPLACEMENT and not vpc.cascaded
    assert vpc.changes[0].path == "/CidrBlock" and vpc.changes[0].reason == "create-only property"
    for subnet in ("PublicSubnet1", "PrivateSubnet1", "PublicSubnet2", "PrivateSubnet2"):
        assert resource(result, "network.yaml", subnet).effect == REPLACEMENT
    # Across nested stacks: a service's security group takes the VPC through root.yaml's parameters.
    group = resource(result, "service-api.yaml", "LoadBalancerSecurityGroup")
    assert group.effect == REPLACEMENT and group.cascaded
    assert group.changes[0].via == "Vpc (network.yaml)"
    assert resource(result, "cluster.yaml", "HostAutoScalingGroup").effect == INTERRUPTION  # rolls the hosts
    # A load balancer cannot move to another VPC: its new subnets and group are in the new one.
    balancer = resource(result, "service-api.yaml", "LoadBalancer")
    assert balancer.effect == REPLACEMENT and {c.path for c in balancer.changes} == {"/Subnets", "/SecurityGroups/0"}
    assert all("will fail or force replacement" in c.reason for c in balancer.changes)
    assert resource(result, "service-api.yaml", "HttpListener").effect == REPLACEMENT  # it takes the balancer's ARN
    assert result.fails(["replacement"])


def test_replacements_are_listed_first_and_loudly() -> None:
    text = as_markdown(diff_of(SCENARIOS["vpc-cidr"]))

    caution = text.index("> [!CAUTION]")
    assert caution < text.index("| stack | added |") < text.index("#### Replaced") < text.index("<details>")
    assert "**5 resources will be REPLACED**" in text
    replaced = text[text.index("#### Replaced"):text.index("<details>")]
    rows = [line.split(" | ")[1] for line in replaced.splitlines() if line.startswith("| `network.yaml`")]
    assert rows == ["`Vpc` AWS::EC2::VPC", "`PublicSubnet1` AWS::EC2::Subnet", "`PrivateSubnet1` AWS::EC2::Subnet",
                    "`PublicSubnet2` AWS::EC2::Subnet", "`PrivateSubnet2` AWS::EC2::Subnet"]


def test_switching_a_service_to_public_replaces_its_load_balancer() -> None:
    result = diff_of(SCENARIOS["service-public"])

    balancer = resource(result, "service-admin.yaml", "LoadBalancer")
    assert balancer.effect == REPLACEMENT
    scheme = next(c for c in balancer.changes if c.path == "/Scheme")
    assert (scheme.old, scheme.new, scheme.effect) == ("internal", "internet-facing", REPLACEMENT)
    assert resource(result, "service-admin.yaml", "HttpListener").effect == REPLACEMENT  # new load balancer ARN
    opened = [(c.source, c.target, c.ports) for c in result.apps[0].reachability if c.action == ADDED]
    assert ("internet", "admin load balancer (public)", "TCP 80") in opened


def test_adding_https_adds_a_listener_and_turns_port_80_into_a_redirect_in_place() -> None:
    result = diff_of(SCENARIOS["add-https"])

    assert resource(result, "service-api.yaml", "HttpsListener").action == ADDED
    port_80 = resource(result, "service-api.yaml", "HttpListener")
    assert port_80.action == MODIFIED and port_80.effect == IN_PLACE
    assert any(c.path.startswith("/DefaultActions") for c in port_80.changes)
    assert not any(r.effect == REPLACEMENT for r in result.resources)
    stack = next(s for s in result.apps[0].stacks if s.file == "service-api.yaml")
    assert not stack.warnings
    assert not result.fails(["replacement"]) and not result.fails(["removal"])


def test_a_new_image_rolls_the_tasks_onto_a_new_task_definition_revision() -> None:
    result = diff_of(edit(SHOP, "nginx:1.27\n    port: 8080\n    count: 2\n  admin",
                          "nginx:1.28\n    port: 8080\n    count: 2\n  admin"))

    definition = resource(result, "service-images.yaml", "TaskDefinition")
    assert definition.effect == INTERRUPTION
    assert "new task definition revision" in definition.changes[0].reason
    service = resource(result, "service-images.yaml", "Service")
    assert service.effect == INTERRUPTION and service.changes[0].path == "/TaskDefinition"
    assert not result.fails(["replacement"])


def test_a_renamed_logical_id_is_a_replacement() -> None:
    base = apps(SHOP)
    head = {name: {file: dict(data) for file, data in files.items()} for name, files in apps(SHOP).items()}
    network = head["shop"]["network.yaml"]
    resources = dict(network["Resources"])
    resources["Logs"] = resources.pop("FlowLogGroup")
    network["Resources"] = resources

    result = diff_apps(base, head)

    renamed = resource(result, "network.yaml", "Logs")
    assert (renamed.action, renamed.renamed_from, renamed.effect) == ("renamed", "FlowLogGroup", REPLACEMENT)
    assert result.fails(["replacement"])


def test_metadata_alone_is_not_a_change() -> None:
    head = {name: {file: dict(data) for file, data in files.items()} for name, files in apps(SHOP).items()}
    vpc = dict(head["shop"]["network.yaml"]["Resources"]["Vpc"])
    vpc["Metadata"] = {"Source": "somewhere.else"}
    head["shop"]["network.yaml"]["Resources"] = {**head["shop"]["network.yaml"]["Resources"], "Vpc": vpc}

    result = diff_apps(apps(SHOP), head)

    assert not result.changed
    assert as_markdown(result) == "## Blueprint diff\n\nNo changes to the generated templates.\n"


# --- the command ----------------------------------------------------------------------------------


def test_fail_on_replacement_exits_1_only_when_something_is_replaced(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = write_output(tmp_path / "base", SHOP)
    cidr = write_output(tmp_path / "cidr", SCENARIOS["vpc-cidr"])
    count = write_output(tmp_path / "count", SCENARIOS["change-count"])

    assert main(["diff", str(base), str(cidr), "--fail-on", "replacement"]) == EXIT_INVALID
    assert main(["diff", str(base), str(count), "--fail-on", "replacement"]) == EXIT_OK
    assert main(["diff", str(base), str(cidr)]) == EXIT_OK  # no gate: a report only
    assert main(["diff", str(base), str(count), "--fail-on", "any"]) == EXIT_INVALID
    assert main(["diff", str(base), str(base), "--fail-on", "any"]) == EXIT_OK
    assert "No changes" in capsys.readouterr().out


def test_one_applications_directories_compare_whatever_their_names(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = write_output(tmp_path / "base", SHOP) / "shop"
    head = write_output(tmp_path / "head", SCENARIOS["change-count"]) / "shop"
    moved = head.rename(tmp_path / "head" / "renamed")

    assert main(["diff", str(base), str(moved), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["in-place"] == 2
    assert report["applications"][0]["name"] == "renamed"


def test_bad_input_exits_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = write_output(tmp_path / "base", SHOP)
    (tmp_path / "empty").mkdir()

    assert main(["diff", str(base)]) == EXIT_USAGE
    assert main(["diff", str(base), str(tmp_path / "missing")]) == EXIT_USAGE
    assert main(["diff", str(base), str(tmp_path / "empty")]) == EXIT_USAGE
    assert main(["diff", "--git", "HEAD", str(base), str(base)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "no CloudFormation templates" in err and "not a directory" in err


def test_the_command_offers_the_gates_the_diff_knows() -> None:
    assert FAIL_ON == review_diff.FAIL_ON


def test_json_lists_every_change_with_its_classification(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = write_output(tmp_path / "base", SHOP)
    head = write_output(tmp_path / "head", SCENARIOS["service-public"])

    assert main(["diff", str(base), str(head), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    stacks = {s["file"]: s for s in report["applications"][0]["stacks"]}
    balancer = next(r for r in stacks["service-admin.yaml"]["resources"] if r["logical_id"] == "LoadBalancer")
    assert balancer["effect"] == REPLACEMENT and balancer["action"] == MODIFIED
    assert {"path": "/Scheme", "old": "internal", "new": "internet-facing", "effect": REPLACEMENT,
            "reason": "create-only property: a new load balancer with a new DNS name (Scheme)"} in balancer["changes"]
    assert balancer["source"] == "services.admin.expose"


def test_the_docs_show_a_current_sample_comment() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "review.md").read_text(encoding="utf-8")

    assert as_markdown(diff_of(SCENARIOS["service-public"])) in docs
