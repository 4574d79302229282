"""No input breaks the loader (issue 10): whatever bytes a blueprint file holds, loading it gives a
Blueprint or BlueprintErrors, each error located at LINE >= 1, COL >= 1 and printed on one line as
FILE:LINE:COL: error: ..., never another exception, never a hang. The caps of source.py (bytes,
depth, values) are hit exactly, from both sides.

Hypothesis runs derandomized, so CI sees the same examples every run; a failure prints the input.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from shared import EXAMPLE

from generator.blueprint import Blueprint, BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes
from generator.blueprint.source import MAX_BYTES, MAX_DEPTH, MAX_NODES
from generator.cli import EXIT_USAGE, main

REPO = Path(__file__).resolve().parents[2]
FILENAME = "fuzz.yaml"
LOCATED = re.compile(r"^fuzz\.yaml:(\d+):(\d+): error: \S")



def fuzz(examples: int) -> settings:
    """Derandomized (CI sees the same inputs every run), no example database, and a deadline per input:
    a guard against an input that makes the loader hang, not a speed test (the largest inputs here, a
    few MiB, took 2 s on a slow hour of this shared machine; speed is `make bench`'s business)."""
    return settings(max_examples=examples, derandomize=True, database=None, deadline=datetime.timedelta(seconds=30),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def load_or_errors(data: bytes) -> Blueprint | BlueprintErrors:
    """The loader's whole contract: a Blueprint, or located errors that each print as one line."""
    try:
        return load_blueprint_bytes(data, FILENAME)
    except BlueprintErrors as errors:
        assert errors.errors, "BlueprintErrors without any error"
        lines = len(re.findall(rb"\r\n|\r|\n", data)) + 1  # as editors count them
        for error in errors.errors:
            assert isinstance(error.line, int) and 1 <= error.line <= lines, error
            assert isinstance(error.column, int) and error.column >= 1, error
            assert isinstance(error.message, str) and error.message.strip(), error
        rendered = errors.render().split("\n")
        assert len(rendered) == len(errors.errors), rendered
        for line in rendered:
            assert LOCATED.match(line), line
            assert line.isprintable(), line
        return errors


# Random YAML data: every type YAML can write, any text, keys the model knows and keys it does not.

def _field_names(schema: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for definition in [schema, *schema.get("$defs", {}).values()]:
        names.update(definition.get("properties", {}))
    return names


FIELD_NAMES = sorted(_field_names(Blueprint.model_json_schema()))
WORDS = ["public", "internal", "none", "ec2", "fargate", "per-az", "single", "s3", "ecr", "logs", "ecs",
         "10.0.0.0/16", "10.0.0.0/24", "10.0.0.1/16", "0.0.0.0/0", "::/0", "fd00::/8", "203.0.113.0/24",
         "us-east-1a", "nginx", "public.ecr.aws/nginx/nginx:1.27", "t3.medium", "/health", "api", "images",
         "arn:aws:acm:us-east-1:123456789012:certificate/abc", "ELBSecurityPolicy-TLS13-1-2-2021-06",
         "arn:aws:secretsmanager:us-east-1:123456789012:secret:x", "aws:reserved", "API", "<<", "~", ""]

text = st.text(max_size=40)  # any code point: surrogates, control characters, emoji, U+FEFF...
keys = st.sampled_from(FIELD_NAMES) | st.sampled_from(WORDS) | text | st.integers() | st.booleans() | st.none()
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2, 6, 7, 30, 128, 256, 512, 1024, 65535, 65536, -1, 2**31, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(WORDS), text,
    st.dates(), st.datetimes(), st.binary(max_size=16),
)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)
blueprint_like = st.fixed_dictionaries(
    {"name": st.sampled_from(["photos", "x", "API"]) | text},
    optional={"services": st.dictionaries(st.sampled_from(["api", "images", "API", "a_b"]) | text,
                                          st.dictionaries(st.sampled_from(FIELD_NAMES), documents, max_size=8),
                                          max_size=3),
              **{name: documents for name in ("network", "cluster", "access", "tags", "catalog", "description")}},
)


@st.composite
def dumped(draw: st.DrawFn, data: st.SearchStrategy[Any]) -> bytes:
    """Data written by PyYAML in any of its styles; lone surrogates come out as "\\ud800" escapes,
    or raw (CESU-8 bytes that are not UTF-8) when written unescaped."""
    text = yaml.safe_dump(
        draw(data), allow_unicode=draw(st.booleans()), sort_keys=False,
        default_flow_style=draw(st.sampled_from([False, True, None])), width=draw(st.sampled_from([20, 80, 10**6])),
    )
    return text.encode("utf-8", errors="surrogatepass")


@fuzz(200)
@given(dumped(documents))
def test_any_yaml_data_loads_or_gives_located_errors(data: bytes) -> None:
    load_or_errors(data)


@fuzz(150)
@given(dumped(blueprint_like))
def test_any_blueprint_shaped_data_loads_or_gives_located_errors(data: bytes) -> None:
    load_or_errors(data)


@fuzz(200)
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", errors="surrogatepass")))
@example(b"\xef\xbb\xbf")  # a byte order mark and nothing else
@example("name: x\n\u2028services: 1\n".encode())
@example(b"\xff\xfe" + "name: x\n".encode("utf-16-le"))
# Found by these tests: once a ValueError (an int too large to print), once a line past the end of the
# file (YAML breaks lines at U+0085, editors do not).
@example(b"name: x\nservices:\n  api: {image: nginx, cpu: 0x" + b"f" * 5000 + b"}\n")
@example("name: photos\naccess:\n- '\x85'\ncluster: null\n".encode())
def test_any_bytes_load_or_give_located_errors(data: bytes) -> None:
    load_or_errors(data)


# YAML syntax, token by token: anchors, aliases, merges, tags, directives, flow and block styles.

TOKENS = [
    "{", "}", "[", "]", ",", ": ", ":", "- ", "? ", "\n", "\n  ", "\n    ", "  ", "\t", " ", "#c", "---", "...",
    "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "&a ", "&b ", "*a", "*b", "<<: ", "<<: *a", "<<: [*a, *b]",
    "!!python/object:os.system ", "!!python/object/apply:os.system [x]", "!!python/name:os.getcwd", "!!binary ",
    "!!set ", "!!omap ", "!!str ", "!!int ", "!!float ", "!!map ", "!!seq ", "!!timestamp ", "!foo ", "!<tag:x> ",
    "| ", ">- ", "'", '"', '"\\ud800"', '"\\x00"', '"\\U0001F600"', "\\", "=", "~", "null", "yes", "on", ".nan",
    "-.inf", "0x" + "f" * 120, "9" * 120, "1_000", "0o17", "1:30:00", "2001-13-45", "2001-12-14t21:59:43.10-05:00",
    "1e999", "name", "services", "api", "image", "nginx", "port", "8080", "talks_to", "environment", "tags",
    "network", "cidr", "10.0.0.0/16", "cluster", "instances", "access", "bastion", "😀", "\u00e9", "\u200b",
    "\ufeff", "\x85", "\u2028",
]


@fuzz(400)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(lambda parts: "".join(parts).encode()))
def test_any_token_soup_loads_or_gives_located_errors(data: bytes) -> None:
    load_or_errors(data)


