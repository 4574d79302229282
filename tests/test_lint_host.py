"""The cfn-lint host process: answers batch after batch, reports its own failure, and leaves nothing
running once closed, whether it was linting, still loading its rules, or never used."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import generator.checks.lint
from generator.checks.cache import CleanCache
from generator.checks.lint import Linter, lint_files

BROKEN = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      CidrBlock: 10.0.0.0/24
      VpcId:
        Ref: NoSuchVpc
"""
CLEAN = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Topic:
    Type: AWS::SNS::Topic
"""


def gone(pid: int) -> bool:
    """The process and its process group (its workers) no longer exist."""
    for probe in (lambda: os.kill(pid, 0), lambda: os.killpg(pid, 0)):
        try:
            probe()
            return False
        except ProcessLookupError:
            pass
    return True


def templates(tmp_path: Path, **texts: str) -> list[Path]:
    paths = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        paths.append(path)
    return paths


def test_batches_are_answered_in_order_and_only_clean_templates_are_remembered(tmp_path: Path) -> None:
    queue = CLEAN.replace("SNS::Topic", "SQS::Queue")
    broken, clean, other = templates(tmp_path, broken=BROKEN, clean=CLEAN, other=queue)
    cache = CleanCache(tmp_path / "cache")
    with Linter(jobs=2) as linter:
        first = linter.submit([broken, clean], {broken: "shown-as.yaml"}, cache)
        assert (first.linted, first.cached) == (2, 0)
        findings = first.result()
        assert [(f.filename, f.rule) for f in findings] == [("shown-as.yaml", "E1020")]
        second = linter.submit([broken, clean, other], cache=cache)  # the clean one is not linted again
        assert (second.linted, second.cached) == (2, 1)
        assert [f.rule for f in second.result()] == ["E1020"]
        pid = linter._process.pid  # type: ignore[union-attr]
    assert gone(pid)


def test_closing_while_the_rules_load_leaves_nothing_running() -> None:
    linter = Linter().start()
    pid = linter._process.pid  # type: ignore[union-attr]
    linter.close()
    assert gone(pid)


def test_closing_while_linting_ends_the_workers_too(tmp_path: Path) -> None:
    paths = templates(tmp_path, **{f"t{i}": CLEAN for i in range(6)})
    linter = Linter(jobs=2).start()
    linter.submit(paths)
    pid = linter._process.pid  # type: ignore[union-attr]
    linter.close()
    assert gone(pid)


def test_ctrl_c_reaches_the_build_not_the_host(tmp_path: Path) -> None:
    (clean,) = templates(tmp_path, clean=CLEAN)
    with Linter(jobs=1) as linter:
        linter.start()
        os.kill(linter._process.pid, signal.SIGINT)  # type: ignore[union-attr]
        assert linter.submit([clean]).result() == []


def test_a_host_that_cannot_load_cfn_lint_fails_the_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_runner() -> None:
        raise ImportError("no cfn-lint here")

    monkeypatch.setattr(generator.checks.lint, "_runner", broken_runner)
    (clean,) = templates(tmp_path, clean=CLEAN)
    with pytest.raises(RuntimeError, match="no cfn-lint here"), Linter() as linter:
        linter.submit([clean]).result()


def test_nothing_to_lint_starts_nothing(tmp_path: Path) -> None:
    (clean,) = templates(tmp_path, clean=CLEAN)
    cache = CleanCache(tmp_path / "cache")
    assert lint_files([clean], cache=cache) == []
    linter = Linter()
    assert linter.submit([clean], cache=cache).result() == []
    assert linter._process is None


def test_an_abandoned_batch_does_not_answer_the_next_one(tmp_path: Path) -> None:
    """A build that fails after submitting (say, in the audit) never reads its answer; the next does not
    get it in place of its own."""
    broken, clean = templates(tmp_path, broken=BROKEN, clean=CLEAN)
    with Linter(jobs=1) as linter:
        linter.submit([broken])  # abandoned
        assert linter.submit([clean]).result() == []
        assert [f.rule for f in linter.submit([broken]).result()] == ["E1020"]


NESTING = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: child.yaml
"""
ROOT = NESTING + """\
      Parameters:
        Name: x
"""
CHILD = """\
AWSTemplateFormatVersion: '2010-09-09'
Description: 'a child

  over two lines'
Parameters:
  Name:
    Type: String
    Description: 'first line

      second line'
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName:
        Ref: Name
"""


