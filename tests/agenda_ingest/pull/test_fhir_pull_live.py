"""FHIR pulls against a real local server (tests/agenda_ingest/pull/fhir_server.py): paging,
a deletion seen through ``_history``, the periodic full pull without it, and mTLS (a
server that requires a client certificate, certificates made by trustme)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from agenda_ingest.pull.fetcher import Fetcher
from agenda_ingest.pull.service import PullStatus, configure_source
from ditep_core.db import Database
from ditep_core.nomenclatures import SessionStatus
from ditep_core.protection import DataProtection
from ditep_core.settings import Settings
from ditep_core.tls import ClientTls
from tests.agenda_ingest.pull.fhir_server import FhirState, fhir_server
from tests.agenda_ingest.pull.pulling import stored_source
from tests.agenda_ingest.pull.test_fhir_pull import (
    T0,
    TEST_ALLOWLIST,
    _fhir_source,
    _pull,
)
from tests.agenda_ingest.pull.test_fhir_pull_deletions import HOUR, _sessions
from tests.agenda_ingest.pull.test_fhir_pull_deletions import _appointment as deletions_appointment
from tests.conftest import make_settings
from tests.tls import Certificates, mtls_certificates


def _appointment(number: int, status: str = "booked") -> dict[str, Any]:
    """One of the deletion tests' appointments, with the young person only (the local
    server includes no PractitionerRole)."""
    appointment = deletions_appointment(number, status)
    return {**appointment, "participant": appointment["participant"][:1]}


def _source_at(database: Database, url: str, credentials_name: str | None = None) -> int:
    return _fhir_source(
        database,
        "DUI FHIR (local)",
        url,
        fhir_resource="Appointment",
        credentials_name=credentials_name,
        allowlist=TEST_ALLOWLIST,
    )


def _state(count: int) -> FhirState:
    state = FhirState(clock="2025-03-10T07:00:00Z")
    for number in range(1, count + 1):
        state.put(_appointment(number))
    state.clock = "2025-03-10T07:59:00Z"
    return state


@pytest.mark.usefixtures("sample_ditep")
def test_a_deletion_is_seen_through_the_history_of_a_real_server(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
) -> None:
    state = _state(3)
    with fhir_server(state) as base:
        source_id = _source_at(database, base)
        first = _pull(database, source_id, pull_settings, protection)
        assert first.status is PullStatus.FETCHED, first.error
        assert (first.full, first.imported.created) == (True, 3)
        # Two appointments a page: two pages.
        assert sum(path.startswith("/fhir/Appointment?") for path in state.paths) == 2

        state.clock = "2025-03-10T08:30:00Z"
        state.delete("a2")
        state.clock = "2025-03-10T08:59:00Z"
        second = _pull(database, source_id, pull_settings, protection, T0 + HOUR)
        assert second.status is PullStatus.FETCHED, second.error
        assert second.full is True
        assert (second.imported.deleted, set(_sessions(database))) == (
            1,
            {"Appointment/a1", "Appointment/a3"},
        )

        state.clock = "2025-03-10T09:30:00Z"
        state.put(_appointment(3, "cancelled"))
        state.clock = "2025-03-10T09:59:00Z"
        before = len(state.paths)
        third = _pull(database, source_id, pull_settings, protection, T0 + 2 * HOUR)
    assert third.status is PullStatus.FETCHED, third.error
    assert (third.full, third.imported.updated) == (False, 1)
    assert _sessions(database)["Appointment/a3"] is SessionStatus.CANCELLED
    asked = state.paths[before:]
    assert asked[0].startswith("/fhir/Appointment/_history?_since=2025-03-10T08%3A54%3A00Z")
    assert "_lastUpdated=ge2025-03-10T08%3A54%3A00Z" in asked[-1]
    assert stored_source(database, source_id).fhir_history == "supported"


@pytest.mark.usefixtures("sample_ditep")
def test_without_history_a_real_server_is_pulled_in_full_every_n_pulls(
    database: Database,
    pull_settings: Settings,
    protection: DataProtection,
) -> None:
    state = _state(3)
    state.history = False
    with fhir_server(state) as base:
        source_id = _source_at(database, base)
        with database.unit_of_work() as session:
            configure_source(session, source_id, full_every_pulls=1)
        assert _pull(database, source_id, pull_settings, protection).full is True
        state.delete("a1")
        second = _pull(database, source_id, pull_settings, protection, T0 + HOUR)
        assert (second.full, second.imported.deleted) == (False, 0)
        assert stored_source(database, source_id).fhir_history == "unsupported"
        third = _pull(database, source_id, pull_settings, protection, T0 + 2 * HOUR)
    assert (third.full, third.imported.deleted) == (True, 1)
    assert set(_sessions(database)) == {"Appointment/a2", "Appointment/a3"}


# --- mTLS ---------------------------------------------------------------------------------


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return mtls_certificates(tmp_path)


def _tls_settings(tls: ClientTls | None) -> Settings:
    return make_settings(
        pull_backoff_seconds=0,
        pull_fhir_page_size=2,
        pull_tls={"dui-mtls": tls} if tls is not None else {},
    )


@pytest.mark.usefixtures("sample_ditep")
def test_a_pull_with_the_client_certificate_succeeds_without_it_fails_clearly(
    database: Database,
    protection: DataProtection,
    certificates: Certificates,
) -> None:
    state = _state(3)
    with fhir_server(state, tls=certificates.server) as base:
        assert base.startswith("https://127.0.0.1:")
        source_id = _source_at(database, base, credentials_name="dui-mtls")

        # The CA is trusted, but no client certificate: the server refuses the handshake.
        settings = _tls_settings(ClientTls(ca_file=certificates.ca_file))
        refused = _pull(database, source_id, settings, protection)
        assert refused.status is PullStatus.FAILED
        assert refused.error is not None
        assert "requires a client certificate and none is set" in refused.error
        assert "DITEP_PULL_TLS" in refused.error
        assert refused.attempts == 1  # not retried: it would fail the same way
        assert stored_source(database, source_id).last_pull_error == refused.error
        assert _sessions(database) == {}

        # The client certificate but not the CA: the server's certificate is not trusted.
        settings = _tls_settings(ClientTls(cert_file=certificates.client_file))
        untrusted = _pull(database, source_id, settings, protection)
        assert untrusted.error is not None
        assert "certificate is not trusted" in untrusted.error

        # With the client certificate (files): the pull goes through, pages and all.
        settings = _tls_settings(
            ClientTls(
                cert_file=certificates.client_cert_file,
                key_file=certificates.client_key_file,
                ca_file=certificates.ca_file,
            )
        )
        pulled = _pull(database, source_id, settings, protection, fetcher=None)
        assert pulled.status is PullStatus.FETCHED, pulled.error
        assert pulled.imported.created == 3

        # The same as secret values (PEM in the environment), the key in the same PEM.
        state.clock = "2025-03-10T08:30:00Z"
        state.put(_appointment(2, "fulfilled"))
        state.clock = "2025-03-10T08:59:00Z"
        settings = _tls_settings(
            ClientTls(
                cert_pem=SecretStr(certificates.client_file.read_text()),
                ca_pem=certificates.ca_file.read_text(),
            )
        )
        fetcher = Fetcher.from_settings(settings)
        again = _pull(database, source_id, settings, protection, T0 + HOUR, fetcher)
    assert again.status is PullStatus.FETCHED, again.error
    assert again.imported.updated == 1
    assert _sessions(database)["Appointment/a2"] is SessionStatus.DONE


@pytest.mark.usefixtures("sample_ditep")
def test_a_client_certificate_that_cannot_be_loaded_names_its_setting(
    database: Database,
    protection: DataProtection,
    certificates: Certificates,
    tmp_path: Path,
) -> None:
    source_id = _source_at(database, "https://dui.example/fhir", credentials_name="dui-mtls")
    settings = _tls_settings(
        ClientTls(cert_file=tmp_path / "missing.pem", ca_file=certificates.ca_file)
    )
    failed = _pull(database, source_id, settings, protection)
    assert failed.status is PullStatus.FAILED
    assert failed.error is not None
    assert failed.error.startswith("DITEP_PULL_TLS['dui-mtls']: the client certificate")
    assert "no file" in failed.error
