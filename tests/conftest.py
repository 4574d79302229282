"""Suite-wide: builds remember clean checks in a cache of their own, never the user's, authenticated
with a secret of their own (the state directory), never the user's."""

from __future__ import annotations

import os
import tempfile

import pytest


@pytest.fixture(autouse=True, scope="session")
def private_check_cache() -> object:
    names = ("BLUEPRINT_CACHE_DIR", "XDG_STATE_HOME")
    previous = {name: os.environ.get(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="blueprint-test-cache-") as directory, \
            tempfile.TemporaryDirectory(prefix="blueprint-test-state-") as state:
        os.environ["BLUEPRINT_CACHE_DIR"] = directory
        os.environ["XDG_STATE_HOME"] = state
        yield directory
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
