"""docs/errors.md, the catalogue of loader errors, stays in step with the loader: the committed page is what
the loader says today, and every rule, every kind of model error and every message the code can give has
an example there. Adding an error without an example fails here."""

from __future__ import annotations

import ast
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from generator.blueprint import catalogue, catalogue_examples, rules
from generator.blueprint.annotations import Meaning
from generator.blueprint.load import _TYPE_WORDS
from generator.blueprint.model import Blueprint
from generator.blueprint.source import decode, parse

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "generator" / "blueprint"
COMMITTED = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
# pydantic's own phrasing, which load.py rewrites for the errors it has no words of its own for.
NOT_MESSAGES = {"Input should be", "Value should have"}


def examples(prefix: str) -> dict[str, list[catalogue.Example]]:
    found: dict[str, list[catalogue.Example]] = {}
    for example in catalogue.EXAMPLES:
        if example.covers.startswith(prefix):
            found.setdefault(example.covers.removeprefix(prefix), []).append(example)
    return found


def test_the_committed_catalogue_is_what_the_loader_says_today() -> None:
    assert catalogue.render() == COMMITTED, "run `python -m generator.blueprint.catalogue > docs/errors.md`"


@pytest.mark.parametrize("example", catalogue.EXAMPLES, ids=lambda example: example.title)
def test_every_example_is_refused_with_located_errors(example: catalogue.Example) -> None:
    errors = example.errors()
    assert errors
    assert all(line.startswith(f"{catalogue_examples.FILENAME}:") and ": error: " in line for line in errors)


def test_every_cross_field_rule_has_an_example_that_breaks_it() -> None:
    covered = examples("rule:")
    assert sorted(covered) == sorted(rule.__name__ for rule in rules.RULES)
    for rule in rules.RULES:
        for example in covered[rule.__name__]:
            blueprint = Blueprint.model_validate(parse(decode(example.data))[0])
            assert list(rule(blueprint)), f"{example.title!r} does not break {rule.__name__}"


def handled_kinds() -> set[str]:
    """The pydantic error types load.py has words for: each `kind == ...` and `kind in (...)` of `_located`,
    and the wrong-type errors."""
    tree = ast.parse((PACKAGE / "load.py").read_text(encoding="utf-8"))
    kinds = set(_TYPE_WORDS)
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "kind":
            for comparator in node.comparators:
                values = comparator.elts if isinstance(comparator, ast.Tuple) else [comparator]
                kinds.update(value.value for value in values if isinstance(value, ast.Constant))
    return kinds


def test_every_kind_of_model_error_has_an_example_that_gives_it() -> None:
    covered = examples("model:")
    assert sorted(covered) == sorted(handled_kinds())
    for kind, found in covered.items():
        for example in found:
            raw, _, _ = parse(decode(example.data))
            with pytest.raises(ValidationError) as failed:
                Blueprint.model_validate(raw)
            assert kind in {error["type"] for error in failed.value.errors()}, example.title


def patterned_texts(annotation: Any, seen: set[type[BaseModel]]) -> Iterator[tuple[str, Meaning | None]]:
    """Every text pattern in the model's annotations, each with the Meaning its type gives it (or None)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in seen:
            seen.add(annotation)
            for field in annotation.model_fields.values():  # pydantic keeps a field's own Annotated here
                yield from with_meaning(field.metadata)
                yield from patterned_texts(field.annotation, seen)
        return
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *metadata = typing.get_args(annotation)
        yield from with_meaning(metadata)
        yield from patterned_texts(inner, seen)
        return
    for argument in typing.get_args(annotation):
        yield from patterned_texts(argument, seen)


def with_meaning(metadata: list[Any]) -> Iterator[tuple[str, Meaning | None]]:
    constraints = [inner for item in metadata for inner in (item.metadata if isinstance(item, FieldInfo) else [item])]
    meanings = [item for item in metadata if isinstance(item, Meaning)]
    for pattern in filter(None, (getattr(constraint, "pattern", None) for constraint in constraints)):
        yield pattern, (meanings or [None])[0]


def test_every_pattern_is_explained_in_words_and_has_an_example() -> None:
    found = list(patterned_texts(Blueprint, set()))
    assert len({pattern for pattern, _ in found}) >= 15  # the walk reaches into unions, lists and mapping keys
    assert [pattern for pattern, meaning in found if meaning is None] == [], "give each pattern a Meaning"
    for _, meaning in found:
        assert f"is not {meaning.words}" in COMMITTED  # type: ignore[union-attr]


def message_fragments(path: Path) -> Iterator[tuple[int, str]]:
    """The words of every message in a module: each string and f-string part of three words or more,
    leaving out docstrings and the field descriptions of the model (a `description=` argument, or a module's
    `*_DESCRIPTION` constant that one takes, and what feeds it: a function whose name ends in `_in_words`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    left_out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                left_out.add(id(first.value))
        if isinstance(node, ast.keyword) and node.arg == "description":
            left_out.update(id(inner) for inner in ast.walk(node.value))
        described = isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id.endswith("_DESCRIPTION") for target in node.targets)
        if described or (isinstance(node, ast.FunctionDef) and node.name.endswith("_in_words")):
            left_out.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in left_out:
            words = node.value.strip()
            if words.count(" ") >= 2 and words not in NOT_MESSAGES:
                yield node.lineno, words


@pytest.mark.parametrize("module", ["source.py", "load.py", "model.py", "rules.py", "service_rules.py",
                                    "deployment.py", "deployment_rules.py", "traffic.py", "permissions.py",
                                    "messaging.py", "messaging_rules.py", "environment.py", "environments.py",
                                    "schedules.py", "jobs.py", "capacity.py", "job_rules.py", "capacity_rules.py",
                                    "domain.py"])
def test_every_message_the_code_can_give_is_in_the_catalogue(module: str) -> None:
    missing = [f"{module}:{line}: {words!r}" for line, words in message_fragments(PACKAGE / module)
               if words not in COMMITTED]
    assert missing == [], "add an example to generator/blueprint/catalogue.py and render docs/errors.md"
