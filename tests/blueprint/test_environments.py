"""Environments (issue 19): each an overlay deep-merged over the blueprint's own keys (mappings merge, lists
and values replace, null removes), validated like any blueprint, with its errors at the overlay's own lines."""

from __future__ import annotations

import textwrap

import pytest
from shared import CERT, REPO, load

from generator.blueprint import BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes
from generator.pipeline import documents

FIXTURE = REPO / "tests" / "fixtures" / "environments.yaml"
BASE = """\
name: photos
network:
  nat_gateways: per-az
  availability_zones: 2
  endpoints: [s3, ecr]
tags: {team: platform, cost: shared}
services:
  api:
    image: nginx
    port: 80
    count: 2
    environment: {MODE: live, LEVEL: info}
  worker:
    image: nginx
environments:
"""


def environments(overlays: str) -> dict[str, object]:
    """The merged blueprint of each environment of BASE with these overlays (indented under `environments:`)."""
    blueprint = load(BASE + textwrap.indent(textwrap.dedent(overlays), "  "))
    return {target.environment.name: target for target in blueprint.targets}  # type: ignore[union-attr]


def errors(overlays: str, base: str = BASE) -> list[str]:
    """The loader's errors for BASE with these overlays, each as `LINE:COL: error: KEY.PATH: message`."""
    text = base + textwrap.indent(textwrap.dedent(overlays), "  ")
    with pytest.raises(BlueprintErrors) as refused:
        load_blueprint_bytes(text.encode(), "b.yaml")
    return [line.removeprefix("b.yaml:") for line in refused.value.render().splitlines()]


def line_of(text: str, overlays: str) -> int:
    """The file line (1-based) of the overlay line holding `text`."""
    lines = textwrap.dedent(overlays).splitlines()
    return BASE.count("\n") + next(number for number, line in enumerate(lines, 1) if text in line)


# --- the merge ----------------------------------------------------------------------------------------------

def test_mappings_merge_key_by_key_and_keep_what_the_overlay_leaves_out() -> None:
    dev = environments("dev:\n  services: {api: {count: 1, environment: {LEVEL: debug}}}\n")["dev"]
    api = dev.services["api"]  # type: ignore[attr-defined]
    assert (api.count, api.port, api.image) == (1, 80, "nginx")
    assert api.environment == {"MODE": "live", "LEVEL": "debug"}
    assert set(dev.services) == {"api", "worker"}  # type: ignore[attr-defined]
    assert dev.tags == {"team": "platform", "cost": "shared"}  # type: ignore[attr-defined]


def test_lists_and_values_replace_the_blueprints_own() -> None:
    prod = environments("prod:\n  network: {endpoints: [logs], nat_gateways: single}\n")["prod"]
    assert prod.network.endpoints == ["logs"]  # type: ignore[attr-defined]
    assert prod.network.nat_gateways == "single"  # type: ignore[attr-defined]


def test_null_removes_a_key_back_to_its_default_and_a_service_out_of_the_environment() -> None:
    dev = environments("dev:\n  services: {api: {count: null, environment: null}, worker: null}\n")["dev"]
    assert set(dev.services) == {"api"}  # type: ignore[attr-defined]
    assert dev.services["api"].count is None  # type: ignore[attr-defined]
    assert dev.services["api"].resolved_count == 2  # type: ignore[attr-defined]
    assert dev.services["api"].environment == {}  # type: ignore[attr-defined]


def test_null_in_tags_and_environment_is_text_as_everywhere_in_them() -> None:
    dev = environments("dev:\n  tags: {cost: null}\n")["dev"]
    assert dev.tags == {"team": "platform", "cost": "null"}  # type: ignore[attr-defined]


def test_an_overlay_may_add_a_service_the_blueprint_lacks() -> None:
    dev = environments("dev:\n  services: {mock: {image: wiremock/wiremock, port: 8080}}\n")["dev"]
    assert set(dev.services) == {"api", "worker", "mock"}  # type: ignore[attr-defined]


def test_each_environment_is_its_own_blueprint_and_the_blueprint_builds_only_them() -> None:
    blueprint = load(FIXTURE.read_text())
    assert [target.output_name for target in blueprint.targets] == ["photos-dev", "photos-prod"]
    dev, prod = blueprint.targets
    assert (dev.name, prod.name) == ("photos", "photos")  # the application's name; the directory says which
    assert (prod.environment.account, prod.environment.region) == ("123456789012", "eu-west-1")  # type: ignore[union-attr]
    assert dev.environment.account is None and dev.environments == {}  # type: ignore[union-attr]
    assert blueprint.environment is None


