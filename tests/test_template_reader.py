"""The one reader of CloudFormation template files (generator/cfn/reader.py): JSON or YAML, short or long
form, plain or with position marks; anything else is one located line, never a traceback."""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path

import pytest

from generator.cfn.reader import MAX_BYTES, MAX_DEPTH, NotATemplate, TemplateReadError, read_template
from generator.cfn.templates import Template

REPO = Path(__file__).resolve().parents[1]
HAND_WRITTEN = REPO / "tests" / "audit" / "templates"

SHORT_FORM = textwrap.dedent("""\
    Parameters:
      Subnet: {Type: AWS::EC2::Subnet::Id}
    Resources:
      Group:
        Type: AWS::EC2::SecurityGroup
        Properties: {GroupDescription: web, VpcId: !Ref Vpc}
      Host:
        Type: AWS::EC2::Instance
        Properties:
          SubnetId: !Ref Subnet
          SecurityGroupIds: [!GetAtt Group.GroupId]
          Tags: [{Key: name, Value: !Sub "${AWS::StackName}-host"}]
    """).encode()
LONG_FORM = {
    "Parameters": {"Subnet": {"Type": "AWS::EC2::Subnet::Id"}},
    "Resources": {
        "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "web",
                                                                    "VpcId": {"Ref": "Vpc"}}},
        "Host": {"Type": "AWS::EC2::Instance", "Properties": {
            "SubnetId": {"Ref": "Subnet"},
            "SecurityGroupIds": [{"Fn::GetAtt": ["Group", "GroupId"]}],
            "Tags": [{"Key": "name", "Value": {"Fn::Sub": "${AWS::StackName}-host"}}],
        }},
    },
}


def test_short_form_yaml_long_form_yaml_and_json_read_the_same() -> None:
    import yaml

    as_json = json.dumps(LONG_FORM, indent=2).encode()
    as_yaml = yaml.safe_dump(LONG_FORM).encode()
    assert read_template(SHORT_FORM, "short.yaml") == LONG_FORM
    assert read_template(as_json, "long.json") == LONG_FORM
    assert read_template(as_yaml, "long.yaml") == LONG_FORM
    for content in (SHORT_FORM, as_json, as_yaml):
        assert read_template(content, "marked", marked=True) == LONG_FORM


def test_plain_reading_gives_plain_data() -> None:
    """The diff and publish compare and dump the data: no cfn-lint node types in it."""
    data = read_template(SHORT_FORM, "short.yaml")
    assert type(data) is dict and type(data["Resources"]["Host"]["Properties"]["SubnetId"]["Ref"]) is str


def test_marked_reading_keeps_the_line_of_each_resource(tmp_path: Path) -> None:
    path = tmp_path / "short.yaml"
    path.write_bytes(SHORT_FORM)
    template = Template(str(path), read_template(path, marked=True))
    assert (template.line_of("Group"), template.line_of("Host")) == (4, 7)
    json_template = HAND_WRITTEN / "ecs-hosts.json"
    lines = json_template.read_text().splitlines()
    template = Template(str(json_template), read_template(json_template, marked=True))
    assert lines[template.line_of("HostLaunchTemplate") - 1].strip().startswith('"HostLaunchTemplate"')


def test_a_file_is_read_by_its_path_and_named_by_it(tmp_path: Path) -> None:
    path = tmp_path / "short.yaml"
    path.write_bytes(SHORT_FORM)
    assert read_template(path) == LONG_FORM
    with pytest.raises(TemplateReadError, match=f"^{tmp_path / 'missing.yaml'}: cannot read template: No such file"):
        read_template(tmp_path / "missing.yaml")
    with pytest.raises(TemplateReadError, match=f"^{tmp_path}: cannot read template: Is a directory"):
        read_template(tmp_path)


NOT_TEMPLATES = {  # well-formed, but no template: a reader of a directory passes over these
    "empty": (b"", "empty"),
    "a list": (b'[{"Name": "VpcCidr", "Value": "10.0.0.0/16"}]', "a list, not a mapping"),
    "a single value": (b"just text\n", "a single value"),
    "a blueprint": ((REPO / "blueprints" / "example.yaml").read_bytes(), "no Resources mapping"),
    "Resources that is a list": (b"Resources: [1, 2]\n", "no Resources mapping"),
}


@pytest.mark.parametrize(("content", "why"), NOT_TEMPLATES.values(), ids=NOT_TEMPLATES.keys())
@pytest.mark.parametrize("marked", [False, True])
def test_data_that_is_no_template_is_told_apart(content: bytes, why: str, marked: bool) -> None:
    with pytest.raises(NotATemplate) as raised:
        read_template(content, "input.yaml", marked=marked)
    assert str(raised.value) == f"input.yaml: not a CloudFormation template ({why})"


