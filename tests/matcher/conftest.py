"""Fixtures of the matcher's tests: the real taxonomy and an empty territory to fill."""
from __future__ import annotations

import pytest

from data.taxonomy import load_taxonomy
from matcher_support import Territory


@pytest.fixture(scope="session")
def taxonomy():
    return load_taxonomy()


@pytest.fixture
def territory(taxonomy) -> Territory:
    return Territory(taxonomy)
