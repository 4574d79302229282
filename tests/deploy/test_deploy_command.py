"""`blueprint deploy` through the CLI, in process, against moto: create, no changes, update, failures.

moto models change sets only in part (see harness.py): no Replacement, no nested change sets, and
execution runs inside the ExecuteChangeSet call. So these tests hold the preview to the root's
changes and the stacks to their final status; the replacement flags and nested walk are checked on
CloudFormation-shaped data instead (test_change_set_summary_*).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError
from shared import EXAMPLE_PATH as EXAMPLE

from generator.cli import main
from generator.deploy import changeset
from generator.deploy.aws import DeployError, StackFailed, aws_errors
from generator.deploy.deploy import change_set_parameters, change_set_type
from generator.deploy.progress import EventStream, failure_lines

from .harness import REGION, STACK_TYPE, MotoCloud, child_templates, stack_tree

OUTPUT = Path(__file__).resolve().parents[2] / "output" / "photos"
THUMBS = """\
  thumbs:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    expose: internal
    count: 1
"""


@dataclass
class Run:
    code: int
    out: str
    err: str


class Terminal(io.StringIO):
    """stdin as a terminal that answers `reply`."""

    def isatty(self) -> bool:
        return True


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def bucket(moto: MotoCloud) -> str:
    name = unique("deploy-templates")
    moto.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture
def deploy(moto: MotoCloud, bucket: str, capsys: pytest.CaptureFixture[str],
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`blueprint deploy FILE --stack S ...` against moto; stdin is not a terminal unless `answer` is given."""
    def run(blueprint: Path, stack: str, *options: str, answer: str | None = None) -> Run:
        monkeypatch.setattr("sys.stdin", io.StringIO("") if answer is None else Terminal(answer + "\n"))
        code = main(["deploy", str(blueprint), "--stack", stack, "--bucket", bucket,
                     "--endpoint-url", moto.endpoint_url, *options])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)
    yield run


@dataclass
class Created:
    stack: str
    first: Run
    again: Run


@pytest.fixture(scope="module")
def created(moto: MotoCloud, bucket: str) -> Created:
    """The example, deployed once with --yes, then again unchanged (output captured by hand: module scope)."""
    import contextlib

    stack = unique("photos")
    runs = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["deploy", str(EXAMPLE), "--stack", stack, "--bucket", bucket, "--yes",
                         "--endpoint-url", moto.endpoint_url])
        runs.append(Run(code, out.getvalue(), err.getvalue()))
    return Created(stack, *runs)


# --- create, then nothing to do ----------------------------------------------------------------------

def test_root_and_every_nested_stack_reach_create_complete(moto: MotoCloud, created: Created) -> None:
    assert (created.first.code, created.first.err) == (0, "")
    tree = stack_tree(moto.client("cloudformation"), created.stack)
    assert {path: node.status for path, node in tree.items()} == dict.fromkeys(tree, "CREATE_COMPLETE")
    root = yaml.safe_load((OUTPUT / "root.yaml").read_text())
    nested = {lid for lid, resource in root["Resources"].items() if resource["Type"] == STACK_TYPE}
    assert set(tree) == {"root", *nested}
    assert len(nested) == len(child_templates(OUTPUT))


def test_the_preview_lists_every_nested_stack_to_add(created: Created) -> None:
    root = yaml.safe_load((OUTPUT / "root.yaml").read_text())
    preview = created.first.out.split("executing;")[0]
    assert f"(CREATE of stack {created.stack})" in preview
    for logical_id in root["Resources"]:
        assert f"+ Add     {logical_id}" in preview
    assert f"{len(root['Resources'])} to add, 0 to modify, 0 to remove" in preview


def test_events_stream_for_nested_resources_with_a_counter(created: Created) -> None:
    events = created.first.out.split("executing;")[1].splitlines()[1:]
    vpc = next(line for line in events if "  Network/Vpc  AWS::EC2::VPC  CREATE_COMPLETE" in line)
    done, total = vpc.split("[")[1].split("]")[0].split("/")
    assert 0 < int(done) <= int(total)
    assert events[-2].endswith(f"{created.stack}  AWS::CloudFormation::Stack  CREATE_COMPLETE")
    assert events[-1].startswith(f"stack {created.stack}: CREATE_COMPLETE (")