@st.composite
def anchored(draw: st.DrawFn) -> bytes:
    """Documents built from anchors and aliases: chains, fans (alias bombs), recursion, merges of anything."""
    lines = ["name: photos", "services: {api: {image: nginx}}"]
    count = draw(st.integers(1, 12))
    for index in range(count):
        earlier = [f"*a{i}" for i in range(index)]
        own = f"*a{index}"  # an alias inside its own anchor: a recursive structure
        item = st.sampled_from([*earlier, own, "1", "x", "{k: v}", "[1, 2]", "null"] if earlier else [own, "1", "x"])
        items = draw(st.lists(item, min_size=0, max_size=12))
        shape = draw(st.sampled_from(["list", "map", "merge", "merge-list", "scalar"]))
        if shape == "list":
            body = "[" + ", ".join(items) + "]"
        elif shape == "map":
            body = "{" + ", ".join(f"k{i}: {value}" for i, value in enumerate(items)) + "}"
        elif shape == "merge":
            body = "{<<: " + (items[0] if items else "{}") + ", k: v}"
        elif shape == "merge-list":
            body = "{<<: [" + ", ".join(items) + "]}"
        else:
            body = draw(st.sampled_from(["1", "x", "null", "!!binary aGk="]))
        lines.append(f"a{index}: &a{index} {body}")
    where = draw(st.sampled_from(["tags", "network", "services", "name", "x", "services.api",
                                  "services.api.environment"]))
    target = f"*a{draw(st.integers(0, count - 1))}"
    if where.startswith("services.api"):
        key = where.rsplit(".", 1)[-1]
        lines[1] = "services: {api: " + ("{image: nginx, environment: " + target + "}}" if key == "environment"
                                         else "{<<: " + target + ", image: nginx}}")
    else:
        lines.append(f"{where}: {target}")
    return "\n".join(lines).encode() + b"\n"


