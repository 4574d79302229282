"""`blueprint deploy` refuses what it should before anything is uploaded (issue 16): a stack made from
another blueprint or not by this tool (unless --adopt), a --parameter value the root's constraints
refuse, a bad --region / --endpoint-url / --bucket (each error names its option), and an endpoint
that answers with an error page instead of AWS's XML. One line on stderr, exit 2, never a traceback.

Against moto's server on 127.0.0.1; moto keeps the tags of a stack a change set creates (not an
update's), so the tag itself is checked on created stacks and the update's tags on paper.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from shared import EXAMPLE_PATH as EXAMPLE

from generator.cli import main
from generator.deploy.deploy import BLUEPRINT_TAG, Stack, stack_tags
from generator.deploy.parameters import value_problem

from .harness import MotoCloud


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def bucket(moto: MotoCloud) -> str:
    name = unique("guarded-templates")
    moto.client("s3").create_bucket(Bucket=name)
    return name


def objects(moto: MotoCloud, bucket: str) -> int:
    return int(moto.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0))


def change_sets(moto: MotoCloud, stack: str) -> int:
    summaries = moto.client("cloudformation").list_change_sets(StackName=stack)["Summaries"]
    return sum(summary["StackName"] == stack for summary in summaries)  # moto lists every stack's


def deploy(capsys: pytest.CaptureFixture[str], moto: MotoCloud, bucket: str, blueprint: Path, stack: str,
           *options: str) -> tuple[int, str, str]:
    code = main(["deploy", str(blueprint), "--stack", stack, "--bucket", bucket, "--endpoint-url", moto.endpoint_url,
                 *options])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


@pytest.fixture
def other_blueprint(tmp_path: Path) -> Path:
    """The example under another name: another blueprint."""
    path = tmp_path / "other.yaml"
    path.write_text(EXAMPLE.read_text().replace("name: photos", "name: other", 1))
    return path


# --- whose stack ---------------------------------------------------------------------------------

def test_a_stack_deploy_creates_is_tagged_with_the_blueprints_name(
    moto: MotoCloud, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = unique("photos")
    code, out, err = deploy(capsys, moto, bucket, EXAMPLE, stack, "--no-execute")
    assert (code, err) == (0, ""), err
    (described,) = moto.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    assert {tag["Key"]: tag["Value"] for tag in described["Tags"]} == {BLUEPRINT_TAG: "photos"}

    # the same blueprint may change its own stack
    code, out, err = deploy(capsys, moto, bucket, EXAMPLE, stack, "--no-execute")
    assert (code, err) == (0, "")
    assert "left for review" in out


def test_a_stack_made_from_another_blueprint_is_refused_before_anything_is_uploaded(
    moto: MotoCloud, bucket: str, other_blueprint: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = unique("photos")
    assert deploy(capsys, moto, bucket, EXAMPLE, stack, "--no-execute")[0] == 0
    before = objects(moto, bucket), change_sets(moto, stack)

    code, out, err = deploy(capsys, moto, bucket, other_blueprint, stack, "--yes")

    assert (code, out) == (2, "")
    assert one_line(err) == (f"blueprint: error: stack {stack} was made from blueprint photos; refusing to deploy "
                             "blueprint other over it: choose another --stack, or pass --adopt to make it this "
                             "blueprint's\n")
    assert (objects(moto, bucket), change_sets(moto, stack)) == before


def test_a_stack_not_made_by_deploy_is_refused_unless_adopted(
    moto: MotoCloud, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = unique("hand-made")
    cfn = moto.client("cloudformation")
    cfn.create_stack(StackName=stack, TemplateBody="Resources: {Topic: {Type: AWS::SNS::Topic}}",
                     Tags=[{"Key": "team", "Value": "platform"}])
    before = objects(moto, bucket)

    code, out, err = deploy(capsys, moto, bucket, EXAMPLE, stack, "--yes")
    assert (code, out) == (2, "")
    assert f"stack {stack} was made not by `blueprint deploy` (no {BLUEPRINT_TAG} tag); refusing" in one_line(err)
    assert objects(moto, bucket) == before
    assert change_sets(moto, stack) == 0

    code, out, err = deploy(capsys, moto, bucket, EXAMPLE, stack, "--adopt", "--no-execute")
    assert (code, err) == (0, "")
    assert f"(UPDATE of stack {stack})" in out and "left for review" in out


def test_an_adopted_or_updated_stack_keeps_its_other_tags_and_gets_the_blueprints() -> None:
    """An update's Tags replace the stack's: the others are sent again, ours set (moto does not model them)."""
    foreign = Stack("CREATE_COMPLETE", frozenset(), {"team": "platform", BLUEPRINT_TAG: "other"})
    assert stack_tags(foreign, "photos") == [{"Key": "team", "Value": "platform"},
                                             {"Key": BLUEPRINT_TAG, "Value": "photos"}]
    assert stack_tags(None, "photos") == [{"Key": BLUEPRINT_TAG, "Value": "photos"}]


# --- --parameter values ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["yes", "True", "", "true,false"])
def test_a_parameter_value_outside_allowed_values_is_refused_before_anything_is_uploaded(
    value: str, moto: MotoCloud, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = objects(moto, bucket)
    stack = unique("photos")
    code, out, err = deploy(capsys, moto, bucket, EXAMPLE, stack, "--yes", "--parameter",
                            f"LoadBalancerDeletionProtection={value}")
    assert (code, out) == (2, "")
    assert one_line(err) == (f"blueprint: error: --parameter LoadBalancerDeletionProtection={value}: not one of its "
                             "AllowedValues: true, false\n")
    assert objects(moto, bucket) == before


DECLARED: dict[str, dict[str, Any]] = {
    "allowed": {"Type": "String", "AllowedValues": ["small", "large", True, 3]},
    "pattern": {"Type": "String", "AllowedPattern": "[a-z][a-z0-9-]*"},
    "length": {"Type": "String", "MinLength": 2, "MaxLength": 4},
    "number": {"Type": "Number", "MinValue": 1, "MaxValue": 10},
    "numbers": {"Type": "List<Number>", "MaxValue": 10},
    "list": {"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"]},
    "list-pattern": {"Type": "CommaDelimitedList", "AllowedPattern": "[0-9]+"},
    "aws-typed": {"Type": "AWS::EC2::KeyPair::KeyName", "AllowedPattern": "never checked here"},
    "java-pattern": {"Type": "String", "AllowedPattern": "\\p{Alpha}+"},
}


@pytest.mark.parametrize(("kind", "value", "problem"), [
    ("allowed", "small", None),
    ("allowed", "true", None),
    ("allowed", "3", None),
    ("allowed", "medium", "not one of its AllowedValues: small, large, true, 3"),
    ("allowed", "Small", "not one of its AllowedValues: small, large, true, 3"),
    ("pattern", "web-1", None),
    ("pattern", "1web", "does not match its AllowedPattern [a-z][a-z0-9-]*"),
    ("pattern", "web\n", "does not match its AllowedPattern [a-z][a-z0-9-]*"),
    ("length", "ab", None),
    ("length", "a", "shorter than its MinLength of 2"),
    ("length", "abcde", "longer than its MaxLength of 4"),
    ("number", "10", None),
    ("number", "1.5", None),
    ("number", "11", "more than its MaxValue of 10"),
    ("number", "0", "less than its MinValue of 1"),
    ("number", "ten", "not a number"),
    ("number", "nan", "not a number"),
    ("number", "1_0", "not a number"),
    ("number", "\u0665", "not a number"),  # an Arabic-Indic five: Python's float() would take it
    ("numbers", "1,2,10", None),
    ("numbers", "1,12", "'12': more than its MaxValue of 10"),
    ("list", "a,b", None),
    ("list", "a,c", "'c': not one of its AllowedValues: a, b"),
    ("list-pattern", "1,2", None),
    ("list-pattern", "1,x", "'x': does not match its AllowedPattern [0-9]+"),
    ("aws-typed", "anything", None),
    ("java-pattern", "anything", None),  # a pattern Python cannot read: CloudFormation judges it
])
def test_parameter_values_are_checked_as_cloudformation_checks_them(kind: str, value: str,
                                                                    problem: str | None) -> None:
    assert value_problem(value, DECLARED[kind]) == problem


# --- each option's error names the option ----------------------------------------------------------------

@pytest.mark.parametrize(("options", "expected"), [
    (["--region", "not a region!"], "blueprint: error: --region 'not a region!': not a region name (like us-east-1)"),
    (["--region", ""], "blueprint: error: --region '': not a region name (like us-east-1)"),
    (["--region", "us-nowhere-9"], "blueprint: error: --region 'us-nowhere-9': not an AWS region CloudFormation is "
                                   "in (like us-east-1); for an emulator, pass --endpoint-url as well"),
    (["--endpoint-url", "ftp://127.0.0.1:9"], "blueprint: error: --endpoint-url 'ftp://127.0.0.1:9': not an "
                                              "http:// or https:// URL naming a host"),
    (["--endpoint-url", "127.0.0.1:9"], "blueprint: error: --endpoint-url '127.0.0.1:9': not an http:// or "
                                        "https:// URL naming a host"),
    (["--endpoint-url", "http://"], "blueprint: error: --endpoint-url 'http://': not an http:// or https:// URL "
                                    "naming a host"),
])
@pytest.mark.parametrize("command", ["deploy", "publish"])
def test_a_bad_region_or_endpoint_is_reported_as_that_option(
    command: str, options: list[str], expected: str, moto: MotoCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = ["--stack", "s"] if command == "deploy" else []
    code = main([command, str(EXAMPLE), "--bucket", "b", *stack, *options])
    err = capsys.readouterr().err
    assert code == 2
    assert one_line(err) == expected + "\n"


def test_a_bad_region_from_the_environment_is_reported_as_the_environments(
    moto: MotoCloud, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "no such region")
    monkeypatch.setenv("AWS_REGION", "no such region")
    code = main(["publish", str(EXAMPLE), "--bucket", "b"])
    assert code == 2
    assert one_line(capsys.readouterr().err) == ("blueprint: error: the AWS region of the environment or profile "
                                                 "'no such region': not a region name (like us-east-1)\n")


@pytest.mark.parametrize("name", ["Bad Bucket!", "b" * 300])
def test_a_bad_bucket_name_is_reported_as_the_bucket_option(
    name: str, moto: MotoCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["publish", str(EXAMPLE), "--bucket", name, "--endpoint-url", moto.endpoint_url])
    err = capsys.readouterr().err
    assert code == 2
    assert one_line(err).startswith(f"blueprint: error: --bucket {name!r}: ")


# --- an endpoint that answers with an error page -------------------------------------------------------------

PAGES = {
    "an HTML 502 that is not XML": (502, b"<!DOCTYPE html><html><head><meta charset=utf-8><title>502 Bad Gateway"
                                         b"</title></head><body>Bad gateway<br></body></html>"),
    "an HTML 200 that is not XML": (200, b"<!DOCTYPE html><html><body>Sign in to the Wi-Fi<br></body></html>"),
    "an HTML 200 that is XML": (200, b"<html><body><h1>Welcome</h1></body></html>"),
    "an empty 503": (503, b""),
}


@pytest.fixture
def error_page_endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    """A server on 127.0.0.1 that says every bucket and key exists (HEAD: 200) and answers everything else
    with PAGES[param]: as a proxy in front of a dead endpoint might."""
    status, body = PAGES[request.param]

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("error_page_endpoint", list(PAGES), indirect=True)
def test_an_endpoint_answering_with_an_error_page_is_one_line_and_exit_2(
    error_page_endpoint: str, moto: MotoCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["deploy", str(EXAMPLE), "--stack", "s", "--bucket", "b", "--yes",
                 "--endpoint-url", error_page_endpoint])
    err = capsys.readouterr().err
    assert code == 2, err
    assert one_line(err).startswith("blueprint: error: stack s: ")
