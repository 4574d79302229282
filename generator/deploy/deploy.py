"""`blueprint deploy`: build -> publish -> change set -> preview -> confirm -> execute -> watch events.

The stack is always changed through a change set, so what will happen is printed before it does,
and a stack that already matches the templates is left alone ("no changes"). Each stack it creates is
tagged with the blueprint's name (BLUEPRINT_TAG), and it refuses to change a stack made from another
blueprint, or not by this tool, unless told to adopt it (`--adopt`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TextIO

from generator.cfn.artifacts import ROOT
from generator.deploy import changeset, trunking
from generator.deploy.aws import Aws, DeployError, StackFailed, aws_errors, error_code, stack_link
from generator.deploy.existing_network import check_existing_network
from generator.deploy.parameters import check_parameters
from generator.deploy.progress import EventStream, failure_lines
from generator.deploy.publish import CAPABILITIES, Build, Published, check_bucket, load, publish
from generator.deploy.shifting import shifted_notes, shifted_stacks
from generator.words import counted

# A stack in one of these states can take a CREATE change set (it exists only as a placeholder).
CREATABLE = frozenset({"REVIEW_IN_PROGRESS"})
# ... these cannot take any change set until someone acts.
STUCK = {
    "ROLLBACK_COMPLETE": "its creation failed and was rolled back; delete it, then deploy again",
    "ROLLBACK_FAILED": "its creation failed and could not be rolled back; delete it, then deploy again",
    "CREATE_FAILED": "its creation failed; delete it, then deploy again",
    "DELETE_FAILED": "it could not be deleted; finish deleting it first",
    "UPDATE_ROLLBACK_FAILED": "an update could not be rolled back; run `aws cloudformation "
                              "continue-update-rollback` first",
}
SUCCEEDED = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})
# The stack tag naming the blueprint a stack was deployed from (stack tags also reach its resources).
BLUEPRINT_TAG = "ecs-blueprint:name"

Confirm = Callable[[str], "bool | None"]  # the question -> yes / no / None: cannot ask (no terminal)


@dataclass(frozen=True)
class Request:
    stack_name: str
    parameters: Mapping[str, str]  # --parameter K=V, as given
    execute: bool = True  # False: --no-execute, stop after the preview
    assume_yes: bool = False  # --yes
    adopt: bool = False  # --adopt: change a stack made from another blueprint, or not by this tool
    poll_seconds: float = 5.0  # between questions to CloudFormation; publish_then_deploy asks an emulator every 1 s


@dataclass(frozen=True)
class Stack:
    """What deploy needs to know of an existing stack."""

    status: str
    parameters: frozenset[str]  # its current parameter keys
    tags: Mapping[str, str]
    values: Mapping[str, str] = field(default_factory=dict)  # its current parameter values


def existing_stack(cfn: Any, stack_name: str) -> Stack | None:
    """The stack, or None when there is no such stack."""
    from botocore.exceptions import ClientError

    try:
        (stack,) = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        if error_code(exc) == "ValidationError" and "does not exist" in str(exc):
            return None
        raise
    parameters = stack.get("Parameters") or []
    return Stack(str(stack["StackStatus"]), frozenset(p["ParameterKey"] for p in parameters),
                 {tag["Key"]: tag.get("Value", "") for tag in stack.get("Tags") or []},
                 {p["ParameterKey"]: str(p.get("ParameterValue", "")) for p in parameters})


def check_owner(stack_name: str, stack: Stack | None, blueprint: str, *, adopt: bool) -> None:
    """Refuse to change a stack that another blueprint's deploy made, or that this tool did not make."""
    if stack is None or adopt or stack.tags.get(BLUEPRINT_TAG) == blueprint:
        return
    owner = stack.tags.get(BLUEPRINT_TAG)
    made = f"from blueprint {owner}" if owner else f"not by `blueprint deploy` (no {BLUEPRINT_TAG} tag)"
    raise DeployError(f"stack {stack_name} was made {made}; refusing to deploy blueprint {blueprint} over it: "
                      "choose another --stack, or pass --adopt to make it this blueprint's")