def test_deploying_the_same_blueprint_again_is_no_changes(moto: MotoCloud, created: Created) -> None:
    assert (created.again.code, created.again.err) == (0, "")
    assert "0 uploaded" in created.again.out
    assert f"no changes: stack {created.stack} already matches" in created.again.out
    summaries = moto.client("cloudformation").list_change_sets(StackName=created.stack)["Summaries"]
    assert [s for s in summaries if s["StackName"] == created.stack and s.get("ExecutionStatus") == "AVAILABLE"] == []


# --- an update: preview, decline, execute -----------------------------------------------------------

def test_a_changed_blueprint_is_previewed_then_updated(moto: MotoCloud, deploy: Any, tmp_path: Path) -> None:
    blueprint = tmp_path / "example.yaml"
    blueprint.write_text(EXAMPLE.read_text())
    stack = unique("photos-update")
    assert deploy(blueprint, stack, "--yes").code == 0
    cfn = moto.client("cloudformation")

    blueprint.write_text(EXAMPLE.read_text().replace("    count: 2\n    scaling", "    count: 3\n    scaling") + THUMBS)
    preview = deploy(blueprint, stack, "--no-execute")
    assert preview.code == 0
    assert "+ Add     ThumbsService  AWS::CloudFormation::Stack" in preview.out
    assert "~ Modify  ApiService     AWS::CloudFormation::Stack" in preview.out
    assert "1 to add, 1 to modify, 0 to remove" in preview.out
    assert "left for review" in preview.out
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    declined = deploy(blueprint, stack, answer="n")
    assert declined.code == 0 and "not executed" in declined.out
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    executed = deploy(blueprint, stack, answer="y")
    assert (executed.code, executed.err) == (0, "")
    assert f"stack {stack}: UPDATE_COMPLETE" in executed.out
    tree = stack_tree(cfn, stack)
    assert tree["root"].status == "UPDATE_COMPLETE"
    assert "ThumbsService" in tree
    ecs = moto.client("ecs")
    api = tree["ApiService"].resources["Service"]
    (service,) = ecs.describe_services(cluster=api.split("/")[1], services=[api])["services"]
    assert service["desiredCount"] == 3


def test_without_a_terminal_it_previews_then_stops_with_exit_2(moto: MotoCloud, deploy: Any,
                                                               created: Created) -> None:
    stack = unique("photos-no-terminal")
    run = deploy(EXAMPLE, stack)
    assert run.code == 2
    assert "5 to add" in run.out or "to add" in run.out
    assert run.err.count("\n") == 1
    assert "not asking without a terminal: pass --yes to execute, or --no-execute" in run.err
    # nothing executed; the change set waits for review
    cfn = moto.client("cloudformation")
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"


# --- failures -------------------------------------------------------------------------------------

def test_a_stack_that_fails_names_the_resource_and_the_reason_and_exits_1(deploy: Any) -> None:
    run = deploy(EXAMPLE, unique("photos-broken"), "--yes", "--parameter", "HostImageId=/no/such/parameter")
    assert run.code == 1
    assert "Cluster  AWS::CloudFormation::Stack  CREATE_FAILED" in run.out  # streamed as it happened
    first, *failures = run.err.splitlines()
    assert first.startswith("blueprint: error: stack photos-broken-")
    reason = "Unable to fetch parameters [/no/such/parameter] from parameter store for this account."
    assert failures == [f"  Cluster (AWS::CloudFormation::Stack) CREATE_FAILED: {reason}"]


def test_an_unknown_parameter_is_refused_before_anything_is_uploaded(moto: MotoCloud, deploy: Any,
                                                                     bucket: str) -> None:
    before = moto.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0)
    run = deploy(EXAMPLE, unique("photos"), "--yes", "--parameter", "DesiredCount=3")
    assert run.code == 2
    assert run.err == ("blueprint: error: unknown --parameter DesiredCount; the root stack takes: HostImageId, "
                       "BastionImageId, LoadBalancerDeletionProtection\n")
    assert moto.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0) == before


