"""Shared by the review tests: inline blueprints built in memory (no lint: fast), written out as
output directories when a test needs files, and golden files with one way to refresh them."""

from __future__ import annotations

import copy
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from shared import CERT, load

from generator.pipeline import documents, generate
from generator.review.diff import Apps

__all__ = ["CERT", "load"]  # the review tests import these from here too

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = "BLUEPRINT_UPDATE_GOLDEN"  # BLUEPRINT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/review

# A public api on EC2 hosts calling an internal images service, and an internal admin nobody calls.
SHOP = """\
name: shop
network:
  cidr: 10.0.0.0/16
cluster:
  instances: {type: t3.medium, min: 1, max: 4}
services:
  api:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    expose: public
    count: 2
    talks_to: [images]
  images:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
    count: 2
  admin:
    image: public.ecr.aws/nginx/nginx:1.27
    port: 8080
"""


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} is not in the blueprint exactly once"
    return text.replace(old, new)


@cache
def _apps(text: str) -> tuple[str, dict[str, bytes]]:
    blueprint = load(text)
    return blueprint.name, generate(blueprint)


@cache
def _parsed(text: str) -> Apps:
    name, files = _apps(text)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return {name: {filename: yaml.load(content, Loader=loader) for filename, content in files.items()
                   if filename.endswith(".yaml")}}


def apps(text: str) -> Apps:
    """One application's templates as `blueprint diff` reads them from disk (a fresh copy per call)."""
    return copy.deepcopy(_parsed(text))


def templates(text: str) -> dict[str, dict[str, Any]]:
    return documents(load(text))


def write_output(directory: Path, text: str) -> Path:
    """DIR/<name>/ with every file a build would write (lint skipped)."""
    name, files = _apps(text)
    target = directory / name
    target.mkdir(parents=True, exist_ok=True)
    for filename, content in files.items():
        (target / filename).write_bytes(content)
    return directory


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get(UPDATE_GOLDEN):
        if os.environ.get("CI"):
            pytest.fail(f"{UPDATE_GOLDEN} rewrites golden files; it is refused in CI, where it would pass anything")
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run {UPDATE_GOLDEN}=1 .venv/bin/pytest tests/review"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs; if the change is intended: {UPDATE_GOLDEN}=1 .venv/bin/pytest " \
                               "tests/review, then review the golden diff"
