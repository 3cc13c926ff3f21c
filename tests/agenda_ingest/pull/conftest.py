"""Fixtures of the pull tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    """The remote servers of a pull, mocked: a route answers only what a test sets."""
    with respx.mock(assert_all_called=False) as router:
        yield router
