"""What AWS refuses, the loader refuses first, at the line that causes it (issue 16): a description the root
stack's Description cannot hold, `${` that cfn-lint reads as a reference, digits other than 0-9 in AWS names
and account ids, and a task definition over ECS's 64 KiB. The limits are the real ones: at the limit a real
build (cfn-lint and the audit included) passes, one byte over the loader refuses, and without the loader's
rule the build would fail."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from shared import CERT, load

from generator.blueprint import BlueprintErrors, rules
from generator.blueprint.load import load_blueprint_bytes
from generator.blueprint.model import Blueprint
from generator.cfn.descriptions import MAX_DESCRIPTION_BYTES, description_room, template_description
from generator.cfn.render import to_data
from generator.checks.cache import CleanCache
from generator.pipeline import ValidationFailed, build
from generator.stacks.application import build_templates

LONGEST_NAME = "a" + "-b" * 15 + "c"  # 32 characters, the most a name may have


def errors_of(text: str) -> list[str]:
    try:
        load_blueprint_bytes(textwrap.dedent(text).encode(), "b.yaml")
    except BlueprintErrors as errors:
        return errors.render().splitlines()
    raise AssertionError(f"loaded:\n{text}")


def build_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "blueprint.yaml"
    path.write_text(text, encoding="utf-8")
    build(path, tmp_path / "output", write=False, cache=CleanCache(None))


def without_rule(monkeypatch: pytest.MonkeyPatch, rule: rules.Rule) -> None:
    monkeypatch.setattr(rules, "RULES", tuple(other for other in rules.RULES if other is not rule))


# The description: the root stack's Description wraps it, and the whole is at most 1,024 bytes.

def test_the_builders_describe_the_root_stack_as_the_loader_measures_it() -> None:
    blueprint = load("name: photos\ndescription: Photo sharing\nservices:\n  api: {image: nginx}\n")
    root = to_data(build_templates(blueprint)["root.yaml"])
    assert root["Description"] == template_description("photos", "Photo sharing")
    assert description_room("photos") == MAX_DESCRIPTION_BYTES - len(root["Description"]) + len("Photo sharing")


@pytest.mark.parametrize(("name", "character"), [("photos", "x"), (LONGEST_NAME, "\u00e9"), ("a", "\U0001f600")])
def test_a_description_exactly_at_the_limit_builds_lint_clean(tmp_path: Path, name: str, character: str) -> None:
    room = description_room(name)
    width = len(character.encode())
    description = character * (room // width) + "x" * (room % width)  # exactly `room` bytes
    assert len(description.encode()) == room
    build_file(tmp_path, f"name: {name}\ndescription: '{description}'\nservices:\n  api: {{image: nginx}}\n")


@pytest.mark.parametrize("name", ["photos", LONGEST_NAME])
def test_a_description_one_byte_over_is_refused_at_its_line(name: str) -> None:
    room = description_room(name)
    assert errors_of(f"name: {name}\ndescription: {'x' * (room + 1)}\nservices:\n  api: {{image: nginx}}\n") == [
        f"b.yaml:2:14: error: description: is {room + 1:,} bytes; at most {room:,} fit: the root stack's "
        f"Description reads \"{template_description(name, 'DESCRIPTION')}\" and CloudFormation allows 1,024 bytes"]


def test_one_byte_over_the_limit_is_what_cfn_lint_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The limit is not ours: without the loader's rule, one byte more fails the build at cfn-lint."""
    without_rule(monkeypatch, rules.description_size)
    text = f"name: photos\ndescription: {'x' * (description_room('photos') + 1)}\nservices:\n  api: {{image: nginx}}\n"
    with pytest.raises(ValidationFailed) as failed:
        build_file(tmp_path, text)
    assert "E1003" in str(failed.value) and "root.yaml" in str(failed.value)


# `${`: every text of a blueprint lands in a template, where cfn-lint reads `${...}` as a reference.