def test_a_root_is_linted_again_when_a_child_s_parameters_change_and_only_then(tmp_path: Path) -> None:
    from generator.checks.lint import lint_key

    root, child = templates(tmp_path, root=ROOT, child=CHILD)
    key = lint_key(root)
    child.write_text(CHILD.replace("AWS::SNS::Topic", "AWS::SQS::Queue").replace("a child", "one child"))
    assert lint_key(root) == key  # E3043 reads nothing outside the child's Parameters
    for edit in (CHILD.replace("Type: String", "Type: Number"), CHILD.replace("second line", "2nd line"),
                 CHILD.replace("  Name:", "  Name:\n    Default: y"), CHILD.replace("Parameters:\n", "Other:\n")):
        child.write_text(edit)
        assert lint_key(root) != key, edit
    child.write_text('{"Parameters": {"Name": {"Type": "String"}}}')  # not ours: the whole file counts
    json_key = lint_key(root)
    child.write_text('{"Parameters": {"Name": {"Type": "String"}}, "Resources": {}}')
    assert lint_key(root) != json_key


ROOT_WITH_GETATT = NESTING + """\
Outputs:
  Topic:
    Value:
      Fn::GetAtt:
      - Child
      - Outputs.TopicName
"""
CHILD_WITH_OUTPUT = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  TopicName:
    Value:
      Fn::GetAtt:
      - Topic
      - TopicName
"""


def test_a_cached_root_is_linted_again_when_a_child_s_outputs_change(tmp_path: Path) -> None:
    """cfn-lint checks `GetAtt Child.Outputs.X` against the child's outputs (from any directory: the
    templates here lie outside the working directory), so the root's key holds them."""
    root, child = templates(tmp_path, root=ROOT_WITH_GETATT, child=CHILD_WITH_OUTPUT)
    cache = CleanCache(tmp_path / "cache")
    assert lint_files([root, child], cache=cache) == []
    child.write_text(CHILD_WITH_OUTPUT.replace("  TopicName:", "  Renamed:"))
    found = lint_files([root, child], cache=cache)
    assert [f.filename for f in found] == [str(root)]
    assert "Outputs.TopicName" in found[0].message and "Outputs.Renamed" in found[0].message


def test_a_root_is_not_remembered_clean_while_a_child_it_nests_is_not(tmp_path: Path) -> None:
    from generator.checks.lint import lint_key

    root, child = templates(tmp_path, root=ROOT_WITH_GETATT, child="AWSTemplateFormatVersion: [unreadable\n")
    cache = CleanCache(tmp_path / "cache")
    found = lint_files([root, child], cache=cache)
    assert {f.filename for f in found} == {str(child)}  # cfn-lint skips a child it cannot read
    assert not cache.is_clean(lint_key(root))
    child.write_text(CHILD_WITH_OUTPUT)
    assert lint_files([root, child], cache=cache) == []
    assert cache.is_clean(lint_key(root))


