"""`blueprint diff` compares values as CloudFormation reads them (scalars by their string form), writes
any value YAML can hold as JSON, and never hangs on hostile YAML: each case through the command."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest

from generator.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from generator.review.diff import diff_apps
from generator.review.diff.values import plain, same, show_value

BUCKET = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/a/1
      Port: {port}
      Protocol: HTTP
      DefaultActions: [{{Type: fixed-response, FixedResponseConfig: {{StatusCode: "200"}}}}]
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: logs
      ObjectLockEnabled: {lock}
      Tags:
      - Key: expires
        Value: {date}
"""


def write_app(root: Path, text: str, name: str = "root.yaml") -> Path:
    (root / "app").mkdir(parents=True, exist_ok=True)
    (root / "app" / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("before", "after"), [
    ({"port": "80", "lock": "true", "date": "2024-01-01"}, {"port": '"80"', "lock": '"true"', "date": '"2024-01-01"'}),
    ({"port": "80", "lock": "false", "date": "2024-01-01 10:00:00"},
     {"port": "'80'", "lock": "'false'", "date": "'2024-01-01 10:00:00'"}),
    ({"port": "80", "lock": "true", "date": "2024-01-01T10:00:00Z"},
     {"port": '"80"', "lock": '"true"', "date": '"2024-01-01T10:00:00Z"'}),
    ({"port": "8.5", "lock": "true", "date": "2024-01-01"},
     {"port": '"8.5"', "lock": '"true"', "date": '"2024-01-01"'}),
])
def test_a_scalar_and_its_quoted_string_form_are_no_change(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          before: dict[str, str], after: dict[str, str]) -> None:
    base = write_app(tmp_path / "base", BUCKET.format(**before))
    head = write_app(tmp_path / "head", BUCKET.format(**after))

    assert main(["diff", str(base), str(head), "--fail-on", "any"]) == EXIT_OK
    assert capsys.readouterr().out == "No changes to the generated templates.\n"


@pytest.mark.parametrize(("before", "after", "path"), [
    ({"port": "80"}, {"port": '"8080"'}, "/Port"),
    ({"lock": "true"}, {"lock": '"false"'}, "/ObjectLockEnabled"),
    ({"date": "2024-01-01"}, {"date": '"2024-01-02"'}, "/Tags[expires]/Value"),
    ({"port": "80"}, {"port": "80.0"}, "/Port"),  # "80" and "80.0" are different strings
])
def test_a_different_string_form_is_a_change(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             before: dict[str, str], after: dict[str, str], path: str) -> None:
    values = {"port": "80", "lock": "true", "date": "2024-01-01"}
    base = write_app(tmp_path / "base", BUCKET.format(**{**values, **before}))
    head = write_app(tmp_path / "head", BUCKET.format(**{**values, **after}))

    assert main(["diff", str(base), str(head), "--format", "json", "--fail-on", "any"]) == EXIT_INVALID
    report = json.loads(capsys.readouterr().out)
    changes = [c["path"] for s in report["applications"][0]["stacks"] for r in s["resources"] for c in r["changes"]]
    assert changes == [path]


def test_json_writes_dates_binary_sets_and_nan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write_app(tmp_path / "base", BUCKET.format(port=80, lock="true", date="2024-01-01"))
    head = write_app(tmp_path / "head", BUCKET.format(port=80, lock="true", date="2025-06-30 12:00:00")
                     .replace("BucketName: logs", "BucketName: !!binary aGVsbG8=\n      Extra: {when: 2024-01-01, "
                              "seen: !!set {a, b}, ratio: .nan, 2024-02-02: key}"))

    assert main(["diff", str(base), str(head), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)  # strict JSON: no NaN, no traceback
    changes = {c["path"]: c for r in report["applications"][0]["stacks"][0]["resources"] for c in r["changes"]}
    assert changes["/Tags[expires]/Value"]["old"] == "2024-01-01"
    assert changes["/BucketName"]["new"] == "aGVsbG8="
    assert changes["/Extra"]["new"] == {"when": "2024-01-01", "seen": ["a", "b"], "ratio": "nan", "2024-02-02": "key"}
    assert main(["diff", str(base), str(head)]) == EXIT_OK  # and the text report shows them too
    assert "/Extra: (none) -> " in capsys.readouterr().out


def test_equality_rules() -> None:
    assert same({"A": 1, "B": [True, "x"]}, {"B": ["true", "x"], "A": "1"})
    assert not same(None, "null") and not same(1, "1.0") and not same([1], [1, 1])
    assert same({80: "x"}, {"80": "x"})
    assert plain({"k": {1, 2}}) == {"k": [1, 2]}
    assert show_value(float("inf")) == "inf"


ALIAS_BOMB = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
      b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
      c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
      d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
      e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
      f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
      g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
      h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
      i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
      j: &j [*i,*i,*i,*i,*i,*i,*i,*i,*i]
      k: &k {x: *j, y: *j, z: *j, w: *j, v: *j, u: *j, t: *j, s: *j, r: *j}
"""


@pytest.mark.parametrize("side", ["base", "head"])
def test_an_alias_bomb_is_refused_at_once_in_little_memory(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          side: str) -> None:
    assert len(ALIAS_BOMB) < 1024
    plain_bucket = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
    base = write_app(tmp_path / "base", ALIAS_BOMB if side == "base" else plain_bucket)
    head = write_app(tmp_path / "head", ALIAS_BOMB if side == "head" else plain_bucket)
    started, memory = time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    assert main(["diff", str(base), str(head)]) == EXIT_USAGE

    assert time.process_time() - started < 5  # well under a second alone; generous for a shared machine
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory < 100_000  # KiB
    err = capsys.readouterr().err
    assert f"{side}/app/root.yaml" in err and "alias" in err and "Traceback" not in err


def test_aliases_within_the_budget_are_compared_as_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = ALIAS_BOMB.split("      f:")[0]  # 9**5 values once expanded: under the decoder's budget
    base = write_app(tmp_path / "base", small)
    head = write_app(tmp_path / "head", small.replace('"lol","lol"]', '"lol","LOL"]'))
    started = time.process_time()

    assert main(["diff", str(base), str(head), "--fail-on", "any"]) == EXIT_INVALID

    assert time.process_time() - started < 10
    assert "Bucket AWS::S3::Bucket in-place" in capsys.readouterr().out


def test_conditions_that_refer_to_each_other_are_compared_in_linear_time() -> None:
    conditions = {"C0": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}}
    for level in range(1, 60):  # each condition twice the one before: 2**60 leaves if inlined
        conditions[f"C{level}"] = {"Fn::And": [{"Condition": f"C{level - 1}"}, {"Condition": f"C{level - 1}"}]}
    template = {"Conditions": conditions, "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Condition": "C59"}}}
    changed = {**template, "Conditions": {**conditions, "C0": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}}}
    started = time.process_time()

    result = diff_apps({"app": {"root.yaml": template}}, {"app": {"root.yaml": changed}})

    assert time.process_time() - started < 5
    [bucket] = result.resources
    assert bucket.changes[0].path == "Condition" and "Condition C59" in bucket.changes[0].reason