@fuzz(300)
@given(anchored())
@example(b"a: &a [*a]\nname: x\n")
@example(b"a: &a {<<: *a}\nname: x\n")
@example(b"a: &a {b: *a}\nservices: *a\n")
def test_any_use_of_anchors_and_aliases_loads_or_gives_located_errors(data: bytes) -> None:
    load_or_errors(data)


@fuzz(60)
@given(st.integers(1, 150), st.sampled_from(["[", "{a: ", "- ", "? ", "{", "[{a: [", "!!seq [", "&x ["]),
       st.booleans())
@example(3000, "[", True)  # deeper than Python's stack: PyYAML composes recursively
@example(3000, "{a: ", False)
@example(3000, "- ", True)
def test_nesting_of_any_depth_loads_or_gives_located_errors(depth: int, opener: str, closed: bool) -> None:
    closer = {"[": "]", "{a: ": "}", "{": "}", "[{a: [": "]}]", "!!seq [": "]", "&x [": "]"}.get(opener, "")
    body = opener * depth + "1" + (closer * depth if closed else "")
    if opener == "- ":
        body = "".join("  " * level + "-\n" for level in range(depth)) + "  " * depth + "1"
    load_or_errors(f"name: photos\ntags: {body}\n".encode() if opener != "- " else body.encode())


# Mutations of the valid example: each operation is a typo a person makes.

@st.composite
def mutated_example(draw: st.DrawFn) -> bytes:
    lines = EXAMPLE.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(["delete", "duplicate", "replace", "value", "indent", "swap", "key"]))
        line = lines[index]
        if operation == "delete":
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, line)
        elif operation == "replace":
            lines[index] = draw(st.lists(st.sampled_from(TOKENS), max_size=6).map("".join) | text)
        elif operation == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[index] = f"{key}: " + draw(st.sampled_from(TOKENS + WORDS) | text.map(repr) | scalars.map(str))
        elif operation == "indent":
            lines[index] = " " * draw(st.integers(0, 7)) + line.lstrip()
        elif operation == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif operation == "key" and ":" in line:
            key, rest = line.split(":", 1)
            indent = key[: len(key) - len(key.lstrip())]
            lines[index] = indent + draw(st.sampled_from(FIELD_NAMES) | text) + ":" + rest
        if not lines:
            lines = [""]
    return ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass")


@fuzz(300)
@given(mutated_example())
def test_any_mutation_of_the_example_loads_or_gives_located_errors(data: bytes) -> None:
    load_or_errors(data)


# Tags that would build objects other than plain data are refused, and nothing runs.

