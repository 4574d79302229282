"""Fixtures for the audit tests: the clean template sets, each built at most once per session, and
the corpus's mutations, each applied and audited at most once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks.audit import Finding, audit_files
from generator.pipeline import build

from .mutations import BLUEPRINTS, EXAMPLE, HAND_WRITTEN, SHOP, STOREFRONT, Mutation, apply


class CleanSets:
    """photos, storefront and shop are committed (output/); fargate and mixed are built from blueprints/ on first use
    (a build runs cfn-lint, about two seconds)."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.built: dict[str, Path] = {"photos": EXAMPLE, "storefront": STOREFRONT, "shop": SHOP}

    def files(self, name: str) -> list[Path]:
        if name not in self.built:
            self.built[name] = build(BLUEPRINTS / f"{name}.yaml", self.scratch).directory
        return sorted(self.built[name].glob("*.yaml"))


class Corpus:
    def __init__(self, clean: CleanSets, scratch: Path) -> None:
        self.clean = clean
        self.scratch = scratch
        self.results: dict[str, tuple[list[Path], list[Finding]]] = {}

    def run(self, mutation: Mutation) -> tuple[list[Path], list[Finding]]:
        """The mutated files and what the audit finds in them."""
        if mutation.name not in self.results:
            sources = self.clean.files(mutation.base) if mutation.base else \
                [HAND_WRITTEN / name for name in mutation.templates]
            files = apply(mutation, sources, self.scratch / mutation.name)
            self.results[mutation.name] = files, audit_files(files)
        return self.results[mutation.name]


@pytest.fixture(scope="session")
def clean_sets(tmp_path_factory: pytest.TempPathFactory) -> CleanSets:
    return CleanSets(tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="session")
def corpus(clean_sets: CleanSets, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(clean_sets, tmp_path_factory.mktemp("mutated"))