def stack_tags(stack: Stack | None, blueprint: str) -> list[dict[str, str]]:
    """The stack's tags with the blueprint's name set. An update's Tags replace the stack's, so the others
    it has are sent again."""
    tags = {**(stack.tags if stack is not None else {}), BLUEPRINT_TAG: blueprint}
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def change_set_type(stack_name: str, status: str | None) -> str:
    if status is None or status in CREATABLE:
        return "CREATE"
    if status in STUCK:
        raise DeployError(f"stack {stack_name} is in {status}: {STUCK[status]}")
    if status.endswith("_IN_PROGRESS"):
        raise DeployError(f"stack {stack_name} is busy ({status}); wait for it to finish, then deploy again")
    return "UPDATE"


def change_set_parameters(given: Mapping[str, str], root_parameters: Mapping[str, Any],
                          current: set[str] | frozenset[str]) -> list[dict[str, Any]]:
    """What `aws cloudformation deploy` sends: the given values; for an existing stack, its current
    value for every other parameter it already has (so an earlier --parameter sticks); defaults for
    the rest."""
    parameters: list[dict[str, Any]] = [{"ParameterKey": key, "ParameterValue": value} for key, value in given.items()]
    parameters += [{"ParameterKey": key, "UsePreviousValue": True}
                   for key in root_parameters if key not in given and key in current]
    return parameters


def publish_then_deploy(aws: Aws, build: Build, request: Request, *, bucket: str, prefix: str, confirm: Confirm,
                        out: TextIO) -> str:
    """The whole of `blueprint deploy`: the bucket checked before the build (which takes seconds), the
    --parameter names and values and the stack's owner before anything is uploaded, then publish and
    deploy(); returns what deploy() did."""
    bucket_region = check_bucket(aws.client("s3"), bucket)
    release = build()
    root = load(release.files[ROOT])
    declared = root.get("Parameters") or {}
    check_parameters(request.parameters, declared)
    with aws_errors(StackFailed, doing=f"stack {request.stack_name}"):
        stack = existing_stack(aws.client("cloudformation"), request.stack_name)
    check_owner(request.stack_name, stack, release.name, adopt=request.adopt)
    # An existing VPC: its routes must say what the blueprint declares, before anything is uploaded.
    found = check_existing_network(aws.client("ec2"), root, request.parameters, stack.values if stack else {})
    request = replace(request, parameters={**request.parameters, **found})
    with aws_errors(doing="reading the ECS account settings"):  # an answer that is no AWS one: one line
        trunking.advise(aws.client("ecs"), release.files, out)  # awsvpc hosts that hold their tasks only with it
    published = publish(aws, release.files, name=release.name, bucket=bucket, prefix=prefix,
                        bucket_region=bucket_region)
    out.write(f"published {published.name}: {len(published.uploaded)} uploaded, {len(published.existing)} already "
              f"there; root template {published.root_url}\n")
    if aws.emulated:  # an emulator answers at once: no need to wait 5 s between questions
        request = replace(request, poll_seconds=1.0)
    return deploy(aws, published, declared, request, confirm, out, shifted=shifted_stacks(release.files))