UNREADABLE = {  # what no reader can take: the message names the file and, when it can, the line
    "broken JSON": (b'{\n  "Resources": {\n', "input.yaml: line 3: cannot read template: "),
    "broken YAML": (b"Resources:\n  A: [\n  B: ]]\n", "input.yaml: line 3: cannot read template: "),
    "a tab for an indent": (b"Resources:\n\tA: 1\n", "input.yaml: line 2: cannot read template: "),
    "binary": (bytes(range(256)), "input.yaml: cannot read template: not UTF-8 text (byte 128)"),
    "nested past the cap": (b"Resources: {A: " + b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5) + b"}",
                            f"input.yaml: nested deeper than {MAX_DEPTH} levels"),
    "nested past what the parser takes": (b"Resources: {A: " + b"[" * 50_000 + b"]" * 50_000 + b"}",
                                          "input.yaml: line 1: cannot read template: "),
}


@pytest.mark.parametrize(("content", "message"), UNREADABLE.values(), ids=UNREADABLE.keys())
@pytest.mark.parametrize("marked", [False, True])
def test_what_cannot_be_read_is_one_located_line(content: bytes, message: str, marked: bool) -> None:
    with pytest.raises(TemplateReadError) as raised:
        read_template(content, "input.yaml", marked=marked)
    assert not isinstance(raised.value, NotATemplate)
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)


def test_a_template_may_be_at_most_1_mib(tmp_path: Path) -> None:
    body = b"Resources: {A: {Type: AWS::SNS::Topic}}\n"
    at_the_cap = body + b"#" * (MAX_BYTES - len(body) - 1) + b"\n"
    path = tmp_path / "big.yaml"
    path.write_bytes(at_the_cap)
    assert read_template(path) == {"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}
    path.write_bytes(at_the_cap + b"\n")
    with pytest.raises(TemplateReadError, match=r"big.yaml: more than 1 MiB"):
        read_template(path)
    with pytest.raises(TemplateReadError, match=r"^body.yaml: more than 1 MiB"):
        read_template(at_the_cap + b"\n", "body.yaml")


def test_yaml_aliases_are_expanded_under_a_budget() -> None:
    """A billion laughs: nine levels of ten aliases each is a billion values once walked."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines.append("Resources: {Bomb: {Type: AWS::SNS::Topic, Properties: {Tags: *a8}}}")
    for marked in (False, True):
        with pytest.raises(TemplateReadError, match="YAML aliases"):
            read_template("\n".join(lines).encode(), "bomb.yaml", marked=marked)
    small = b"base: &tags [{Key: team, Value: web}]\nResources: {A: {Type: AWS::SNS::Topic, Properties: {Tags: *tags}}}"
    assert read_template(small, "small.yaml")["Resources"]["A"]["Properties"]["Tags"] == [{"Key": "team",
                                                                                          "Value": "web"}]


# --- exactly one function in the package parses templates --------------------------------------------

PARSERS = {"yaml": {"load", "safe_load", "full_load", "unsafe_load", "load_all", "safe_load_all", "full_load_all",
                    "unsafe_load_all", "compose", "compose_all"},
           "json": {"load", "loads"}}
# Files that parse something other than a template: blueprints, and the record of a build the tool wrote.
# (IAM data and resource schemas: cfn-lint's own data files.)
NOT_TEMPLATE_READERS = ("generator/blueprint/", "generator/freshness.py", "generator/cfn/iam_data.py",
                        "generator/cfn/resource_schema.py")


def parse_calls(source: str) -> list[str]:
    """The functions (or `<module>`) of `source` that call a parser: yaml's, json's, or cfn-lint's decoder."""
    tree = ast.parse(source)
    decoders = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("cfnlint.decode") for alias in node.names}
    modules = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names if alias.name.startswith("cfnlint.decode")}
    found = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call):
            callee = node.func
            if isinstance(callee, ast.Name) and callee.id in decoders:
                found.append(function)
            if isinstance(callee, ast.Attribute):
                owner = ast.unparse(callee.value)
                if callee.attr in PARSERS.get(owner, ()) or owner in modules or owner.startswith("cfnlint.decode"):
                    found.append(function)
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_the_parser_finder_sees_every_kind_of_call() -> None:
    source = textwrap.dedent("""\
        import json, yaml
        import cfnlint.decode.cfn_yaml as cfn_yaml
        from cfnlint.decode import decode as read
        def a(text): return yaml.safe_load(text)
        def b(text): return json.loads(text)
        def c(path): return read(path)
        def d(text): return cfn_yaml.loads(text)
        def e(text): return yaml.dump(text), json.dumps(text)
        """)
    assert parse_calls(source) == ["a", "b", "c", "d"]


def test_exactly_one_function_in_the_package_parses_template_files() -> None:
    package = REPO / "generator"
    found = set()
    for path in sorted(package.rglob("*.py")):
        shown = str(path.relative_to(REPO))
        if not shown.startswith(NOT_TEMPLATE_READERS):
            found |= {(shown, function) for function in parse_calls(path.read_text(encoding="utf-8"))}
    assert found == {("generator/cfn/reader.py", "_parse")}
