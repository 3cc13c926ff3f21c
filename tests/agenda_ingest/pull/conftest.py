"""Fixtures of the pull tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx
from pydantic import SecretStr

from ditep_core.settings import OAuth2Credential, Settings
from tests.conftest import make_settings

OAUTH = OAuth2Credential(
    kind="oauth2",
    token_url="https://auth.example/oauth2/token",
    client_id="ditep",
    client_secret=SecretStr("s3cret"),
    scope="system/*.read",
)


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    """The remote servers of a pull, mocked: a route answers only what a test sets."""
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def pull_settings() -> Settings:
    """FHIR pulls without pauses between attempts, two resources a page, a credential set."""
    return make_settings(
        pull_backoff_seconds=0, pull_fhir_page_size=2, pull_credentials={"dui": OAUTH}
    )