def test_a_missing_bucket_is_one_line_and_exit_2(moto: MotoCloud, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["deploy", str(EXAMPLE), "--stack", "photos", "--bucket", unique("absent"), "--yes",
                 "--endpoint-url", moto.endpoint_url])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "does not exist; create it first" in err


def test_no_credentials_is_one_line_and_exit_2(moto: MotoCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
        empty = tmp_path / name.lower()
        empty.write_text("")
        monkeypatch.setenv(name, str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code = main(["deploy", str(EXAMPLE), "--stack", "photos", "--bucket", "any", "--yes",
                 "--endpoint-url", moto.endpoint_url])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("blueprint: error: no AWS credentials found") and err.count("\n") == 1


def test_bad_arguments_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", str(EXAMPLE), "--stack", "9lives", "--bucket", "b"]) == 2
    assert "a stack name is 1-128 letters" in capsys.readouterr().err
    assert main(["deploy", str(EXAMPLE), "--stack", "s", "--bucket", "b", "--parameter", "novalue"]) == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:  # argparse: --yes and --no-execute exclude each other
        main(["deploy", str(EXAMPLE), "--stack", "s", "--bucket", "b", "--yes", "--no-execute"])
    assert exited.value.code == 2


@dataclass(frozen=True)
class Release:
    name: str
    files: dict[str, bytes]


def test_the_bucket_is_checked_before_the_build_and_parameters_before_any_upload(moto: MotoCloud,
                                                                                   bucket: str) -> None:
    from generator.deploy.aws import connect
    from generator.deploy.deploy import Request, publish_then_deploy
    from generator.deploy.publish import publish_built

    aws = connect(REGION, moto.endpoint_url)
    builds: list[str] = []

    def build() -> Release:
        builds.append("built")
        return Release("tiny", {"root.yaml": b"Parameters: {Size: {Type: String, Default: small}}\nResources: {}\n"})

    def never(question: str) -> bool:
        raise AssertionError("asked before anything was published")

    absent = unique("absent")
    with pytest.raises(DeployError, match=f"bucket {absent} does not exist"):
        publish_built(aws, build, bucket=absent)
    with pytest.raises(DeployError, match=f"bucket {absent} does not exist"):
        publish_then_deploy(aws, build, Request("tiny", {}), bucket=absent, prefix="", confirm=never,
                            out=io.StringIO())
    assert builds == []

    before = moto.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0)
    with pytest.raises(DeployError, match="unknown --parameter Colour; the root stack takes: Size"):
        publish_then_deploy(aws, build, Request("tiny", {"Colour": "red"}), bucket=bucket, prefix="tiny",
                            confirm=never, out=io.StringIO())
    assert builds == ["built"]
    assert moto.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0) == before


# --- on CloudFormation-shaped data (what moto does not model) ------------------------------------------