def deploy(aws: Aws, published: Published, declared: Mapping[str, Mapping[str, Any]], request: Request,
           confirm: Confirm, out: TextIO, shifted: Mapping[str, str] | None = None) -> str:
    """Run the whole flow; return what happened: "executed", "no changes", "previewed" or "declined".
    `declared`: the root template's Parameters; `shifted`: the nested stacks whose service shifts traffic
    (shifting.py), said so under the change set. Raises DeployError for a request that cannot go ahead,
    StackFailed when CloudFormation says no."""
    cfn = aws.client("cloudformation")
    check_parameters(request.parameters, declared)
    with aws_errors(StackFailed, doing=f"stack {request.stack_name}"):
        stack = existing_stack(cfn, request.stack_name)
    check_owner(request.stack_name, stack, published.name, adopt=request.adopt)
    kind = change_set_type(request.stack_name, stack.status if stack else None)
    name = f"blueprint-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    current = stack.parameters if stack is not None and kind == "UPDATE" else frozenset()
    parameters = change_set_parameters(request.parameters, declared, current)
    with aws_errors(StackFailed, doing="creating the change set"):
        change_set_id = changeset.create(
            cfn, stack_name=request.stack_name, name=name, change_set_type=kind, template_url=published.root_url,
            parameters=parameters, tags=stack_tags(stack, published.name),
            capabilities=CAPABILITIES, description=f"blueprint deploy of {published.name}: {published.root_url}",
        )
        changeset.wait(cfn, change_set_id, poll_seconds=request.poll_seconds)
        changes = changeset.describe(cfn, change_set_id, kind)

    if changes.has_no_changes:
        with aws_errors(StackFailed, doing="deleting the empty change set"):
            cfn.delete_change_set(ChangeSetName=change_set_id)
        out.write(f"no changes: stack {request.stack_name} already matches {published.root_url}\n")
        return "no changes"
    if changes.status != "CREATE_COMPLETE":
        raise StackFailed(f"CloudFormation refused the change set {name} ({changes.status}): "
                          f"{changes.reason or 'no reason given'}")
    out.write(changes.render())
    out.write(shifted_notes(changes, shifted or {}))

    if not request.execute:
        out.write(f"--no-execute: change set {name} left for review (execute it in the console, or with "
                  f"`aws cloudformation execute-change-set --change-set-name {change_set_id}`)\n")
        return "previewed"
    if not request.assume_yes:
        answer = confirm(f"Execute change set {name} on stack {request.stack_name}? [y/N] ")
        if answer is None:
            raise DeployError(f"not asking without a terminal: pass --yes to execute, or --no-execute to only "
                              f"preview (change set {name} was left for review)")
        if not answer:
            with aws_errors(StackFailed, doing="deleting the change set"):
                cfn.delete_change_set(ChangeSetName=change_set_id)
            out.write(f"not executed; change set {name} deleted\n")
            return "declined"

    execute(cfn, change_set_id, request, len(changes.changes), stack_link(changes.stack_id, aws.region), out)
    return "executed"


def execute(cfn: Any, change_set_id: str, request: Request, expected: int, console: str, out: TextIO) -> None:
    """Execute the change set and print stack events until the root settles; StackFailed unless it
    ends in CREATE_COMPLETE or UPDATE_COMPLETE."""
    stream = EventStream(cfn, request.stack_name, expected)
    with aws_errors(StackFailed, doing=f"stack {request.stack_name}"):
        stream.start()
    try:
        with aws_errors(StackFailed, doing="executing the change set"):
            cfn.execute_change_set(ChangeSetName=change_set_id)
    except StackFailed as failed:
        _show(stream, out)  # whatever happened before the error
        raise StackFailed(f"stack {request.stack_name}: {failed}", failure_lines(stream.failures)) from None
    out.write(f"executing; events follow (console: {console})\n")
    with aws_errors(StackFailed, doing=f"watching stack {request.stack_name}"):
        while True:
            _show(stream, out)
            (stack,) = cfn.describe_stacks(StackName=request.stack_name)["Stacks"]
            status = str(stack["StackStatus"])
            if not status.endswith("_IN_PROGRESS"):
                _show(stream, out)
                break
            time.sleep(request.poll_seconds)
    if status not in SUCCEEDED:
        raise StackFailed(f"stack {request.stack_name} ended in {status}", failure_lines(stream.failures))
    out.write(f"stack {request.stack_name}: {status} ({counted(len(stream.done), 'resource')} done)\n")
    for output in stack.get("Outputs") or []:
        out.write(f"  {output['OutputKey']} = {output.get('OutputValue', '')}\n")


def _show(stream: EventStream, out: TextIO) -> None:
    for line in stream.poll():
        out.write(line + "\n")
    out.flush()