@pytest.mark.parametrize("tagged", [
    "!!python/object/apply:os.system ['touch MARKER']",
    "!!python/object/new:os.system ['touch MARKER']",
    "!!python/object:os.system {}",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!custom value",
])
@pytest.mark.parametrize("document", [
    "name: TAGGED\nservices: {api: {image: nginx}}\n",
    "name: photos\ntags: {team: TAGGED }\nservices: {api: {image: nginx}}\n",
    "name: photos\nservices: TAGGED\n",
    "name: photos\nservices: {api: {image: nginx, environment: {A: TAGGED }}}\n",
], ids=["name", "tags", "services", "environment"])
def test_object_building_tags_are_refused_and_nothing_runs(tagged: str, document: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = load_or_errors(document.replace("TAGGED", tagged.replace("MARKER", str(marker))).encode())
    assert isinstance(result, BlueprintErrors)
    assert "is not allowed in a blueprint" in result.render()
    assert not marker.exists()


# The caps, hit exactly.

def nested_list(depth: int) -> str:
    """A value whose innermost item sits `depth` levels below it."""
    return "[" * depth + "x" + "]" * depth


@pytest.mark.parametrize("key", ["tags", "description", "services.api.command", "services.api.environment.A",
                                 "network.availability_zones", "catalog.principals", "unknown"])
def test_nesting_exactly_at_the_depth_cap_is_read_and_one_more_level_is_refused(key: str) -> None:
    parts = key.split(".")

    def document(extra: int) -> bytes:
        depth = MAX_DEPTH - len(parts) + extra  # the innermost item's key path is MAX_DEPTH (+ extra) long
        value = nested_list(depth)
        for part in reversed(parts[1:]):
            value = f"{{{part}: {value}}}"
        image = "" if parts[0] == "services" else "\nservices: {api: {image: nginx}}"
        if parts[0] == "services":
            value = value.replace("{api: {", "{api: {image: nginx, ", 1)
        return f"name: photos{image}\n{parts[0]}: {value}\n".encode()

    at_cap = load_or_errors(document(0))
    assert isinstance(at_cap, BlueprintErrors)  # the values are wrong, but they are read
    assert "nested deeper" not in at_cap.render()
    over = load_or_errors(document(1))
    assert isinstance(over, BlueprintErrors)
    assert [error.message for error in over.errors] == [f"nested deeper than {MAX_DEPTH} levels"]
    assert len(over.errors[0].path) == MAX_DEPTH + 1


HEAD = "name: photos\nservices: {api: {image: nginx}}\n"  # 5 values: the root, name, services, api, image


def test_exactly_max_nodes_values_are_read_and_one_more_is_refused() -> None:
    def document(items: int) -> bytes:
        return (HEAD + "x: [" + ", ".join(["0"] * items) + "]\n").encode()

    at_cap = load_or_errors(document(MAX_NODES - 6))  # 5 + the list + its items
    assert isinstance(at_cap, BlueprintErrors)
    assert [error.message for error in at_cap.errors] == [
        f"unknown key `x`; valid keys here: {', '.join(Blueprint.model_fields)}"]
    over = load_or_errors(document(MAX_NODES - 5))
    assert isinstance(over, BlueprintErrors)
    assert [error.message for error in over.errors] == [f"more than {MAX_NODES:,} values; a blueprint needs far fewer"]


def test_aliases_expanding_to_exactly_max_nodes_values_are_read_and_one_more_is_refused() -> None:
    def document(tail: int) -> bytes:
        hundred = "a: &a [" + ", ".join(["0"] * 99) + "]\n"  # 100 values, the list included
        fan = "b: [" + ", ".join(["*a"] * 198) + "]\n"  # 1 + 198 * 100 values once expanded
        return (HEAD + hundred + fan + "c: [" + ", ".join(["0"] * tail) + "]\n").encode()

    at_cap = load_or_errors(document(MAX_NODES - 5 - 100 - 1 - 19_800 - 1))
    assert isinstance(at_cap, BlueprintErrors)
    assert {error.path for error in at_cap.errors} == {("a",), ("b",), ("c",)}  # unknown keys, nothing more
    over = load_or_errors(document(MAX_NODES - 5 - 100 - 1 - 19_800))
    assert isinstance(over, BlueprintErrors)
    assert [error.message for error in over.errors] == [
        f"more than {MAX_NODES:,} values after expanding aliases; is this an alias bomb?"]


def test_a_file_of_exactly_max_bytes_is_read_and_one_more_byte_is_refused() -> None:
    valid = EXAMPLE.encode()
    padded = valid + b"#" + b"x" * (MAX_BYTES - len(valid) - 2) + b"\n"
    assert len(padded) == MAX_BYTES
    assert isinstance(load_or_errors(padded), Blueprint)
    over = load_or_errors(padded + b"\n")
    assert isinstance(over, BlueprintErrors)
    assert [error.message for error in over.errors] == [
        f"file is {MAX_BYTES + 1:,} bytes; a blueprint may be at most 1 MiB"]


def chained_merges(links: int) -> bytes:
    """Each mapping merges the one before; the chain hides in a complex key, which is never read itself."""
    chain = ", ".join(["&m0 {k: v}", *(f"&m{i} {{<<: *m{i - 1}}}" for i in range(1, links + 1))])
    return f"? [{chain}]\n: 1\nname: photos\nservices: {{api: {{<<: *m{links}, image: nginx}}}}\n".encode()


def test_merge_chains_are_capped_like_nesting() -> None:
    at_cap = load_or_errors(chained_merges(MAX_DEPTH - 1))
    assert isinstance(at_cap, BlueprintErrors)
    assert "merge keys" not in at_cap.render()
    for links in (MAX_DEPTH, 5000):  # 5000: PyYAML alone would exhaust Python's stack
        over = load_or_errors(chained_merges(links))
        assert isinstance(over, BlueprintErrors)
        assert f"merge keys (`<<`) nest deeper than {MAX_DEPTH} levels" in over.render()


# Inputs at the size caps finish in time: no step is slower than linear in the input.

LINEAR = {
    "wrong-types": b"name: x\nservices:\n  api:\n    image: nginx\n    command: [" + b"1," * (MAX_NODES - 10) + b"]\n",
    "unknown-keys": HEAD.encode() + b"".join(b"k%05d: 1\n" % i for i in range(MAX_NODES - 10)),
    "aliases": b"a: &a [" + b"0," * 99 + b"]\nb: [" + b"*a," * 20_000 + b"]\n",
    "one-long-value": b"name: " + b"a" * (MAX_BYTES - 10) + b"\n",
}


@pytest.mark.parametrize("data", LINEAR.values(), ids=LINEAR.keys())
def test_blueprints_at_the_size_caps_load_in_seconds(data: bytes) -> None:
    assert len(data) <= MAX_BYTES
    # CPU time, not wall time: other processes on a loaded machine (parallel tests, CI) do not count.
    started = time.process_time()
    assert isinstance(load_or_errors(data), BlueprintErrors)
    assert time.process_time() - started < 8  # ~1 s here; a quadratic step took over a minute


# The command line: bad input gives exit 2, located errors only, and no output at all.

def _fails_to_load(data: bytes) -> bool:
    return isinstance(load_or_errors(data), BlueprintErrors)


@fuzz(60)
@given(mutated_example() | dumped(blueprint_like) | anchored())
def test_the_cli_refuses_any_bad_blueprint_with_located_errors_only(data: bytes) -> None:
    assume(_fails_to_load(data))
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / FILENAME
        path.write_bytes(data)
        out = Path(scratch) / "output"
        stderr, stdout = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            code = main(["build", str(path), "-o", str(out)])
        assert code == EXIT_USAGE
        assert stdout.getvalue() == ""
        lines = stderr.getvalue().splitlines()
        assert lines
        for line in lines:
            assert line.startswith(f"{path}:") and re.match(r"^\d+:\d+: error: ", line[len(str(path)) + 1:]), line
        assert not out.exists()
