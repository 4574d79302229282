"""Suite-wide: builds remember clean checks in a cache of their own, never the user's."""

from __future__ import annotations

import os
import tempfile

import pytest


@pytest.fixture(autouse=True, scope="session")
def private_check_cache() -> object:
    previous = os.environ.get("BLUEPRINT_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="blueprint-test-cache-") as directory:
        os.environ["BLUEPRINT_CACHE_DIR"] = directory
        yield directory
    if previous is None:
        os.environ.pop("BLUEPRINT_CACHE_DIR", None)
    else:
        os.environ["BLUEPRINT_CACHE_DIR"] = previous