PLACES = {
    "description": ("description: 'Runs in ${AWS::AccountId}'", "description"),
    "command": ("services: {api: {image: nginx, command: [sh, -c, 'run ${AWS::Region}']}}", "services.api.command[2]"),
    "environment": ("services: {api: {image: nginx, environment: {URL: 'https://${Vpc.CidrBlock}'}}}",
                    "services.api.environment.URL"),
    "health path": ("services: {api: {image: nginx, port: 80, health_check: {path: '/${AWS::StackName}'}}}",
                    "services.api.health_check.path"),
    "host key pair": ("cluster: {instances: {key_name: 'ops-${AWS::Region}'}}", "cluster.instances.key_name"),
    "bastion key pair": ("access: {bastion: {allowed_cidrs: [203.0.113.0/24], key_name: '${AWS::AccountId}'}}",
                         "access.bastion.key_name"),
    "portfolio": ("catalog: {portfolio: 'Team ${AWS::AccountId}', owner: platform}", "catalog.portfolio"),
    "owner": ("catalog: {portfolio: Platform, owner: '${AWS::Partition} team'}", "catalog.owner"),
}


def place_blueprint(line: str) -> str:
    services = "" if line.startswith("services:") else "services: {api: {image: nginx}}\n"
    return f"name: photos\n{services}{line}\n"


@pytest.mark.parametrize("place", PLACES.values(), ids=PLACES.keys())
def test_a_reference_in_any_text_is_refused_at_its_place(place: tuple[str, str]) -> None:
    line, key = place
    text = place_blueprint(line)
    number = text.count("\n", 0, text.index(line)) + 1
    column = line.rindex("'", 0, line.index("$")) + 1  # the value starts at its opening quote
    assert errors_of(text) == [
        f"b.yaml:{number}:{column}: error: {key}: contains `${{`, which CloudFormation reads as a reference "
        "(`${AWS::AccountId}`) that only Fn::Sub resolves; the text would reach the template as it is and fail "
        "cfn-lint (E1029): leave out the braces (a shell variable works as $NAME)"]


@pytest.mark.parametrize("text", ["$HOME", "$", "{x}", "$ {x}", "price: $5 {each}", "${"[::-1]])
def test_dollars_and_braces_apart_are_plain_text(text: str) -> None:
    blueprint = load(f"name: photos\nservices:\n  api: {{image: nginx, environment: {{A: '{text}'}}, "
                     f"command: ['{text}']}}\n")
    assert blueprint.services["api"].environment == {"A": text}


def test_the_references_the_loader_refuses_are_what_cfn_lint_refuses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the loader's rule, the same blueprint fails the build at cfn-lint (E1029), in each template."""
    without_rule(monkeypatch, rules.no_template_references)
    text = """\
        name: photos
        description: 'Runs in ${AWS::AccountId}'
        cluster: {instances: {key_name: 'ops-${AWS::Region}'}}
        services:
          api:
            image: nginx
            port: 80
            command: [sh, -c, 'run ${AWS::Region}']
            environment: {URL: 'https://${AWS::StackName}'}
            health_check: {path: '/${AWS::StackName}'}
        """
    with pytest.raises(ValidationFailed) as failed:
        build_file(tmp_path, textwrap.dedent(text))
    refused = {line.split(":")[0].rsplit("/", 1)[-1] for line in str(failed.value).splitlines() if "E1029" in line}
    assert refused == {"root.yaml", "cluster.yaml", "service-api.yaml"}


# Digits: AWS names and account ids hold 0-9 only; pydantic's regex reads \d as any Unicode digit.

DIGITS = {"Arabic-Indic": "\u0660", "Extended Arabic-Indic": "\u06f0", "Devanagari": "\u0966",
          "Fullwidth": "\uff10", "Bengali": "\u09e6"}