class FakeCloudFormation:
    """describe_change_set and describe_stack_events pages, as CloudFormation answers them."""

    def __init__(self, change_sets: dict[str, dict[str, Any]] | None = None,
                 events: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.change_sets = change_sets or {}
        self.events = events or {}

    def get_paginator(self, operation: str) -> Any:
        if operation == "describe_change_set":
            pages = lambda ChangeSetName: [self.change_sets[ChangeSetName]]  # noqa: E731
        else:
            pages = lambda StackName: [{"StackEvents": self.events[StackName]}]  # noqa: E731
        return type("Paginator", (), {"paginate": lambda _, **kwargs: pages(**kwargs)})()


def change(action: str, logical_id: str, resource_type: str, **extra: str) -> dict[str, Any]:
    return {"Type": "Resource", "ResourceChange": {"Action": action, "LogicalResourceId": logical_id,
                                                   "ResourceType": resource_type, **extra}}


def test_change_set_summary_walks_nested_change_sets_and_flags_replacements() -> None:
    cfn = FakeCloudFormation(change_sets={
        "root-cs": {"ChangeSetId": "root-cs", "ChangeSetName": "blueprint-1", "StackName": "photos",
                    "StackId": "arn:stack/photos", "Status": "CREATE_COMPLETE", "Changes": [
                        change("Modify", "ApiService", STACK_TYPE, Replacement="False", ChangeSetId="api-cs"),
                        change("Add", "ThumbsService", STACK_TYPE, ChangeSetId="thumbs-cs"),
                        change("Remove", "OldService", STACK_TYPE),
                    ]},
        "api-cs": {"ChangeSetId": "api-cs", "Status": "CREATE_COMPLETE", "Changes": [
            change("Modify", "TaskDefinition", "AWS::ECS::TaskDefinition", Replacement="True"),
            change("Modify", "Service", "AWS::ECS::Service", Replacement="Conditional"),
            change("Modify", "LogGroup", "AWS::Logs::LogGroup", Replacement="False"),
        ]},
        "thumbs-cs": {"ChangeSetId": "thumbs-cs", "Status": "CREATE_COMPLETE", "Changes": [
            change("Add", "Service", "AWS::ECS::Service"),
        ]},
    })
    summary = changeset.describe(cfn, "root-cs", "UPDATE")
    assert [(c.label, c.action) for c in summary.changes] == [
        ("ApiService", "Modify"), ("ApiService/TaskDefinition", "Modify"), ("ApiService/Service", "Modify"),
        ("ApiService/LogGroup", "Modify"), ("ThumbsService", "Add"), ("ThumbsService/Service", "Add"),
        ("OldService", "Remove"),
    ]
    text = summary.render()
    assert "ApiService/TaskDefinition  AWS::ECS::TaskDefinition    REPLACED" in text
    assert "ApiService/Service         AWS::ECS::Service           may be replaced" in text
    log_group = next(line for line in text.splitlines() if "ApiService/LogGroup" in line)
    assert log_group.endswith("AWS::Logs::LogGroup")  # not replaced: nothing said
    assert text.splitlines()[-1] == ("2 to add, 4 to modify (2 replaced or possibly replaced: "
                                     "ApiService/TaskDefinition, ApiService/Service), 1 to remove")


def test_an_empty_change_set_is_no_changes_and_any_other_failure_is_not() -> None:
    reason = "The submitted information didn't contain changes. Submit different information to create a change set."
    empty = changeset.ChangeSet("id", "n", "s", "arn", "UPDATE", "FAILED", reason)
    assert empty.has_no_changes
    refused = changeset.ChangeSet("id", "n", "s", "arn", "UPDATE", "FAILED", "Template format error: bad")
    assert not refused.has_no_changes


def test_stack_states_decide_the_change_set_type() -> None:
    assert change_set_type("s", None) == "CREATE"
    assert change_set_type("s", "REVIEW_IN_PROGRESS") == "CREATE"
    assert change_set_type("s", "UPDATE_ROLLBACK_COMPLETE") == "UPDATE"
    for status in ("ROLLBACK_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED"):
        with pytest.raises(DeployError, match=f"stack s is (in|busy).*{status}"):
            change_set_type("s", status)


def test_parameters_not_given_keep_the_stacks_values_on_update() -> None:
    root = {"HostImageId": "/aws/x", "LoadBalancerDeletionProtection": "false", "NewOne": "d"}
    assert change_set_parameters({"LoadBalancerDeletionProtection": "true"}, root, {"HostImageId",
                                 "LoadBalancerDeletionProtection"}) == [
        {"ParameterKey": "LoadBalancerDeletionProtection", "ParameterValue": "true"},
        {"ParameterKey": "HostImageId", "UsePreviousValue": True},
    ]
    assert change_set_parameters({}, root, set()) == []  # a new stack: the defaults


def event(stack: str, logical_id: str, status: str, seconds: int, *, physical_id: str = "", reason: str = "",
          resource_type: str = "AWS::EC2::VPC") -> dict[str, Any]:
    return {"EventId": f"{stack}-{logical_id}-{status}-{seconds}", "StackId": stack,
            "Timestamp": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds),
            "LogicalResourceId": logical_id, "PhysicalResourceId": physical_id, "ResourceType": resource_type,
            "ResourceStatus": status, "ResourceStatusReason": reason}


