"""`blueprint publish` and parameters.json: keys, URLs and uploads, against moto's S3 and on paper."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import boto3
import pytest
import yaml
from shared import EXAMPLE_PATH as EXAMPLE

from generator.blueprint import load_blueprint
from generator.cfn.artifacts import artifact_keys, child_key
from generator.cfn.parameters import PARAMETERS, parameters_file
from generator.cli import main
from generator.deploy.aws import Aws, DeployError, StackFailed, aws_errors, quick_create_link, template_url
from generator.deploy.publish import Published, application_files, nested_files, package
from generator.pipeline import generate
from generator.stacks.catalog import CATALOG

from .harness import MotoCloud

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints"


@pytest.fixture(scope="module")
def example_files() -> dict[str, bytes]:
    return generate(load_blueprint(EXAMPLE))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def fake_url(key: str) -> str:
    return f"https://bucket.example/{key}"


# --- parameters.json ------------------------------------------------------------------------------

def overrides(text: str | bytes) -> dict[str, str]:
    """parameters.json read as `aws cloudformation deploy --parameter-overrides` reads it in AWS CLI v1
    (awscli/customizations/cloudformation/deploy.py, parse_key_value_arg): a list of strings, each split
    at its first "=". v1 takes no other form, v2 takes this one too."""
    entries = json.loads(text)
    assert isinstance(entries, list) and all(isinstance(entry, str) and "=" in entry for entry in entries), entries
    return dict(entry.split("=", 1) for entry in entries)


def test_parameters_json_holds_every_root_parameter_with_its_default(example_files: dict[str, bytes]) -> None:
    root = yaml.safe_load(example_files["root.yaml"])
    parameters = overrides(example_files[PARAMETERS])
    assert list(parameters) == list(root["Parameters"])
    assert parameters == {name: str(parameter["Default"]).lower() if isinstance(parameter["Default"], bool)
                          else str(parameter["Default"]) for name, parameter in root["Parameters"].items()}


@pytest.mark.parametrize(("default", "written"), [
    (True, "true"), (False, "false"), (3, "3"), (["a", "b"], "a,b"),
    ("key=value=more", "key=value=more"),  # split at the first "=" only: the value keeps its own
    ("", ""),
])
def test_parameters_json_writes_each_default_as_cloudformation_reads_it(default: object, written: str) -> None:
    root = {"Parameters": {"Knob": {"Type": "String", "Default": default}, "Required": {"Type": "String"}}}
    assert overrides(parameters_file(root)) == {"Knob": written}  # no default: nothing sensible to write


def test_committed_output_has_parameters_json() -> None:
    output = Path(__file__).resolve().parents[2] / "output"
    directories = sorted(p for p in output.iterdir() if (p / "root.yaml").is_file())
    assert directories, "output/ holds no application"
    for directory in directories:
        assert set(overrides((directory / PARAMETERS).read_bytes())) == set(
            yaml.safe_load((directory / "root.yaml").read_text()).get("Parameters") or {})


# --- keys and URLs, on paper ----------------------------------------------------------------------

def test_keys_are_the_catalogs_content_addressed_ones(example_files: dict[str, bytes]) -> None:
    uploads = package(example_files, "team/", "photos", fake_url)
    templates = {name: body for name, body in example_files.items() if name.endswith(".yaml")}
    expected = artifact_keys("team/", "photos", templates)
    assert {upload.filename: upload.key for upload in uploads} == expected
    assert uploads[-1].filename == "root.yaml"  # children first: nothing ever points at a missing object
    assert all(upload.key.startswith("team/photos/") for upload in uploads)


def test_children_are_uploaded_byte_for_byte_and_the_root_points_at_them(example_files: dict[str, bytes]) -> None:
    uploads = {upload.filename: upload for upload in package(example_files, "", "photos", fake_url)}
    for name, upload in uploads.items():
        if name != "root.yaml":
            assert upload.body == example_files[name]
    nested = nested_files(yaml.safe_load(example_files["root.yaml"]))
    packaged = yaml.safe_load(uploads["root.yaml"].body)
    assert {logical_id: packaged["Resources"][logical_id]["Properties"]["TemplateURL"] for logical_id in nested} == {
        logical_id: fake_url(uploads[filename].key) for logical_id, filename in nested.items()
    }


def test_a_changed_service_changes_its_key_and_the_roots_only(tmp_path: Path, example_files: dict[str, bytes]) -> None:
    changed = tmp_path / "example.yaml"
    changed.write_text(EXAMPLE.read_text().replace("    count: 2\n    scaling", "    count: 3\n    scaling"))
    before = {u.filename: u.key for u in package(example_files, "", "photos", fake_url)}
    after = {u.filename: u.key for u in package(generate(load_blueprint(changed)), "", "photos", fake_url)}
    assert sorted(name for name in before if before[name] != after[name]) == ["root.yaml", "service-api.yaml"]


def test_templates_outside_the_roots_set_go_up_under_their_own_content() -> None:
    files = {
        "root.yaml": yaml.safe_dump({"Resources": {"Child": {
            "Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "child.yaml"}}}}).encode(),
        "child.yaml": b"Resources: {}\n",
        "catalog.yaml": b"Resources: {}\n# the portfolio\n",
        "parameters.json": b"[]\n",
        "ARCHITECTURE.md": b"# not a template\n",
    }
    uploads = {upload.filename: upload.key for upload in package(files, "", "app", fake_url)}
    assert set(uploads) == {"root.yaml", "child.yaml", "catalog.yaml"}
    assert application_files({name: nested_files(yaml.safe_load(files[name])) for name in uploads}) == [
        "root.yaml", "child.yaml"]
    assert uploads["catalog.yaml"] == child_key("", "app", "catalog.yaml", files["catalog.yaml"])


def test_template_urls_are_regional_on_aws_and_global_on_an_emulator() -> None:
    assert template_url("tpl", "a/b/root.yaml", "eu-west-1", emulated=False) == (
        "https://tpl.s3.eu-west-1.amazonaws.com/a/b/root.yaml")
    assert template_url("tpl", "a/b/root.yaml", "cn-north-1", emulated=False) == (
        "https://tpl.s3.cn-north-1.amazonaws.com.cn/a/b/root.yaml")
    # moto resolves only this form against its own S3 (the emulator's own address does not work)
    assert template_url("tpl", "a/b/root.yaml", "eu-west-1", emulated=True) == "https://tpl.s3.amazonaws.com/a/b/root.yaml"
    # dots in a bucket name break a virtual-hosted https certificate: path style
    assert template_url("my.tpl", "k.yaml", "eu-west-1", emulated=False) == (
        "https://s3.eu-west-1.amazonaws.com/my.tpl/k.yaml")


def test_quick_create_link_carries_the_template_and_the_stack_name() -> None:
    url = "https://tpl.s3.eu-west-1.amazonaws.com/photos/0123456789abcdef/root.yaml"
    link = urlparse(quick_create_link(url, "photos-prod", "eu-west-1"))
    assert (link.netloc, link.path) == ("console.aws.amazon.com", "/cloudformation/home")
    assert link.query == "region=eu-west-1"
    route, _, query = link.fragment.partition("?")
    assert route == "/stacks/quickcreate"
    assert parse_qs(query) == {"templateURL": [url], "stackName": ["photos-prod"]}


def test_an_emulator_gets_one_attempt_per_call() -> None:
    """A retried ExecuteChangeSet would run the change again: against an endpoint, no retries at all."""
    calls: list[str] = []

    class Unavailable(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            calls.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        session = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b")
        # a bare 503 (no AWS error in it) is the endpoint's failure, not the stack's: exit 2, not 1
        with pytest.raises(DeployError, match="answered HTTP 503 without an AWS error"), aws_errors(StackFailed):
            Aws(session, "us-east-1", endpoint).client("cloudformation").execute_change_set(ChangeSetName="c")
    finally:
        server.shutdown()
        server.server_close()
    assert len(calls) == 1


# --- against moto --------------------------------------------------------------------------------

@pytest.fixture
def bucket(moto: MotoCloud) -> str:
    name = f"templates-{uuid.uuid4().hex[:8]}"
    moto.client("s3").create_bucket(Bucket=name)
    return name


def keys_in(moto: MotoCloud, bucket: str) -> dict[str, str]:
    listed = moto.client("s3").list_objects_v2(Bucket=bucket).get("Contents") or []
    return {item["Key"]: item["ETag"] for item in listed}


def test_publish_uploads_each_template_once(moto: MotoCloud, bucket: str, capsys: pytest.CaptureFixture[str],
                                           example_files: dict[str, bytes]) -> None:
    argv = ["publish", str(EXAMPLE), "--bucket", bucket, "--prefix", "team", "--endpoint-url", moto.endpoint_url]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    templates = [name for name in example_files if name.endswith(".yaml")]
    assert f"{len(templates)} uploaded, 0 already there" in out
    first = keys_in(moto, bucket)
    assert sorted(first) == sorted(artifact_keys("team", "photos", {n: example_files[n] for n in templates}).values())

    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert f"0 uploaded, {len(templates)} already there" in out
    assert keys_in(moto, bucket) == first  # same keys, same objects: a published version never changes


def test_publish_prints_the_root_url_the_console_link_and_the_cli_commands(
    moto: MotoCloud, bucket: str, capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "publish", str(EXAMPLE), "--bucket", bucket, "--endpoint-url", moto.endpoint_url)
    assert code == 0
    lines = out.splitlines()
    root_url = next(line.removeprefix("root template: ") for line in lines if line.startswith("root template: "))
    assert root_url.startswith(f"https://{bucket}.s3.amazonaws.com/photos/") and root_url.endswith("/root.yaml")
    console = next(line.removeprefix("console (quick create): ") for line in lines if line.startswith("console"))
    query = parse_qs(urlparse(console).fragment.partition("?")[2])
    assert query == {"templateURL": [root_url], "stackName": ["photos"]}
    root_key = urlparse(root_url).path.lstrip("/")
    commands = [line.strip() for line in lines if line.startswith("  aws ")]
    assert commands[0].startswith(f"aws s3 cp s3://{bucket}/{root_key} photos-root.yaml")
    assert commands[1].startswith("aws cloudformation deploy --template-file photos-root.yaml --stack-name photos "
                                  "--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND")
    assert all(f"--endpoint-url {moto.endpoint_url}" in command for command in commands)


def test_the_packaged_root_points_at_the_uploaded_children(
    moto: MotoCloud, bucket: str, capsys: pytest.CaptureFixture[str], example_files: dict[str, bytes],
) -> None:
    code, out, _ = run(capsys, "publish", str(EXAMPLE), "--bucket", bucket, "--endpoint-url", moto.endpoint_url)
    assert code == 0
    root_url = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("root template: "))
    s3 = moto.client("s3")
    root = yaml.safe_load(s3.get_object(Bucket=bucket, Key=urlparse(root_url).path.lstrip("/"))["Body"].read())
    nested = nested_files(yaml.safe_load(example_files["root.yaml"]))
    assert nested
    for logical_id, filename in nested.items():
        url = urlparse(root["Resources"][logical_id]["Properties"]["TemplateURL"])
        assert url.netloc == f"{bucket}.s3.amazonaws.com"
        body = s3.get_object(Bucket=bucket, Key=unquote(url.path.lstrip("/")))["Body"].read()
        assert body == example_files[filename]


def test_every_key_the_catalog_loads_is_published(moto: MotoCloud, bucket: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    storefront = BLUEPRINTS / "storefront.yaml"
    code, _, _ = run(capsys, "publish", str(storefront), "--bucket", bucket, "--prefix", "team",
                     "--endpoint-url", moto.endpoint_url)
    assert code == 0
    catalog = yaml.safe_load(generate(load_blueprint(storefront))[CATALOG])  # the catalog.yaml a build writes
    urls = [resource["Properties"]["ProvisioningArtifactParameters"][0]["Info"]["LoadTemplateFromURL"]["Fn::Sub"]
            for resource in catalog["Resources"].values()
            if resource["Type"] == "AWS::ServiceCatalog::CloudFormationProduct"]
    assert urls
    published = keys_in(moto, bucket)
    for url in urls:
        assert "team/" + url.split("${TemplatePrefix}", 1)[1] in published


def test_publish_says_how_to_launch_the_catalog_with_the_bucket_and_prefix() -> None:
    published = Published("shop", "tpl", "team/shop", "eu-west-1", None, "team/shop/0123/root.yaml",
                          "https://tpl.s3.eu-west-1.amazonaws.com/team/shop/0123/root.yaml", prefix="team/",
                          catalog_url="https://tpl.s3.eu-west-1.amazonaws.com/team/shop/4567/catalog.yaml")
    template, console, command = published.catalog_lines()
    assert template == "catalog template: https://tpl.s3.eu-west-1.amazonaws.com/team/shop/4567/catalog.yaml"
    query = parse_qs(urlparse(console.split(": ", 1)[1]).fragment.partition("?")[2])
    assert query["stackName"] == ["shop-catalog"]
    assert (query["param_TemplateBucket"], query["param_TemplatePrefix"]) == (["tpl"], ["team/"])
    assert command.strip() == (
        "aws cloudformation deploy --template-file output/shop/catalog.yaml --stack-name shop-catalog "
        "--s3-bucket tpl --capabilities CAPABILITY_IAM --parameter-overrides TemplateBucket=tpl "
        "TemplatePrefix=team/ --region eu-west-1")
    assert Published("app", "tpl", "app", "eu-west-1", None, "k", "u").catalog_lines() == []


def test_a_missing_bucket_is_one_line_and_exit_2(moto: MotoCloud, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "publish", str(EXAMPLE), "--bucket", f"missing-{uuid.uuid4().hex[:8]}",
                         "--endpoint-url", moto.endpoint_url)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "does not exist" in err and err.startswith("blueprint: error: bucket missing-")


def test_an_unreachable_endpoint_is_one_line_and_exit_2(moto: MotoCloud, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "publish", str(EXAMPLE), "--bucket", "any", "--endpoint-url", "http://127.0.0.1:9")
    assert code == 2
    assert err == "blueprint: error: cannot reach http://127.0.0.1:9: check --endpoint-url and the network\n"


def test_a_blueprint_that_does_not_load_is_exit_2_and_uploads_nothing(
    moto: MotoCloud, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: photos\nservices: {}\nnetwrok: {}\n")
    code, _, err = run(capsys, "publish", str(broken), "--bucket", bucket, "--endpoint-url", moto.endpoint_url)
    assert code == 2
    assert str(broken) in err and "netwrok" in err
    assert keys_in(moto, bucket) == {}
    code, _, err = run(capsys, "publish", str(tmp_path / "absent.yaml"), "--bucket", "any")
    assert (code, err) == (2, f"blueprint: error: no such blueprint: {tmp_path / 'absent.yaml'}\n")