def digits(zero: str, text: str) -> str:
    """`text` with each 0-9 written in the script whose zero is `zero`."""
    return "".join(chr(ord(zero) + int(char)) if char.isascii() and char.isdigit() else char for char in text)


ACCOUNT_TEXTS = {
    "availability zone": ("network: {availability_zones: ['us-east-1a', 'us-east-1b']}",
                          "network.availability_zones[0]", "us-east-1a"),
    "certificate": (f"services: {{api: {{image: nginx, port: 80, https: {{certificate_arn: '{CERT}'}}}}}}",
                    "services.api.https.certificate_arn", CERT),
    "secret": ("services: {api: {image: nginx, secrets: "
               "{A: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db'}}}", "services.api.secrets.A",
               "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"),
    "parameter": ("services: {api: {image: nginx, secrets: {A: 'arn:aws:ssm:us-east-1:123456789012:parameter/x'}}}",
                  "services.api.secrets.A", "arn:aws:ssm:us-east-1:123456789012:parameter/x"),
    "principal": ("catalog: {portfolio: P, owner: O, principals: ['arn:aws:iam::123456789012:role/Dev']}",
                  "catalog.principals[0]", "arn:aws:iam::123456789012:role/Dev"),
}


@pytest.mark.parametrize("zero", DIGITS.values(), ids=DIGITS.keys())
@pytest.mark.parametrize("case", ACCOUNT_TEXTS.values(), ids=ACCOUNT_TEXTS.keys())
def test_digits_other_than_0_to_9_are_refused_in_aws_names_and_account_ids(case: tuple[str, str, str],
                                                                          zero: str) -> None:
    line, key, value = case
    assert load(place_blueprint(line))  # as written, with 0-9, it loads
    foreign = digits(zero, value)
    errors = errors_of(place_blueprint(line.replace(value, foreign)))
    assert [error for error in errors if f"error: {key}: {foreign!r} is not " in error], errors


def test_no_pattern_of_the_model_reads_digits_as_unicode() -> None:
    schema = json.dumps(Blueprint.model_json_schema())
    assert "\\\\d" not in schema


# The task definition: ECS refuses one over 64 KiB.

BUDGET = rules.TASK_DEFINITION_BYTES - rules.TASK_DEFINITION_MARGIN


def filled(text: str, extra: int) -> str:
    """`text` with its environment value `FILL` grown until the blueprint's share of the task definition is
    exactly the budget plus `extra` bytes."""
    used = sum(rules.task_definition_texts(load(text.replace("FILL", "")), "api").values())
    return text.replace("FILL", "x" * (BUDGET - used + extra))


SIZED = """\
    name: photos
    tags: {team: platform}
    services:
      api:
        image: nginx
        command: [serve, --port, "80"]
        secrets: {TOKEN: 'arn:aws:ssm:us-east-1:123456789012:parameter/token'}
        environment:
          LOG_LEVEL: info
          BIG: FILL
    """


def test_a_task_definition_exactly_at_the_budget_loads_and_one_byte_more_is_refused_at_the_largest_value() -> None:
    text = textwrap.dedent(SIZED)
    at_limit = load(filled(text, 0))
    assert sum(rules.task_definition_texts(at_limit, "api").values()) == BUDGET
    big = at_limit.services["api"].environment["BIG"]
    entry = len(json.dumps({"name": "BIG", "value": big + "x"}, separators=(",", ":"))) + 1  # and its comma
    assert errors_of(filled(text, 1)) == [
        f"b.yaml:10:12: error: services.api.environment.BIG: the task definition of `api` would hold {BUDGET + 1:,} "
        f"bytes of the blueprint's image, command, environment, secrets and tags ({entry:,} of them here); "
        f"ECS allows 64 KiB per task definition, {BUDGET:,} bytes of it for these (the rest is kept for what the "
        "builder adds): move large values into the image, S3 or a secret"]


@pytest.mark.parametrize("where", ["environment value", "many variables", "command", "secrets", "tags",
                                   "escaped characters"])
