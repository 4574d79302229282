"""Reading templates: hand-written JSON and short-form YAML, standalone or nested, one set or several."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from cfnlint.decode import decode

from generator.checks.audit import TemplateSet, audit_files, audit_set

from .conftest import CleanSets, Corpus
from .mutations import CLEAN_SETS, HAND_WRITTEN, found, load_corpus

MUTATIONS = {mutation.name: mutation for mutation in load_corpus()}


def test_a_clean_hand_written_short_form_template_passes() -> None:
    assert audit_files([HAND_WRITTEN / "internal-service.yaml"]) == []


def test_short_form_yaml_and_json_of_one_template_give_the_same_findings(tmp_path: Path) -> None:
    short_form = HAND_WRITTEN / "legacy-bastion.yaml"
    data, problems = decode(str(short_form))
    assert not problems
    as_json = tmp_path / "legacy-bastion.json"
    as_json.write_text(json.dumps(data, indent=2), encoding="utf-8")
    from_yaml = {(f.rule_id, f.logical_id) for f in audit_files([short_form])}
    from_json = {(f.rule_id, f.logical_id) for f in audit_files([as_json])}
    assert from_yaml == from_json
    # !GetAtt BastionSecurityGroup.GroupId in the instance's GroupSet was followed: the group is the bastion's.
    assert ("SEC801", "Bastion") in from_json
    assert any("used by bastion" in f.message for f in audit_files([short_form]) if f.rule_id == "SEC602")


def test_a_json_template_is_read_with_its_line_numbers() -> None:
    findings = audit_files([HAND_WRITTEN / "ecs-hosts.json"])
    lines = (HAND_WRITTEN / "ecs-hosts.json").read_text().splitlines()
    assert findings
    for finding in findings:
        assert lines[finding.line - 1].strip().startswith(f'"{finding.logical_id}"'), finding.render()


def test_several_sets_audited_at_once_keep_their_nesting_apart(clean_sets: CleanSets, corpus: Corpus) -> None:
    """Every set has a network.yaml and a root.yaml; `blueprint audit output/*/*.yaml` must not cross-wire
    one set's root to another set's children."""
    every_clean_file = [path for name in CLEAN_SETS for path in clean_sets.files(name)]
    assert audit_files(every_clean_file) == []
    broken = MUTATIONS["internal-load-balancer-in-public-subnets"]  # needs root.yaml's wiring to be seen
    broken_files, alone = corpus.run(broken)
    together = audit_files(every_clean_file + broken_files)
    assert found(together) == found(alone) == broken.expect
    assert {f.file for f in together} == {f.file for f in alone}


def test_a_child_audited_without_its_root_judges_subnet_parameters_by_name(tmp_path: Path) -> None:
    template = textwrap.dedent("""\
        Parameters:
          {subnets}: {{Type: List<AWS::EC2::Subnet::Id>}}
        Resources:
          LoadBalancer:
            Type: AWS::ElasticLoadBalancingV2::LoadBalancer
            Properties:
              Scheme: internal
              Subnets: !Ref {subnets}
              SecurityGroups: [sg-0123456789abcdef0]
              LoadBalancerAttributes:
                - {{Key: routing.http.drop_invalid_header_fields.enabled, Value: "true"}}
        """)
    verdicts = {}
    for name in ("PublicSubnets", "PrivateSubnets", "Subnets"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(template.format(subnets=name))
        verdicts[name] = [f.rule_id for f in audit_files([path])]
    # A name that says neither cannot be judged: a warning (an error with --strict), never a silent pass.
    assert verdicts == {"PublicSubnets": ["SEC201"], "PrivateSubnets": [], "Subnets": ["SEC1301"]}


@pytest.mark.parametrize("function", ["Fn::Select", "Fn::Split", "Fn::If"])
def test_subnets_are_followed_through_list_functions(function: str, tmp_path: Path) -> None:
    """An internal load balancer in a public subnet, named through one of the list functions."""
    subnets = {
        "Fn::Select": '[!Select [0, [!Ref PublicSubnet1, !Ref PrivateSubnet1]], !Ref PrivateSubnet1]',
        "Fn::Split": '!Split [",", !Join [",", [!Ref PublicSubnet1, !Ref PrivateSubnet1]]]',
        "Fn::If": '!If [Always, [!Ref PrivateSubnet1], [!Ref PublicSubnet1]]',
    }[function]
    path = tmp_path / "network.yaml"
    path.write_text(textwrap.dedent(f"""\
        Conditions:
          Always: !Equals [a, a]
        Resources:
          Vpc: {{Type: AWS::EC2::VPC, Properties: {{CidrBlock: 10.0.0.0/16}}}}
          FlowLog: {{Type: AWS::EC2::FlowLog, Properties: {{ResourceId: !Ref Vpc, ResourceType: VPC,
                     TrafficType: ALL, LogDestination: arn:aws:s3:::logs}}}}
          Gateway: {{Type: AWS::EC2::InternetGateway}}
          PublicTable: {{Type: AWS::EC2::RouteTable, Properties: {{VpcId: !Ref Vpc}}}}
          PublicRoute:
            Type: AWS::EC2::Route
            Properties: {{RouteTableId: !Ref PublicTable, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Gateway}}
          PublicSubnet1: {{Type: AWS::EC2::Subnet, Properties: {{VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24}}}}
          PublicSubnet1Table:
            Type: AWS::EC2::SubnetRouteTableAssociation
            Properties: {{SubnetId: !Ref PublicSubnet1, RouteTableId: !Ref PublicTable}}
          PrivateSubnet1: {{Type: AWS::EC2::Subnet, Properties: {{VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}}}}
          LoadBalancer:
            Type: AWS::ElasticLoadBalancingV2::LoadBalancer
            Properties:
              Scheme: internal
              Subnets: {subnets}
              SecurityGroups: [sg-0123456789abcdef0]
              LoadBalancerAttributes:
                - {{Key: routing.http.drop_invalid_header_fields.enabled, Value: "true"}}
        """))
    assert [(f.rule_id, f.logical_id) for f in audit_files([path])] == [("SEC201", "LoadBalancer")]


def rendered(files: list[Path]) -> TemplateSet:
    import yaml

    from generator.checks.audit import rendered_set

    texts = {str(path): path.read_bytes() for path in files}
    return rendered_set({name: yaml.load(text, Loader=yaml.CSafeLoader) for name, text in texts.items()}, texts)


# Sets using a macro (Fn::ForEach, AWS::Include at the Resources level), which the build never renders:
# their files are expanded as they are read, and their logical IDs are not the layout's.
MACROS = {"resources-from-foreach", "resources-from-an-include"}


@pytest.mark.parametrize("name", [m.name for m in load_corpus() if m.base and m.name not in MACROS]
                         + [f"clean {s}" for s in CLEAN_SETS])
def test_the_build_s_audit_of_rendered_data_finds_what_the_audit_of_files_finds(
    name: str, corpus: Corpus, clean_sets: CleanSets,
) -> None:
    """The build audits the data it rendered, with lines read off the text's layout, and never parses
    a template; that gives the same findings, at the same lines, as reading the files with cfn-lint."""
    if name.startswith("clean "):
        files = clean_sets.files(name.removeprefix("clean "))
    else:
        files, _ = corpus.run(MUTATIONS[name])
    assert audit_set(rendered(files)) == audit_files(files)