def test_no_cfnlintrc_changes_what_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither ~/.cfnlintrc nor ./.cfnlintrc is read: the cache key could not know about them."""
    strict = "configure_rules:\n  E3012:\n    strict: true\n"
    for home in (tmp_path / "home", tmp_path / "project"):
        home.mkdir()
        (home / ".cfnlintrc").write_text(strict)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "project")
    (template,) = templates(tmp_path, loose=CLEAN.replace("Type: AWS::SNS::Topic", "Type: AWS::SQS::Queue\n"
                                                          "    Properties:\n      DelaySeconds: '5'"))
    generator.checks.lint._runner.cache_clear()  # the host loads its rules here, with these files around
    try:
        assert lint_files([template]) == []
    finally:
        generator.checks.lint._runner.cache_clear()


def test_a_linter_can_be_used_again_after_closing(tmp_path: Path) -> None:
    broken, clean = templates(tmp_path, broken=BROKEN, clean=CLEAN)
    linter = Linter(jobs=1)
    with linter:
        assert linter.submit([clean]).result() == []
    with linter:
        assert [f.rule for f in linter.submit([broken]).result()] == ["E1020"]


def test_a_stale_batch_never_takes_another_batch_s_answer(tmp_path: Path) -> None:
    from generator.checks.lint import lint_key

    broken, clean = templates(tmp_path, broken=BROKEN, clean=CLEAN)
    cache = CleanCache(tmp_path / "cache")
    with Linter(jobs=1) as linter:
        stale = linter.submit([broken], cache=cache)
        assert linter.submit([clean], cache=cache).result() == []
        with pytest.raises(RuntimeError, match="is gone"):
            stale.result()
    assert not cache.is_clean(lint_key(broken))


SCRIPT = """
import os, signal, sys
from pathlib import Path
from generator.checks.lint import Linter
linter = Linter(jobs=2).start()
paths = sorted(Path(sys.argv[1]).glob("*.yaml"))
linter.submit(paths)
print(linter._process.pid, flush=True)
if sys.argv[2] == "killed":
    os.kill(os.getpid(), signal.SIGKILL)
# else: exit without closing it
"""


@pytest.mark.parametrize("ending", ["killed", "not closed"])
def test_the_host_and_its_workers_end_with_the_build(tmp_path: Path, ending: str) -> None:
    import subprocess
    import sys
    import time

    templates(tmp_path, **{f"t{i}": CLEAN for i in range(40)})
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), ending], capture_output=True, text=True,
                         timeout=60)
    host = int(run.stdout.split()[0])
    deadline = time.monotonic() + 10
    while not gone(host) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(host)
    assert "Traceback" not in run.stderr


def test_a_json_root_s_children_are_read_from_its_data(tmp_path: Path) -> None:
    from generator.checks.lint import lint_key

    (root,) = templates(tmp_path, root='{"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", '
                                        '"Properties": {"TemplateURL": "child.yaml"}}}}')
    child = tmp_path / "child.yaml"
    child.write_text(CHILD_WITH_OUTPUT)
    cache = CleanCache(tmp_path / "cache")
    assert lint_files([root, child], cache=cache) == []
    assert cache.is_clean(lint_key(root))
    child.write_text(CHILD_WITH_OUTPUT.replace("  TopicName:", "  Renamed:"))
    assert not cache.is_clean(lint_key(root))  # the child's Outputs are part of the root's key


@pytest.mark.parametrize("url", ["../outside/child.yaml", "{outside}/child.yaml"])
def test_a_template_nesting_a_file_outside_its_directory_is_never_remembered_clean(tmp_path: Path, url: str) -> None:
    from generator.checks.lint import lint_key

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "child.yaml").write_text(CHILD_WITH_OUTPUT)
    inside = tmp_path / "inside"
    inside.mkdir()
    (root,) = templates(inside, root=NESTING.replace("child.yaml", url.format(outside=outside)))
    cache = CleanCache(tmp_path / "cache")
    assert lint_files([root], cache=cache) == []
    assert not cache.is_clean(lint_key(root))


def test_a_child_that_is_a_link_is_read_as_unreadable_and_its_root_never_remembered(tmp_path: Path) -> None:
    from generator.checks.lint import lint_key

    (root,) = templates(tmp_path, root=ROOT_WITH_GETATT)
    target = tmp_path / "target.yaml"
    target.write_text(CHILD_WITH_OUTPUT)
    (tmp_path / "child.yaml").symlink_to(target)
    cache = CleanCache(tmp_path / "cache")
    assert lint_files([root, target], cache=cache) == []  # cfn-lint follows the link; the key does not
    assert not cache.is_clean(lint_key(root))
