"""A value means what it says (issue 16), over generated inputs:
- any plain scalar, written where an integer or a boolean goes, either loads as YAML 1.2 (and JSON) read
  it, or is refused: YAML 1.1's octal, base-60, hexadecimal, binary, grouped digits and yes/no/on/off never
  slip through as another value; where text goes it loads as exactly the text written, or is refused; an
  environment value is always the text written;
- `${` put anywhere in any text of a valid blueprint is refused, at exactly that key.

Derandomized, like the other fuzz tests: CI sees the same inputs every run.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from generator.blueprint import Blueprint, BlueprintErrors
from generator.blueprint.errors import KeyPath, format_key_path
from generator.blueprint.load import load_blueprint_bytes

from .blueprints import as_yaml, valid_blueprints

SETTINGS = settings(derandomize=True, database=None, deadline=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# YAML 1.2's core schema (what YAML 1.2 readers and JSON agree on), the reference a value must match.
_NULL = re.compile(r"null|Null|NULL|~|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_DECIMAL = re.compile(r"[-+]?[0-9]+")
_OCTAL = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")


def yaml_12(text: str) -> Any:
    """What a YAML 1.2 reader makes of a plain scalar."""
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _DECIMAL.fullmatch(text):
        return int(text)
    if _OCTAL.fullmatch(text):
        return int(text[2:], 8)
    if _HEX.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    return text


WORDS = ["yes", "no", "on", "off", "y", "n", "true", "false", "null", "~", "=", "<<", ".inf", "-.inf", ".nan"]
scalars = st.one_of(
    st.from_regex(r"[-+]?(0[xob]?)?[0-9a-fA-F_]{1,6}(:[0-5]?[0-9]){0,2}", fullmatch=True),  # 1.1 integer forms
    st.tuples(st.sampled_from(WORDS), st.sampled_from([str.lower, str.upper, str.capitalize, str.swapcase]))
    .map(lambda pair: pair[1](pair[0])),
    st.from_regex(r"[-+]?([0-9]{1,4}(\.[0-9]{0,3})?|\.[0-9]{1,3})([eE][-+]?[0-9]{1,2})?", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2})?", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._=<~+-]{1,10}", fullmatch=True),
)


def loaded(text: str) -> Blueprint | None:
    try:
        return load_blueprint_bytes(text.encode(), "fuzz.yaml")
    except BlueprintErrors:
        return None


@settings(SETTINGS, max_examples=400)
@given(scalars)
@example("010")
@example("1:20")
@example("0x50")
@example("1_000")
@example("yes")
@example("OFF")
@example("2024-01-01")
@example("+80")
def test_a_plain_scalar_loads_as_yaml_12_reads_it_or_is_refused(written: str) -> None:
    meaning = yaml_12(written)
    note(f"YAML 1.2 reads {written!r} as {meaning!r}")
    service = "name: photos\nservices:\n  api: {{image: nginx, {}}}\n"

    count = loaded(service.format(f"count: {written}"))
    if count is not None:
        # null leaves an optional key at its default, as YAML 1.2 means it to
        assert (meaning is None or type(meaning) is int) and count.services["api"].count == meaning

    exec_ = loaded(service.format(f"exec: {written}"))
    if exec_ is not None:
        assert type(meaning) is bool and exec_.services["api"].exec is meaning

    command = loaded(service.format(f"command: [{written}]"))
    if command is not None:
        # exactly the text written: `1e3` and `0o17`, text to YAML 1.1, stay that text (YAML 1.2 would read
        # numbers, but no text is ever turned into another text)
        assert command.services["api"].command == [written]

    environment = loaded(service.format(f"environment: {{A: {written}}}"))
    if environment is not None:  # text as written, whatever YAML would have made of it
        assert environment.services["api"].environment == {"A": written}


def texts(data: Any, path: KeyPath = ()) -> list[KeyPath]:
    """The key path of every string value in a blueprint's data."""
    if isinstance(data, str):
        return [path]
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in texts(value, (*path, key))]
    if isinstance(data, list):
        return [found for index, value in enumerate(data) for found in texts(value, (*path, index))]
    return []


@settings(SETTINGS, max_examples=60)
@given(st.data())
def test_a_reference_anywhere_in_any_text_is_refused_at_that_key(data: st.DataObject) -> None:
    blueprint = data.draw(valid_blueprints(), label="blueprint")
    path = data.draw(st.sampled_from(texts(blueprint)), label="where")
    parent = blueprint
    for part in path[:-1]:
        parent = parent[part]
    text = parent[path[-1]]
    at = data.draw(st.integers(0, len(text)), label="at")
    parent[path[-1]] = text[:at] + "${AWS::Region}" + text[at:]
    try:
        load_blueprint_bytes(as_yaml(blueprint).encode(), "fuzz.yaml")
    except BlueprintErrors as errors:
        assert [format_key_path(error.path) for error in errors.errors] == [format_key_path(path)], errors.render()
    else:
        raise AssertionError(f"`${{` at {format_key_path(path)} was accepted")
