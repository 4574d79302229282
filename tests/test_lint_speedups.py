"""cfn-lint with our speed patches reports exactly what cfn-lint without them reports.

A corpus of broken templates (one defect each, made from the example's templates: wrong types, unknown
properties, bad references, conditions, nested-stack parameters, IAM, ...) plus the clean templates is
linted twice, in two fresh processes, with and without `lint_speedups.apply()`; the findings must be
identical, each defect must be found, and the patches must really have been applied.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.blueprint import load_blueprint
from generator.cfn.render import render_data
from generator.pipeline import documents

REPOSITORY = Path(__file__).resolve().parents[1]
Data = dict[str, Any]

# name -> (file, defect, a rule cfn-lint must report for it)
DEFECTS: dict[str, tuple[str, Callable[[Data], None], str]] = {}


def defect(name: str, filename: str, rule: str) -> Callable[[Callable[[Data], None]], Callable[[Data], None]]:
    def register(mutate: Callable[[Data], None]) -> Callable[[Data], None]:
        DEFECTS[name] = (filename, mutate, rule)
        return mutate
    return register


def props(template: Data, logical_id: str) -> Data:
    return template["Resources"][logical_id]["Properties"]  # type: ignore[no-any-return]


@defect("a port of the wrong type", "service-api.yaml", "E3012")
def _(t: Data) -> None:
    props(t, "TargetGroup")["Port"] = ["eighty"]


@defect("an unknown property", "service-api.yaml", "E3002")
def _(t: Data) -> None:
    props(t, "LoadBalancer")["Colour"] = "blue"


@defect("a value outside an enum", "service-api.yaml", "E3030")
def _(t: Data) -> None:
    props(t, "TargetGroup")["Protocol"] = "HTTPX"


@defect("a Ref to nothing", "service-api.yaml", "E1020")
def _(t: Data) -> None:
    props(t, "LoadBalancerSecurityGroup")["VpcId"] = {"Ref": "NoSuchVpc"}


@defect("a GetAtt of an attribute that does not exist", "service-api.yaml", "E1010")
def _(t: Data) -> None:
    props(t, "Service")["TaskDefinition"] = {"Fn::GetAtt": ["TaskDefinition", "Colour"]}


@defect("a Sub of an unknown variable", "cluster.yaml", "E1019")
def _(t: Data) -> None:
    t["Resources"]["Topic"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "${Nothing}-x"}}}


@defect("a DependsOn on nothing", "service-api.yaml", "E3005")
def _(t: Data) -> None:
    t["Resources"]["Service"]["DependsOn"] = ["NoSuchResource"]


@defect("an unused parameter", "service-api.yaml", "W2001")
def _(t: Data) -> None:
    t["Parameters"]["Unused"] = {"Type": "String"}


@defect("an unknown resource type", "network.yaml", "E3006")
def _(t: Data) -> None:
    t["Resources"]["Oops"] = {"Type": "AWS::EC2::Vpcx", "Properties": {}}


@defect("a missing required property", "network.yaml", "E3003")
def _(t: Data) -> None:
    t["Resources"]["Lonely"] = {"Type": "AWS::EC2::Subnet", "Properties": {"CidrBlock": "10.0.0.0/24"}}


@defect("an impossible CIDR", "access.yaml", "E3002")
def _(t: Data) -> None:
    props(t, "BastionSecurityGroupSshIn1")["CidrIp"] = "10.0.0.0/33"


@defect("an If on a condition that does not exist", "network.yaml", "E1028")
def _(t: Data) -> None:
    t["Resources"]["Topic"] = {"Type": "AWS::SNS::Topic", "Properties": {
        "TopicName": {"Fn::If": ["NoSuchCondition", "a", "b"]}}}


@defect("conditions that contradict each other", "network.yaml", "W8003")
def _(t: Data) -> None:
    t["Conditions"]["Always"] = {"Fn::Equals": ["a", "a"]}


@defect("a nested stack passed a parameter its template lacks", "root.yaml", "E3043")
def _(t: Data) -> None:
    t["Resources"]["Cluster"]["Properties"]["Parameters"]["NoSuchParameter"] = "x"


@defect("a GetAtt of a child output that does not exist", "root.yaml", "E6101")
def _(t: Data) -> None:
    t["Outputs"]["Missing"] = {"Value": {"Fn::GetAtt": ["Network", "Outputs.NoSuchOutput"]}}


@defect("an IAM action that is no action", "service-api.yaml", "W3037")
def _(t: Data) -> None:
    role = props(t, "TaskRole")
    role["Policies"] = [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:NoSuchAction", "Resource": "*"}]}}]


@defect("an export name that is no string", "access.yaml", "E6102")
def _(t: Data) -> None:
    t["Outputs"]["Twice"] = {"Value": "x", "Export": {"Name": ["not", "a", "string"]}}


LINT = """
import contextlib, json, os, sys
from pathlib import Path
from generator.checks import lint_speedups
patched = sys.argv[1] == "patched" and lint_speedups.apply()
from cfnlint.config import ConfigMixIn
from cfnlint.runner import Runner, run_template_by_file_path
runner = Runner(ConfigMixIn(cli_args=["--config-file", os.devnull], regions=["us-east-1"], ignore_checks=["W3002"]))
if patched:
    lint_speedups.apply_to_rules(runner.rules)