def test_every_part_of_the_task_definition_counts(where: str) -> None:
    """900 KB in one value, or the same spread over many entries of any part, is refused at the largest one."""
    many = range(BUDGET // 40 + 1)
    blocks = {
        "environment value": ("environment: {BIG: " + "x" * 900_000 + "}", "services.api.environment.BIG"),
        "many variables": ("environment: {" + ", ".join(f"V{i:05d}: {'x' * 20}" for i in many) + "}",
                           "services.api.environment.V00000"),
        "command": ("command: [" + ", ".join(["x" * 40] * len(many)) + "]", "services.api.command"),
        "secrets": ("secrets: {" + ", ".join(f"S{i:05d}: 'arn:aws:ssm:us-east-1:123456789012:parameter/p'"
                                             for i in range(BUDGET // 60)) + "}", "services.api.secrets.S00000"),
        "escaped characters": ("environment: {Q: '" + '"' * (BUDGET // 2) + "'}", "services.api.environment.Q"),
    }
    if where == "tags":
        tags = ", ".join(f"t{i:02d}: {'v' * 250}" for i in range(40))
        service = f"services:\n  api: {{image: nginx, environment: {{A: {'x' * 51_000}}}}}\n"
        assert load(f"name: photos\n{service}")  # fits without the tags
        text = f"name: photos\ntags: {{{tags}}}\n{service}"
        key = "services.api.environment.A"
    else:
        block, key = blocks[where]
        text = f"name: photos\nservices:\n  api: {{image: nginx, {block}}}\n"
    errors = errors_of(text)
    assert len(errors) == 1 and f"error: {key}: the task definition of `api` would hold " in errors[0], errors


def resolved(value: Any) -> Any:
    """A template value with every intrinsic function replaced by the longest text it could resolve to here
    (a role ARN, a log group name): 512 characters, more than any of them."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::")):
            return "r" * 512
        return {key: resolved(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item) for item in value]
    return value


@pytest.mark.parametrize("launch_type", ["ec2", "fargate"])
def test_the_margin_holds_what_the_builder_adds_to_a_task_definition(launch_type: str) -> None:
    """Everything in a task definition but the blueprint's own text, with its references resolved and the
    longest family name CloudFormation may give, fits TASK_DEFINITION_MARGIN, however many entries there are."""
    switches = ", ".join(f"{name}: true" for name in ("exec", "readonly_root_filesystem"))
    environment = ", ".join(f"V{i}: x" for i in range(300))
    secrets = ", ".join(f"S{i}: 'arn:aws:ssm:us-east-1:123456789012:parameter/p{i}'" for i in range(100))
    tags = ", ".join(f"t{i}: v" for i in range(40))
    text = (f"name: {LONGEST_NAME}\ntags: {{{tags}}}\ncluster: {{instances: {{}}, fargate: true}}\nservices:\n"
            f"  {LONGEST_NAME}: {{image: nginx, port: 65535, launch_type: {launch_type}, {switches}, "
            f"command: [{', '.join(['x'] * 50)}], environment: {{{environment}}}, secrets: {{{secrets}}}, "
            f"https: {{certificate_arn: '{CERT}'}}, cpu: 1024, memory: 2048}}\n")
    blueprint = load(text)
    template = to_data(build_templates(blueprint)[f"service-{LONGEST_NAME}.yaml"])
    (definition,) = [entry["Properties"] for entry in template["Resources"].values()
                     if entry["Type"] == "AWS::ECS::TaskDefinition"]
    whole = {**resolved(definition), "Family": "f" * 255}
    size = len(json.dumps(whole, ensure_ascii=False, separators=(",", ":")).encode())
    builders_share = size - sum(rules.task_definition_texts(blueprint, LONGEST_NAME).values())
    assert 0 < builders_share <= rules.TASK_DEFINITION_MARGIN
