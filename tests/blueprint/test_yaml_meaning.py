"""A blueprint value means what it says (issue 16): what YAML 1.1 alone reads as another value (`010` is 8,
`1:20` is 80, `yes` is true) is refused at its line with what YAML made of it, wherever it stands; plain
decimals and true/false load as themselves; `environment` and `tags` values are text kept exactly as written."""

from __future__ import annotations

import pytest
from shared import load

from generator.blueprint import BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes


def errors_of(text: str) -> list[str]:
    try:
        load_blueprint_bytes(text.encode(), "b.yaml")
    except BlueprintErrors as errors:
        return errors.render().splitlines()
    raise AssertionError(f"loaded:\n{text}")


def service(body: str) -> str:
    """A blueprint whose service `api` has these keys (and image nginx unless they give one)."""
    image = "" if body.startswith("image:") else "image: nginx, "
    return f"name: photos\nservices:\n  api: {{{image}{body}}}\n"


# (written, what YAML 1.1 reads it as): every integer form of YAML 1.1 but plain decimals.
INTEGERS = [
    ("010", "the octal number 8"), ("0777", "the octal number 511"), ("-010", "the octal number -8"),
    ("+010", "the octal number 8"), ("0_10", "the octal number 8"), ("00", "the octal number 0"),
    ("1:20", "the base-60 number 80"), ("1:00:00", "the base-60 number 3600"), ("-1:30", "the base-60 number -90"),
    ("0x50", "the hexadecimal number 80"), ("0X50", None), ("0xFF", "the hexadecimal number 255"),
    ("0x_1F", "the hexadecimal number 31"), ("0b1010000", "the binary number 80"), ("-0b11", "the binary number -3"),
    ("8_080", "the number 8080"), ("1_000", "the number 1000"), ("+1_0", "the number 10"),
]
# (written, the boolean YAML 1.1 reads): YAML 1.1's words and their case variants.
BOOLEANS = [(word, meaning) for base, meaning in (("yes", "true"), ("no", "false"), ("on", "true"), ("off", "false"))
            for word in (base, base.capitalize(), base.upper())]


@pytest.mark.parametrize(("written", "meaning"), [row for row in INTEGERS if row[1]])
@pytest.mark.parametrize("place", ["port: {}", "count: {}", "command: [serve, {}]", "image: {}"])
def test_a_yaml_11_integer_is_refused_where_it_stands_with_what_yaml_read(place: str, written: str,
                                                                         meaning: str) -> None:
    text = service(place.format(written))
    column = text.splitlines()[2].rindex(written) + 1
    key = place.split(":")[0] + ("[1]" if place.startswith("command") else "")
    assert errors_of(text) == [
        f"b.yaml:3:{column}: error: services.api.{key}: YAML 1.1 reads {written} as {meaning}; write numbers in "
        f"plain decimal digits, or '{written}' in quotes if it is text"]


def test_what_yaml_11_does_not_read_as_a_number_is_text() -> None:
    """0X50 and 0o17 are no integers to PyYAML: text, so an integer key refuses them as text."""
    for written in ("0X50", "0o17", "1e3"):
        assert errors_of(service(f"port: {written}")) == [
            f"b.yaml:3:29: error: services.api.port: expected an integer, got the string '{written}'"]


@pytest.mark.parametrize(("written", "meaning"), BOOLEANS)
@pytest.mark.parametrize("place", ["exec: {}", "command: [serve, {}]", "image: {}"])
def test_a_yaml_11_boolean_is_refused_where_it_stands(place: str, written: str, meaning: str) -> None:
    text = service(place.format(written))
    column = text.splitlines()[2].rindex(written) + 1
    key = place.split(":")[0] + ("[1]" if place.startswith("command") else "")
    assert errors_of(text) == [
        f"b.yaml:3:{column}: error: services.api.{key}: YAML 1.1 reads {written} as the boolean {meaning}; "
        f"write {meaning}, or '{written}' in quotes if it is text"]


def test_yaml_11_values_are_refused_in_every_block_and_with_an_explicit_tag() -> None:
    text = """\
        name: photos
        network: {flow_logs: off, availability_zones: 0x2}
        cluster: {container_insights: No, instances: {min: 01, max: 1:00, volume_gb: 3_0}}
        access: {ssm: YES}
        services:
          api: {image: nginx, port: !!int "0x50", exec: !!bool "on"}
        """
    errors = [line.split(": error: ")[1].split(":")[0] for line in errors_of(text.replace("        ", ""))]
    assert errors == ["network.flow_logs", "network.availability_zones", "cluster.container_insights",
                      "cluster.instances.min", "cluster.instances.max", "cluster.instances.volume_gb",
                      "access.ssm", "services.api.port", "services.api.exec"]