found = {}
for path in sys.argv[2:]:
    with contextlib.chdir(Path(path).parent):  # as the build lints: nested children's outputs are read
        matches = list(run_template_by_file_path(Path(path).name, runner.config, runner.rules, False))
    found[path] = sorted(f"{m.linenumber}:{m.columnnumber} {m.rule.id} {m.message}" for m in matches)
print(json.dumps({"patched": patched, "found": found}))
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One directory per defect (children beside their root, as E3043 needs), and the clean set."""
    clean = documents(load_blueprint(REPOSITORY / "blueprints" / "example.yaml"))
    root = tmp_path_factory.mktemp("lint-corpus")
    files: dict[str, Path] = {}
    for index, (name, (filename, mutate, _)) in enumerate({"clean": ("", None, ""), **DEFECTS}.items()):
        directory = root / f"case{index:02d}"
        directory.mkdir()
        for each, data in clean.items():
            document = copy.deepcopy(data)
            if each == filename and mutate is not None:
                mutate(document)
            (directory / each).write_bytes(render_data(document))
        if name == "clean":
            files.update({f"clean {each}": directory / each for each in clean})
        else:
            files[name] = directory / filename
    return files


def test_patched_cfn_lint_finds_exactly_what_cfn_lint_finds(corpus: dict[str, Path]) -> None:
    paths = [str(path) for path in corpus.values()]
    runs = {mode: subprocess.Popen([sys.executable, "-c", LINT, mode, *paths], cwd=REPOSITORY,
                                   stdout=subprocess.PIPE, text=True) for mode in ("plain", "patched")}
    results = {mode: json.loads(run.communicate(timeout=300)[0]) for mode, run in runs.items()}
    assert all(run.returncode == 0 for run in runs.values())
    assert results["patched"]["patched"] is True, "the speed patches were not applied"
    assert results["plain"]["patched"] is False
    plain, patched = results["plain"]["found"], results["patched"]["found"]
    assert patched == plain
    for name, (_, _, rule) in DEFECTS.items():
        found = plain[str(corpus[name])]
        assert any(f" {rule} " in finding for finding in found), f"{name}: expected {rule}, cfn-lint found {found}"
    clean = [finding for name, path in corpus.items() if name.startswith("clean ")
             for finding in plain[str(path)] if finding.split()[1][0] in "EW"]
    assert clean == []


# --- each patch against the function it replaces, on the same objects --------------------------------

@pytest.fixture(scope="module")
def template() -> Any:
    from cfnlint.decode import decode_str
    from cfnlint.template import Template

    from generator.checks import lint_speedups

    assert lint_speedups.apply()
    source = (REPOSITORY / "output" / "photos" / "service-api.yaml")
    text = source.read_text() if source.is_file() else render_data(
        documents(load_blueprint(REPOSITORY / "blueprints" / "example.yaml"))["service-api.yaml"]).decode()
    data, matches = decode_str(text)
    assert not matches
    return Template("service-api.yaml", data, ["us-east-1"])


def fields_of(value: Any) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


def test_context_evolve_copies_the_fields_and_merges_ref_values(template: Any) -> None:
    from generator.checks.lint_speedups import ORIGINALS

    context = template.context
    for changes in ({}, {"regions": ["eu-west-1"]}, {"ref_values": {"A": "1"}}, {"strict_types": False}):
        assert context.evolve(**changes) == ORIGINALS["context_evolve"](context, **changes)
    twice = context.evolve(ref_values={"A": "1"}).evolve(ref_values={"B": "2"})
    assert twice.ref_values == {"A": "1", "B": "2"}
    assert twice == ORIGINALS["context_evolve"](ORIGINALS["context_evolve"](context, ref_values={"A": "1"}),
                                                 ref_values={"B": "2"})
    _ = context.module_names  # a cached property is not carried into a copy with other resources
    assert context.evolve(resources={}).module_names == ()
    with pytest.raises(TypeError):
        context.evolve(colour="blue")


def test_validators_are_made_once_per_set_of_keywords_and_evolve_like_the_original(template: Any) -> None:
    from cfnlint.jsonschema.validators import CfnTemplateValidator

    from generator.checks.lint_speedups import ORIGINALS

    def only_strings(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        yield from ()

    validator = CfnTemplateValidator({}).evolve(cfn=template, context=template.context)
    first = validator.extend(validators={"type": only_strings})
    assert validator.extend(validators={"type": only_strings}) is first
    assert validator.extend(validators={"enum": only_strings}) is not first
    made = first(schema={"type": "string"}, cfn=template, context=template.context)
    unpatched = ORIGINALS["create"](validators=dict(made.validators), function_filter=made.function_filter,
                                    fn_resolvers=dict(made.fn_resolvers))
    for changes in ({}, {"schema": {"type": "integer"}}, {"context": template.context.evolve(regions=["x"])}):
        assert fields_of(made.evolve(**changes)) == fields_of(unpatched.evolve(made, **changes))
    assert made.evolve(context=None).context is not None  # __post_init__ still fills it


def test_extended_validators_equal_the_original_ones(template: Any) -> None:
    from cfnlint.jsonschema.validators import CfnTemplateValidator
    from cfnlint.rules.jsonschema.CfnLintJsonSchema import CfnLintJsonSchema

    from generator.checks.lint_speedups import ORIGINALS

    rule = CfnLintJsonSchema()
    validator = CfnTemplateValidator({}).evolve(cfn=template, context=template.context)
    schema = {"properties": {"Port": {"type": "integer"}}}
    for validators in (None, {"type": lambda *args: iter(())}):
        patched = rule.extend_validator(validator, schema, template.context, validators=validators)
        original = ORIGINALS["extend_validator"](rule, validator, schema, template.context, validators=validators)
        assert type(patched) is type(original)
        fields, expected = fields_of(patched), fields_of(original)
        resolver, expected_resolver = fields.pop("resolver"), expected.pop("resolver")
        assert (resolver.referrer, resolver.base_uri) == (expected_resolver.referrer, expected_resolver.base_uri)
        assert fields == expected


def test_schema_walks_are_remembered_per_document_with_the_same_results() -> None:
    from cfnlint.schema.resolver import RefResolver

    from generator.checks.lint_speedups import ORIGINALS

    schema = {"$id": "root", "definitions": {"Port": {"$id": "#port", "type": "integer"},
                                             "Name": {"type": "string"}}}
    other = {"definitions": {"Name": {"type": "number"}}}
    first, second = RefResolver.from_schema(schema), RefResolver.from_schema(schema)
    assert first._get_subschemas_cache() is second._get_subschemas_cache()  # one walk per document
    assert first._get_subschemas_cache() == ORIGINALS["subschemas"](RefResolver.from_schema(schema))
    assert RefResolver.from_schema(other)._get_subschemas_cache() == ORIGINALS["subschemas"](
        RefResolver.from_schema(other))
    for document, fragment in ((schema, "/definitions/Name"), (schema, "port"), (other, "/definitions/Name"),
                               (schema, "")):
        expected = ORIGINALS["fragment"](first, document, fragment)
        assert first.resolve_fragment(document, fragment) is expected
        assert second.resolve_fragment(document, fragment) is expected
    with pytest.raises(Exception, match="Unresolvable"):
        first.resolve_fragment(schema, "/definitions/Nothing")


def test_a_root_reads_each_child_once_and_finds_the_same(tmp_path: Path) -> None:
    """E3043 and the child-outputs check share one reading per child, with the same findings."""
    from generator.checks import lint_speedups
    from generator.checks.lint import lint_file

    clean = documents(load_blueprint(REPOSITORY / "blueprints" / "example.yaml"))
    for name, data in clean.items():
        (tmp_path / name).write_bytes(render_data(data))
    root = tmp_path / "root.yaml"
    text = root.read_text()
    root.write_text(text.replace("      Parameters:\n", "      Parameters:\n        NoSuchParameter: x\n", 1))
    read: list[str] = []
    original = lint_speedups.ORIGINALS["decode"]

    def counted(filename: str) -> Any:
        read.append(filename)
        return original(filename)

    lint_speedups._CHILDREN.clear()
    try:
        lint_speedups.ORIGINALS["decode"] = counted
        found = lint_file(root)
    finally:
        lint_speedups.ORIGINALS["decode"] = original
    children = [name for name in clean if name != "root.yaml"]
    assert sorted(Path(name).name for name in read) == sorted(children)
    assert [f.rule for f in found] == ["E3043"]
