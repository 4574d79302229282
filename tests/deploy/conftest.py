"""Fixtures for deploy tests: one patched moto server per test session, on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import MotoCloud, moto_cloud


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoCloud]:
    """The running server. Shared by every deploy test: deploy under unique names (deploy() does),
    and scope read-backs to your own stack's resources (moto also has a default VPC)."""
    with moto_cloud() as cloud:
        yield cloud


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """moto warns for every resource type it cannot model; declared_vs_created() checks those instead."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto"))
