"""Which files a template nests comes from its data (its `Resources` of type AWS::CloudFormation::Stack and
their TemplateURL), never from its text: a blueprint string that says "TemplateURL: /some/big/file" makes
no check, no cache key and no publish read that file."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.cfn.layout import nested_files
from generator.cfn.reader import read_template
from generator.cli import EXIT_OK, main
from generator.deploy.publish import package

GIB = 1024**3
# Written the ways a user might: plain, quoted, in a list-like string, after other text.
NOTES = ["TemplateURL: {big}", "TemplateURL: '{big}'", 'x\nTemplateURL: "{big}"', "see TemplateURL:{big} here"]


class Opened:
    """Every path opened from now on that names the watched file, in this process and in any process forked
    from it (the cfn-lint host and its workers): recorded through a file descriptor they inherit."""

    active = False

    def __init__(self, watched: Path, log: Path) -> None:
        self.watched = watched.name  # by name: a relative path (from a child's directory) counts too
        self.log = log
        self.fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def hook(self, event: str, args: tuple[object, ...]) -> None:
        if not Opened.active or event != "open" or not args:
            return
        target = args[0]
        if isinstance(target, str | bytes | os.PathLike) and self.watched in os.fsdecode(target):
            os.write(self.fd, f"{os.getpid()} {os.fsdecode(target)}\n".encode())
            raise PermissionError(f"the build opened {os.fsdecode(target)}")  # and so never reads it whole

    def seen(self) -> str:
        return self.log.read_text()


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[tuple[Path, Opened]]:
    big = tmp_path / "big-file"
    with big.open("wb") as file:
        file.truncate(2 * GIB)  # sparse: no disk, but 2 GiB to whoever reads it
    watch = Opened(big, tmp_path / "opened.log")
    sys.addaudithook(watch.hook)  # audit hooks cannot be removed: this one is switched off after the test
    Opened.active = True
    try:
        yield big, watch
    finally:
        Opened.active = False
        os.close(watch.fd)


@pytest.mark.parametrize("note", NOTES)
def test_a_blueprint_string_naming_a_file_makes_no_build_read_it(
    tmp_path: Path, opened: tuple[Path, Opened], note: str, capsys: pytest.CaptureFixture[str],
) -> None:
    big, watch = opened
    blueprint = tmp_path / "shop.yaml"
    value = note.format(big=big).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    blueprint.write_text(f"""\
name: shop
network: {{cidr: 10.1.0.0/16}}
services:
  api:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    environment: {{NOTE: "{value}"}}
""")
    out = tmp_path / "out"
    for extra in ([], ["--no-cache"], []):  # cold, without the cache, and the up-to-date fast path
        assert main(["build", str(blueprint), "-o", str(out), *extra]) == EXIT_OK, capsys.readouterr().err
    assert watch.seen() == ""
    service = (out / "shop" / "service-api.yaml").read_bytes()
    assert b"TemplateURL" in service  # the string is in the text ...
    assert nested_files(read_template(service, "service-api.yaml")) == {}  # ... and no stack in the data
    files = {p.name: p.read_bytes() for p in (out / "shop").iterdir() if p.suffix in (".yaml", ".json")}
    uploads = package(files, "", "shop", lambda key: f"https://bucket.s3.amazonaws.com/{key}")
    assert str(big) not in "".join(upload.body.decode() for upload in uploads if upload.filename != "service-api.yaml")
    assert watch.seen() == ""


def test_the_watch_sees_a_read_of_the_file(opened: tuple[Path, Opened]) -> None:
    """The test above could not pass by a watch that sees nothing."""
    big, watch = opened
    with pytest.raises(PermissionError):
        big.open("rb")
    assert str(big) in watch.seen()


def test_nested_files_are_stacks_with_a_local_template_url() -> None:
    template = {"Resources": {
        "Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "child.yaml"}},
        "Remote": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://b.s3/x.yaml"}},
        "Computed": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": {"Ref": "Url"}}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TemplateURL": "not-a-stack.yaml"}},
        "Odd": "not a mapping", "NoProperties": {"Type": "AWS::CloudFormation::Stack"},
    }}
    assert nested_files(template) == {"Child": "child.yaml"}
    assert nested_files({"Resources": ["a list"]}) == {}
    assert nested_files({}) == {}