@pytest.mark.parametrize(("written", "value"), [("80", 80), ("+80", 80), ("0", 0), ("-0", 0), ("1000", 1000)])
def test_plain_decimals_load_as_themselves(written: str, value: int) -> None:
    assert load(service(f"count: {written}")).services["api"].count == value


@pytest.mark.parametrize(("written", "value"), [(word, word.lower() == "true") for word in (
    "true", "True", "TRUE", "false", "False", "FALSE")])
def test_true_and_false_in_every_case_yaml_12_reads_load_as_themselves(written: str, value: bool) -> None:
    assert load(service(f"exec: {written}")).services["api"].exec is value


@pytest.mark.parametrize("written", ["=", "<<"])
def test_yaml_11_special_words_where_a_value_goes_are_the_text_written(written: str) -> None:
    """`=` (YAML 1.1's "value" type) and `<<` (a merge only as a key) are plain text as values."""
    blueprint = load(service(f"command: [serve, {written}], environment: {{A: {written}}}"))
    assert blueprint.services["api"].command == ["serve", written]
    assert blueprint.services["api"].environment == {"A": written}


WRITTEN = ["010", "0777", "1:20", "0x50", "0b101", "1_000", "1e3", ".inf", "-.Inf", ".NaN", "1.10", "yes", "No",
           "ON", "off", "y", "n", "true", "False", "2024-01-01", "2001-12-14 21:59:43.10 -5", "~", "null", "NULL",
           "=", "<<", "+80", "12:30:00", "0o17"]


@pytest.mark.parametrize("written", WRITTEN)
def test_environment_values_are_text_kept_exactly_as_written(written: str) -> None:
    blueprint = load(service(f"environment: {{A: {written}, B: '{written}', C: !!str {written}}}"))
    assert blueprint.services["api"].environment == {"A": written, "B": written, "C": written}


@pytest.mark.parametrize("written", [word for word in WRITTEN if word not in ("~", "<<")])  # the tag pattern's
def test_tag_values_are_text_kept_exactly_as_written(written: str) -> None:
    assert load(f"name: photos\ntags: {{team: {written}}}\nservices: {{api: {{image: nginx}}}}\n").tags == {
        "team": written}


def test_an_empty_environment_value_is_the_empty_string() -> None:
    blueprint = load("name: photos\nservices:\n  api:\n    image: nginx\n    environment:\n      A:\n      B: ''\n")
    assert blueprint.services["api"].environment == {"A": "", "B": ""}


@pytest.mark.parametrize("name", ["environment", "tags"])
def test_a_service_named_like_a_text_mapping_is_a_service(name: str) -> None:
    """Only `tags.*` and `services.*.environment.*` are text kept as written: a service called `environment`
    still has an integer port."""
    blueprint = load(f"name: photos\nservices:\n  {name}: {{image: nginx, port: 8080, exec: true}}\n")
    assert blueprint.services[name].port == 8080
    assert blueprint.services[name].exec is True
    text = f"name: photos\nservices:\n  {name}: {{image: nginx, port: 010}}\n"
    column = text.splitlines()[2].index("010") + 1
    assert errors_of(text) == [
        f"b.yaml:3:{column}: error: services.{name}.port: YAML 1.1 reads 010 as the octal number 8; write "
        "numbers in plain decimal digits, or '010' in quotes if it is text"]


def test_a_mapping_under_an_environment_variable_is_not_text() -> None:
    """`services.api.environment.A` is text kept as written; a mapping there is an error, and what it holds is
    read like any other value."""
    text = service("environment: {A: {B: 010}}")
    line = text.splitlines()[2]
    assert errors_of(text) == [
        f"b.yaml:3:{line.index('{B') + 1}: error: services.api.environment.A: expected a string, got a mapping",
        f"b.yaml:3:{line.index('010') + 1}: error: services.api.environment.A.B: YAML 1.1 reads 010 as the octal "
        "number 8; write numbers in plain decimal digits, or '010' in quotes if it is text"]
