"""Deploy a generated output directory into moto's CloudFormation server and read back what it built.

The flow a test follows:

    with moto_cloud() as cloud:                       # server on 127.0.0.1, moto patched, fake credentials
        deployment = deploy(cloud, Path("out/photos"))  # upload children to S3, create the root stack
        deployment.stacks["Network"].resources["Vpc"]   # physical IDs, by nested-stack path
        declared_vs_created(cloud.client("cloudformation"), deployment.stack_name)

Everything is generic over any `output/<name>/` directory: every `*.yaml` other than `root.yaml` is
uploaded as a child, and relative `TemplateURL`s are pointed at the uploaded copies.

What moto (5.2.5) does differently from CloudFormation, and how the harness copes:
- Nested stacks are read from moto's own S3, and only through an `https://BUCKET.s3.amazonaws.com/KEY`
  URL (moto resolves it internally; a URL naming the local server does not work).
- `Fn::GetAtt Child.Outputs.X` is not implemented (HTTP 500), `Fn::GetAZs` gives four made-up zones of
  us-east-1 (or of its argument taken literally), a missing SSM parameter is an HTTP 500, and a
  TemplateURL naming 127.0.0.1 is not read: the emulator's `patched_moto()`
  (generator/emulator/patches.py, the one copy the user's `make moto` runs too) fixes them.
- `Fn::Cidr` is not implemented either: templates using it are refused up front with a clear error.
- Some resource types are silently skipped (no model, see the emulator's `moto_models()`): `declared_vs_created()`
  reports them, so tests can hold them to an explicit allow-list.
- moto records only a stack's own events (CREATE_IN_PROGRESS, CREATE_COMPLETE, ...), none for its
  resources; `patched_moto()` adds them (fix 4), so event streams and failure reports have
  something CloudFormation-shaped to read.
- Stacks never fail the CloudFormation way (no rollback, the stack keeps its status): an error while
  creating is the error of the CreateStack (or ExecuteChangeSet) call itself, plus, with fix 4, a
  *_FAILED event for the resource that raised it. `deploy()` raises `DeployFailed` carrying
  both that error and whatever `failed_resources()` finds in the stack events, so the same code
  reports failures from moto and from real CloudFormation. (An HTTP 500 from moto, an unpatched
  gap, is reported the same way; the server's traceback is in the captured log.)
- Change sets: moto diffs the templates only: no `Replacement`, no `Details`, no nested change sets
  (`IncludeNestedStacks` is ignored, so nested resources never appear), and no "didn't contain
  changes" when the parameters passed differ in form from the stack's. Executing one runs inside
  the ExecuteChangeSet call; a nested stack whose TemplateURL or parameters changed is deleted and
  created again (a new physical ID) rather than updated.
- Modelled but not quite: moto ignores a subnet's `MapPublicIpOnLaunch` from a template (always
  false), and keeps `SubnetRouteTableAssociation`s out of DescribeRouteTables. Read those from the
  deployed template (`StackNode.declared()`) and the physical IDs (`StackNode.resources`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import boto3
import yaml
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from generator.emulator.server import running

REGION = "us-east-1"
ROOT_TEMPLATE = "root.yaml"
STACK_TYPE = "AWS::CloudFormation::Stack"

# Intrinsic functions moto's template parser does not evaluate: it would pass them through as data.
UNSUPPORTED_INTRINSICS = ("Fn::Cidr", "Fn::Length")

_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
_UNSET_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")

# One attempt per call: a retried CreateStack would run the whole creation again. (botocore's
# `max_attempts` counts retries, so `max_attempts: 1` would still make two calls.)
_CLIENT_CONFIG = Config(
    region_name=REGION,
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=5,
    read_timeout=120,
    s3={"addressing_style": "path"},
)


# --- the server -----------------------------------------------------------------------------------

@contextmanager
def fake_aws_env() -> Iterator[None]:
    """Fake credentials and region in the environment; nothing read from ~/.aws. Restored on exit."""
    saved = {name: os.environ.get(name) for name in (*_FAKE_ENV, *_UNSET_ENV)}
    os.environ.update(_FAKE_ENV)
    for name in _UNSET_ENV:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass
class MotoCloud:
    """A running moto server: clients for it, and a reset."""

    endpoint_url: str
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        """A boto3 client for the server (made once per service: making one costs ~0.3 s)."""
        if service not in self._clients:
            self._clients[service] = boto3.session.Session().client(
                service, region_name=REGION, endpoint_url=self.endpoint_url, config=_CLIENT_CONFIG,
                aws_access_key_id="testing", aws_secret_access_key="testing",
            )
        return self._clients[service]

    def reset(self) -> None:
        """Forget every resource in every service (moto's /moto-api/reset)."""
        with urlopen(Request(f"{self.endpoint_url}/moto-api/reset", method="POST"), timeout=10) as response:
            response.read()


@contextmanager
def moto_cloud() -> Iterator[MotoCloud]:
    """The emulator's server on 127.0.0.1 (a free port), in this process, patched, with fake credentials."""
    request_log = logging.getLogger("werkzeug")  # one line per request otherwise
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        with fake_aws_env(), running("127.0.0.1", 0) as url:
            yield MotoCloud(url)
    finally:
        request_log.setLevel(level)


# --- deploying ------------------------------------------------------------------------------------

class DeployFailed(Exception):
    """Creating the stack failed: the API error (if any) and the failed resources from the events."""

    def __init__(self, stack_name: str, error: str | None, failures: list[Failure]) -> None:
        self.stack_name = stack_name
        self.error = error
        self.failures = failures
        lines = [f"stack {stack_name} was not created"]
        if error:
            lines.append(f"  error: {error}")
        lines.extend(f"  {failure}" for failure in failures)
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Failure:
    """One failed resource, from a stack event."""

    stack: str  # nested-stack path: "root", "NetworkStack", ...
    logical_id: str
    resource_type: str
    status: str
    reason: str

    def __str__(self) -> str:
        return f"{self.stack}.{self.logical_id} ({self.resource_type}) {self.status}: {self.reason}"


@dataclass
class StackNode:
    """A deployed stack: the root or a nested one, found by walking the nested-stack resources."""

    path: str  # "root", or the logical IDs of the stack resources from the root: "NetworkStack", "A/B"
    name: str
    status: str
    outputs: dict[str, str]
    template: dict[str, Any]  # as stored by CloudFormation (get_template), parsed
    resources: dict[str, str] = field(default_factory=dict)  # logical ID -> physical ID, as listed
    types: dict[str, str] = field(default_factory=dict)  # logical ID -> resource type, as listed

    def declared(self) -> dict[str, dict[str, Any]]:
        return dict(self.template.get("Resources") or {})


@dataclass
class Deployment:
    stack_name: str
    stack_id: str
    bucket: str
    prefix: str
    stacks: dict[str, StackNode]  # by path; "root" is the root stack

    @property
    def root(self) -> StackNode:
        return self.stacks["root"]


def load_template(text: str | bytes) -> dict[str, Any]:
    """A long-form YAML (or JSON) template as data."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("not a CloudFormation template (expected a mapping)")
    return data


def child_templates(directory: Path) -> list[Path]:
    """Every template of an output directory except the root, in name order."""
    return sorted(p for p in directory.glob("*.yaml") if p.name != ROOT_TEMPLATE)


def s3_url(bucket: str, key: str) -> str:
    """The URL form moto resolves against its own S3 (not the local server's address)."""
    return f"https://{bucket}.s3.amazonaws.com/{key}"


def rewrite_template_urls(template: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A copy of `template` whose nested stacks' relative TemplateURLs point under `base_url`."""
    copied = json.loads(json.dumps(template))
    for logical_id, resource in (copied.get("Resources") or {}).items():
        if resource.get("Type") != STACK_TYPE:
            continue
        url = (resource.get("Properties") or {}).get("TemplateURL")
        if not isinstance(url, str):
            raise ValueError(f"{logical_id}: TemplateURL must be a plain string, got {url!r}")
        if "://" not in url:
            resource["Properties"]["TemplateURL"] = f"{base_url}/{url}"
    return copied


def unsupported_intrinsics(template: Any, where: str = "") -> list[str]:
    """Paths of intrinsic functions moto cannot evaluate (see UNSUPPORTED_INTRINSICS)."""
    found: list[str] = []
    if isinstance(template, dict):
        for key, value in template.items():
            if key in UNSUPPORTED_INTRINSICS:
                found.append(f"{where}: {key}")
            found.extend(unsupported_intrinsics(value, f"{where}.{key}" if where else str(key)))
    elif isinstance(template, list):
        for index, value in enumerate(template):
            found.extend(unsupported_intrinsics(value, f"{where}[{index}]"))
    return found


def upload(cloud: MotoCloud, directory: Path, bucket: str, prefix: str) -> dict[str, Any]:
    """Put every template of `directory` in S3 under `prefix/`; return the root, TemplateURLs rewritten.

    Children are uploaded byte for byte, except one that itself nests stacks, which gets the same
    TemplateURL rewrite as the root (and is uploaded as JSON, which CloudFormation also reads).
    """
    root_path = directory / ROOT_TEMPLATE
    if not root_path.is_file():
        raise FileNotFoundError(f"{directory} has no {ROOT_TEMPLATE}")
    base_url = s3_url(bucket, prefix)
    templates = {path.name: path.read_bytes() for path in [root_path, *child_templates(directory)]}
    problems = [
        f"{name}: {problem}" for name, body in templates.items()
        for problem in unsupported_intrinsics(load_template(body))
    ]
    if problems:
        raise ValueError("moto cannot evaluate these intrinsic functions:\n  " + "\n  ".join(problems))

    s3 = cloud.client("s3")
    s3.create_bucket(Bucket=bucket)
    for name, body in templates.items():
        if name == ROOT_TEMPLATE:
            continue
        template = load_template(body)
        rewritten = rewrite_template_urls(template, base_url)
        if rewritten != template:
            body = json.dumps(rewritten, indent=1).encode()
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{name}", Body=body)
    return rewrite_template_urls(load_template(templates[ROOT_TEMPLATE]), base_url)


def deploy(
    cloud: MotoCloud,
    directory: Path,
    *,
    stack_name: str | None = None,
    parameters: Mapping[str, str] | None = None,
    bucket: str | None = None,
) -> Deployment:
    """Create `directory`'s root stack (and so its nested stacks); wait; return the stack tree.

    Raises DeployFailed when CreateStack errors or the root does not end in CREATE_COMPLETE.
    """
    suffix = uuid.uuid4().hex[:8]
    stack_name = stack_name or f"{re.sub(r'[^A-Za-z0-9-]', '-', directory.name)}-{suffix}"
    bucket = bucket or f"templates-{suffix}"
    prefix = stack_name
    root = upload(cloud, directory, bucket, prefix)
    cfn = cloud.client("cloudformation")
    try:
        response = cfn.create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(root),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
    except (ClientError, BotoCoreError) as error:
        raise DeployFailed(stack_name, str(error), _failures_if_any(cfn, stack_name)) from error
    status = wait_for_stack(cfn, stack_name)
    if status != "CREATE_COMPLETE":
        raise DeployFailed(stack_name, f"root stack ended in {status}", failed_resources(cfn, stack_name))
    return Deployment(stack_name, response["StackId"], bucket, prefix, stack_tree(cfn, stack_name))


def wait_for_stack(cfn: Any, stack_name: str, timeout: float = 60.0) -> str:
    """Poll until the stack's status is no longer *_IN_PROGRESS; return it. (moto is synchronous.)"""
    deadline = time.monotonic() + timeout
    while True:
        status = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def _get_template(cfn: Any, stack_name: str) -> dict[str, Any]:
    body = cfn.get_template(StackName=stack_name)["TemplateBody"]
    return body if isinstance(body, dict) else load_template(body)  # botocore decodes JSON bodies itself


def stack_tree(cfn: Any, stack_name: str) -> dict[str, StackNode]:
    """The root and every nested stack below it, by path ("root", "NetworkStack", "A/B", ...)."""
    tree: dict[str, StackNode] = {}

    def visit(path: str, name: str) -> None:
        description = cfn.describe_stacks(StackName=name)["Stacks"][0]
        node = StackNode(
            path=path,
            name=description["StackName"],
            status=description["StackStatus"],
            outputs={o["OutputKey"]: o.get("OutputValue") for o in description.get("Outputs") or []},
            template=_get_template(cfn, name),
        )
        tree[path] = node
        summaries: list[dict[str, Any]] = []
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
            summaries.extend(page["StackResourceSummaries"])
        for summary in summaries:
            logical_id = summary.get("LogicalResourceId")
            if not logical_id:  # moto lists an unmodelled resource as an empty entry
                continue
            node.resources[logical_id] = summary.get("PhysicalResourceId", "")
            node.types[logical_id] = summary.get("ResourceType", "")
        for logical_id, resource_type in node.types.items():
            if resource_type == STACK_TYPE:
                child = node.resources[logical_id]
                visit(logical_id if path == "root" else f"{path}/{logical_id}", child)

    visit("root", stack_name)
    return tree


# --- what moto built, and what failed ---------------------------------------------------------------

@dataclass
class Comparison:
    """Declared resources of every stack of a tree that moto did not create."""

    skipped: dict[str, list[str]]  # resource type -> ["NetworkStack.FlowLog", ...]
    conditional: list[str]  # not created, but declared with a Condition: possibly just switched off

    def unexpected(self, allowed_types: frozenset[str] | set[str]) -> dict[str, list[str]]:
        """Skipped resources whose type is not in `allowed_types`."""
        return {t: ids for t, ids in self.skipped.items() if t not in allowed_types}


def declared_vs_created(cfn: Any, stack_name: str) -> Comparison:
    """Compare, for the root and each nested stack, the template's resources with the listed ones."""
    skipped: dict[str, list[str]] = {}
    conditional: list[str] = []
    for path, node in stack_tree(cfn, stack_name).items():
        for logical_id, resource in node.declared().items():
            if logical_id in node.resources:
                continue
            label = f"{path}.{logical_id}"
            if "Condition" in resource:
                conditional.append(label)
            else:
                skipped.setdefault(resource.get("Type", "?"), []).append(label)
    return Comparison({t: sorted(ids) for t, ids in sorted(skipped.items())}, sorted(conditional))


def failed_resources(cfn: Any, stack_name: str) -> list[Failure]:
    """Every *_FAILED event of the stack and, recursively, of the nested stacks its events name.

    Nested stacks are found through the events (not the resource list) so that stacks already rolled
    back or deleted are still read. Ordered by time, oldest first; the first is usually the cause.
    """
    failures: list[tuple[Any, Failure]] = []
    seen: set[str] = set()

    def visit(path: str, name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        events: list[dict[str, Any]] = []
        try:
            for page in cfn.get_paginator("describe_stack_events").paginate(StackName=name):
                events.extend(page["StackEvents"])
        except ClientError:
            return
        nested: dict[str, str] = {}
        for event in events:
            logical_id = event.get("LogicalResourceId", "")
            physical_id = event.get("PhysicalResourceId") or ""
            is_self = physical_id in (name, event.get("StackId")) or logical_id == event.get("StackName")
            if event.get("ResourceType") == STACK_TYPE and physical_id and not is_self:
                nested[logical_id] = physical_id
            if event.get("ResourceStatus", "").endswith("_FAILED"):
                failures.append((event.get("Timestamp"), Failure(
                    path, logical_id, event.get("ResourceType", ""), event["ResourceStatus"],
                    event.get("ResourceStatusReason", ""),
                )))
        for logical_id, physical_id in nested.items():
            visit(logical_id if path == "root" else f"{path}/{logical_id}", physical_id)

    visit("root", stack_name)
    failures.sort(key=lambda item: (item[0] is None, item[0] or 0))
    return [failure for _, failure in failures]


def _failures_if_any(cfn: Any, stack_name: str) -> list[Failure]:
    try:
        return failed_resources(cfn, stack_name)
    except ClientError:
        return []