def test_event_stream_follows_nested_stacks_and_reports_the_failed_resources_first_cause_first() -> None:
    root, network = "arn:stack/photos", "arn:stack/photos-Network-1"
    events = {
        "photos": [  # newest first, as CloudFormation lists them
            event(root, "photos", "ROLLBACK_COMPLETE", 9, physical_id=root, resource_type=STACK_TYPE),
            event(root, "Network", "CREATE_FAILED", 6, physical_id=network, resource_type=STACK_TYPE,
                  reason="Embedded stack arn:stack/photos-Network-1 was not successfully created"),
            event(root, "Network", "CREATE_IN_PROGRESS", 2, physical_id=network, resource_type=STACK_TYPE),
            event(root, "photos", "CREATE_IN_PROGRESS", 1, physical_id=root, resource_type=STACK_TYPE),
            event(root, "photos", "REVIEW_IN_PROGRESS", 0, physical_id=root, resource_type=STACK_TYPE),
        ],
        network: [
            event(network, "photos-Network-1", "CREATE_FAILED", 5, physical_id=network, resource_type=STACK_TYPE,
                  reason="The following resource(s) failed to create: [Vpc]."),
            event(network, "Vpc", "CREATE_FAILED", 4, physical_id="", reason="The CIDR '10.0.0.0/8' is invalid."),
            event(network, "Vpc", "CREATE_IN_PROGRESS", 3),
        ],
    }
    cfn = FakeCloudFormation(events={"photos": events["photos"][-1:]})
    stream = EventStream(cfn, "photos", expected=3)
    stream.start()  # REVIEW_IN_PROGRESS happened before: never reported
    cfn.events = events
    lines = stream.poll()
    assert [line.split("]  ")[1] for line in lines] == [
        "photos  AWS::CloudFormation::Stack  CREATE_IN_PROGRESS",
        "Network  AWS::CloudFormation::Stack  CREATE_IN_PROGRESS",
        "Network/Vpc  AWS::EC2::VPC  CREATE_IN_PROGRESS",
        "Network/Vpc  AWS::EC2::VPC  CREATE_FAILED  The CIDR '10.0.0.0/8' is invalid.",
        "Network  AWS::CloudFormation::Stack  CREATE_FAILED  Embedded stack arn:stack/photos-Network-1 was not "
        "successfully created",
        "photos  AWS::CloudFormation::Stack  ROLLBACK_COMPLETE",
    ]
    assert stream.poll() == []  # each event once
    assert failure_lines(stream.failures) == [
        "Network/Vpc (AWS::EC2::VPC) CREATE_FAILED: The CIDR '10.0.0.0/8' is invalid.",
        "Network (AWS::CloudFormation::Stack) CREATE_FAILED: Embedded stack arn:stack/photos-Network-1 was not "
        "successfully created",
    ]


def test_aws_errors_become_one_line_with_the_right_exit_code() -> None:
    def client_error(code: str, message: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": message}}, "CreateChangeSet")

    with pytest.raises(DeployError, match=r"^AWS refused the credentials \(ExpiredToken\): expired$"), \
            aws_errors(StackFailed):
        raise client_error("ExpiredToken", "expired")
    with pytest.raises(DeployError, match=r"^creating: access denied \(AccessDenied\): no$"), \
            aws_errors(StackFailed, doing="creating"):
        raise client_error("AccessDenied", "no")
    # anything else CloudFormation refuses is the stack's failure (exit 1), not the environment's
    with pytest.raises(StackFailed, match=r"^creating: Template format error: x \(ValidationError\)$"), \
            aws_errors(StackFailed, doing="creating"):
        raise client_error("ValidationError", "Template format error:\n x")


def test_a_change_set_that_never_settles_fails_the_deploy_not_the_program() -> None:
    """moto settles every change set at once, so the one that never does is a stand-in client."""
    from generator.deploy import changeset
    from generator.deploy.aws import StackFailed

    class Pending:
        def describe_change_set(self, ChangeSetName: str) -> dict[str, str]:
            return {"Status": "CREATE_PENDING"}

    with pytest.raises(StackFailed, match="still not ready"):
        changeset.wait(Pending(), "cs-1", poll_seconds=0, timeout=0)