def test_a_blueprint_without_environments_builds_itself() -> None:
    blueprint = load("name: photos\nservices:\n  api: {image: nginx}\n")
    assert blueprint.targets == [blueprint]
    assert blueprint.output_name == "photos"


def test_the_root_description_names_the_environment_and_the_others_do_not() -> None:
    dev, prod = load(FIXTURE.read_text()).targets
    dev_docs, prod_docs = documents(dev), documents(prod)
    assert dev_docs["root.yaml"]["Description"] == \
        "photos: Photo sharing API (environment dev). Generated from blueprint 'photos'; do not edit."
    assert prod_docs["root.yaml"]["Description"].startswith("photos: Photo sharing API (environment prod).")
    assert dev_docs["network.yaml"]["Description"] == prod_docs["network.yaml"]["Description"]


def test_environment_and_tags_values_in_an_overlay_are_kept_as_written() -> None:
    dev = environments("dev:\n  tags: {cost: 010}\n  services: {api: {environment: {LEVEL: yes, AT: 1:20}}}\n")["dev"]
    assert dev.tags["cost"] == "010"  # type: ignore[attr-defined]
    assert dev.services["api"].environment == {"MODE": "live", "LEVEL": "yes", "AT": "1:20"}  # type: ignore[attr-defined]


# --- errors at the overlay's own lines ----------------------------------------------------------------------

OVERLAY_ERRORS = [
    pytest.param("dev:\n  services: {api: {cuont: 1}}\n", "cuont: 1",
                 "environments.dev.services.api.cuont: unknown key `cuont`; did you mean `count`?", id="unknown-key"),
    pytest.param("dev:\n  netwrk: {nat_gateways: single}\n", "netwrk",
                 "environments.dev.netwrk: unknown key `netwrk`; did you mean `network`?", id="unknown-top-key"),
    pytest.param("dev:\n  services:\n    api:\n      count: many\n", "count: many",
                 "environments.dev.services.api.count: expected an integer, got the string 'many'", id="wrong-type"),
    pytest.param("dev:\n  network:\n    nat_gateways: some\n", "nat_gateways: some",
                 "environments.dev.network.nat_gateways: the string 'some' is not one of 'per-az', 'single' or 'none'",
                 id="not-one-of"),
    pytest.param("dev:\n  services:\n    mock: {port: 80}\n", "mock:",
                 "environments.dev.services.mock.image: required key `image` is missing",
                 id="added-service-incomplete"),
    pytest.param("dev:\n  services:\n    api: {image: null}\n", "image: null",
                 "environments.dev.services.api.image: required key `image` is missing", id="null-removes-required"),
    pytest.param("dev:\n  name: other\n", "name: other",
                 "environments.dev.name: an environment cannot change the blueprint's name", id="name"),
    pytest.param("dev:\n  environments: {x: {}}\n", "environments: {x",
                 "environments.dev.environments: environments do not nest", id="nested"),
    pytest.param("prod:\n  account: 123456789012\n", "account:",
                 "environments.prod.account: expected a string, got int 123456789012; put it in quotes",
                 id="account-int"),
    pytest.param("prod:\n  account: '12345'\n", "account:",
                 "environments.prod.account: '12345' is not a 12-digit AWS account id", id="account-short"),
    pytest.param("prod:\n  region: Europe\n", "region:",
                 "environments.prod.region: 'Europe' is not an AWS region name such as eu-west-1", id="region"),
    pytest.param("Prod: {}\n", "Prod:", "environments.Prod: 'Prod' is not 1-32 characters", id="environment-name"),
    pytest.param("dev: []\n", "dev:", "environments.dev: expected a mapping of keys, got a list", id="not-a-mapping"),
]


@pytest.mark.parametrize(("overlays", "at", "expected"), OVERLAY_ERRORS)
def test_a_wrong_value_in_an_overlay_is_reported_at_its_own_line(overlays: str, at: str, expected: str) -> None:
    found = errors(overlays)
    assert len(found) == 1, found
    line, _, rest = found[0].split(":", 2)
    assert int(line) == line_of(at, overlays)
    assert rest.startswith(" error: " + expected), found


