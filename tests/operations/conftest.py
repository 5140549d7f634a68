"""Fixtures for the operations tests (vault key rotation, backup and restore, faults)."""
from __future__ import annotations

import pytest
from ops_support import make_app, new_key, populate


@pytest.fixture
def k1() -> str:
    return new_key()


@pytest.fixture
def k2() -> str:
    return new_key()


@pytest.fixture
def world(data_dir, k1):
    """A small territory touching every vault table, sealed with `k1`; returns (app, world)."""
    app = make_app(data_dir, k1)
    return app, populate(app)