def test_a_rule_broken_only_once_merged_points_at_the_overlay_key_nearest_the_blueprints_value() -> None:
    overlays = "prod:\n  services:\n    api:\n      scaling: {min: 4, max: 20, cpu_percent: 50}\n"
    (found,) = errors(overlays)
    assert found.startswith(f"{line_of('scaling:', overlays)}:9: error: environments.prod.services.api.count: "
                            "count (2) must lie between scaling.min (4) and max (20)")
    assert found.endswith("(in environment `prod`; `services.api.count` is the blueprint's own, on line 11)")


def test_a_rule_broken_far_from_any_overlay_key_points_at_the_environment() -> None:
    overlays = "dev:\n  services: {worker: null}\n  network: {nat_gateways: none}\n"
    found = errors(overlays)
    assert found and all(": error: environments.dev." in line for line in found)
    lines = {int(line.split(":")[0]) for line in found}
    assert lines <= {line_of("services:", overlays), line_of("network:", overlays)}


def test_every_environment_is_checked_and_the_blueprints_own_errors_are_reported_once() -> None:
    base = BASE.replace("count: 2", "count: lots")
    found = errors("dev:\n  services: {api: {cpu: x}}\nprod:\n  services: {api: {memory: y}}\n", base)
    assert [line.split(": error: ")[1].split(":")[0] for line in found] == [
        "services.api.count", "environments.dev.services.api.cpu", "environments.prod.services.api.memory"]


def test_a_duplicate_key_in_an_overlay_is_reported_once_at_its_line() -> None:
    overlays = "dev:\n  services:\n    api: {count: 1}\n    api: {count: 3}\n"
    (found,) = errors(overlays)
    assert found.startswith(f"{line_of('api: {count: 3}', overlays)}:7: error: environments.dev.services.api: "
                            "duplicate key")


def test_environments_must_name_at_least_one() -> None:
    (found,) = errors("{}\n", BASE.replace("environments:\n", "environments: "))
    assert "environments: needs at least 1 entry, got 0" in found


# --- where an environment deploys ---------------------------------------------------------------------------

def test_listed_zones_must_be_in_the_environments_region_at_the_overlays_line() -> None:
    overlays = "prod:\n  region: eu-west-1\n  network: {availability_zones: [eu-west-1a, us-east-1b]}\n"
    found = [line for line in errors(overlays) if "is not in region" in line]
    assert len(found) == 1 and found[0].startswith(f"{line_of('availability_zones', overlays)}:")
    assert "environments.prod.network.availability_zones[1]: us-east-1b is not in region eu-west-1" in found[0]


def test_the_blueprints_own_zones_in_another_region_point_at_the_environments_region() -> None:
    base = BASE.replace("availability_zones: 2", "availability_zones: [us-east-1a, us-east-1b]")
    overlays = "prod:\n  region: eu-west-1\n"
    found = errors(overlays, base)
    assert len(found) == 2
    assert all(line.startswith(f"{line_of('region:', overlays)}:") for line in found)
    assert "us-east-1a is not in region eu-west-1, where environment `prod` deploys (in environment `prod`; " \
           "`network.availability_zones[0]` is the blueprint's own, on line 4)" in found[0]


def test_a_certificate_of_another_region_or_account_is_refused() -> None:
    https = f"  services: {{api: {{https: {{certificate_arn: '{CERT}'}}}}}}\n"
    (region,) = errors("prod:\n  region: eu-west-1\n" + https)
    assert "environments.prod.services.api.https.certificate_arn: the certificate is in region us-east-1" in region
    (account,) = errors("prod:\n  account: '210987654321'\n" + https)
    assert "the certificate belongs to account 123456789012; environment `prod` deploys to account 210987654321" \
        in account
    assert environments("prod:\n  account: '123456789012'\n  region: us-east-1\n" + https)


def test_the_description_leaves_room_for_the_environments_name() -> None:
    room = 1024 - len("photos: . Generated from blueprint 'photos'; do not edit.")
    text = BASE.replace("name: photos\n", f"name: photos\ndescription: {'x' * room}\n")
    load(text.replace("environments:\n", ""))  # fits without environments
    (found,) = errors("dev: {}\n", text)
    assert "environments.dev.description: is" in found and "(environment dev)" in found
