"""No secret reaches a log line: keys, the pseudonym secret, credentials, query strings.

Attacks: a 500 while a bearer key is in the request (the traceback's frames hold it,
and the exception's message repeats it), a key sent in a query string (uvicorn's
access log stores the query as sent), invalid settings (pydantic's message repeats
every input).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

import activity_api.activity.endpoints as activity_endpoints
from activity_api.main import create_app as create_api_app
from ditep_core import migrations
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from ditep_core.observability import REDACTED, Redactor, settings_secrets
from ditep_core.settings import OAuth2Credential, SettingsError, load_settings
from tests.conftest import MIGRATIONS_DIR, TEST_SECRET, KeyMaker, SampleDitep, make_settings
from tests.http import app_client
from tests.live import free_port

PULL_TOKEN = "pull-bearer-token-0123456789"
PULL_PASSWORD = "caldav-password-0123456789"
ROR_SECRET = "ror-client-secret-0123456789"


def _bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.mark.parametrize("log_json", [True, False], ids=["json", "console"])
def test_a_500_logs_neither_the_key_nor_any_secret(
    settings: Any,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    log_json: bool,
) -> None:
    headers = make_key(Scope.ACTIVITY_READ, finess=(sample_ditep.finess,))
    key = _bearer(headers)
    configured = make_settings(
        settings.database_url,
        log_json=log_json,
        pull_credentials={
            "vendor": {"kind": "bearer", "token": PULL_TOKEN},
            "caldav": {"kind": "basic", "username": "u", "password": PULL_PASSWORD},
        },
        ror_oauth2=OAuth2Credential(
            kind="oauth2",
            token_url="https://ror.example/token",
            client_id="ditep",
            client_secret=SecretStr(ROR_SECRET),
        ),
    )

    def failing_report(*_args: object, **_kwargs: object) -> dict[str, object]:
        # What a bug's frame would hold, and a message that repeats it all.
        pseudonym_secret = configured.pseudonym_secret.get_secret_value()
        authorization = f"Bearer {key}"
        credentials = [PULL_TOKEN, PULL_PASSWORD, ROR_SECRET]
        raise RuntimeError(
            f"cannot count for {authorization} ({pseudonym_secret}, {credentials}, "
            f"https://vendor.example/export?key={key}&token={PULL_TOKEN})"
        )

    monkeypatch.setattr(activity_endpoints, "activity_report", failing_report)
    app = create_api_app(configured, database=database)
    capsys.readouterr()
    with app_client(app) as client:
        response = client.get(
            f"/v1/establishments/{sample_ditep.finess}/activity",
            params={"period": "2025-03"},
            headers={**headers, "Cookie": f"session={key}"},
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    log = capsys.readouterr().err
    assert "unhandled_exception" in log
    assert "RuntimeError" in log
    assert "failing_report" in log
    for secret in (key, key.split("_", 2)[2], TEST_SECRET, PULL_TOKEN, PULL_PASSWORD, ROR_SECRET):
        assert secret not in log
    assert REDACTED in log
    # No locals: the error's lines stay small (they were ~290 KB with them).
    assert len(log) < 20_000, len(log)
    if log_json:
        events = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        error = next(event for event in events if event["event"] == "unhandled_exception")
        frames = error["exception"][0]["frames"]
        assert frames
        assert all("locals" not in frame for frame in frames)


def test_a_key_in_the_query_string_is_not_logged(
    settings: Any,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = _bearer(make_key(Scope.ACTIVITY_READ))
    app = create_api_app(make_settings(settings.database_url, log_json=True), database=database)
    capsys.readouterr()
    with app_client(app) as client:
        response = client.get(
            f"/v1/establishments/{sample_ditep.finess}/activity",
            params={"period": "2025-03", "key": key, "api_key": key, "token": key},
        )
    assert response.status_code == 401
    log = capsys.readouterr().err
    assert key not in log
    assert key.split("_", 2)[2] not in log
    request_line = json.loads(next(line for line in log.splitlines() if '"request"' in line))
    assert request_line["path"] == f"/v1/establishments/{sample_ditep.finess}/activity"


def test_uvicorns_access_log_if_turned_on_redacts_the_query(tmp_path: Path) -> None:
    """The deployment turns uvicorn's access log off; whoever turns it back on still gets
    no key: its records go through the same redaction."""
    url = f"sqlite:///{tmp_path / 'access.sqlite3'}"
    migrations.upgrade(url, MIGRATIONS_DIR)
    port = free_port()
    env = {
        **os.environ,
        "DITEP_DATABASE_URL": url,
        "DITEP_PSEUDONYM_SECRET": TEST_SECRET,
        "DITEP_LOG_JSON": "true",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "activity_api.main:app_factory",
        "--factory",
        "--port",
        str(port),
    ]  # access log on: uvicorn's default
    key = "ditep_0123456789ab_" + "S3cr3t-" * 6
    log_file = tmp_path / "uvicorn.log"
    with log_file.open("w") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    response = httpx.get(
                        f"http://127.0.0.1:{port}/healthz",
                        params={"key": key, "token": "tok-0123456789", "period": "2025-Q1"},
                        headers={"Authorization": f"Bearer {key}"},
                        timeout=2,
                    )
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, log_file.read_text()
                    time.sleep(0.2)
            assert response.status_code == 200
            time.sleep(0.3)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    log = log_file.read_text()
    assert "GET /healthz?" in log, log  # the access log was on
    assert key not in log
    assert "S3cr3t" not in log
    assert "tok-0123456789" not in log
    assert f"key={REDACTED}" in log
    assert "period=2025-Q1" in log


def test_the_redactor_knows_every_configured_secret_and_key_shape() -> None:
    settings = make_settings(
        "postgresql+psycopg://ditep:db-password-0123@db.example/ditep",
        pull_credentials={
            "vendor": {"kind": "bearer", "token": PULL_TOKEN},
            "caldav": {"kind": "basic", "username": "u", "password": PULL_PASSWORD},
            "fhir": {
                "kind": "oauth2",
                "token_url": "https://fhir.example/token",
                "client_id": "c",
                "client_secret": ROR_SECRET,
            },
        },
        ror_headers={"X-Api-Key": "ror-header-key-0123"},
    )
    redactor = Redactor(settings_secrets(settings))
    text = redactor.text(
        f"{TEST_SECRET} {PULL_TOKEN} {PULL_PASSWORD} {ROR_SECRET} ror-header-key-0123 "
        "postgresql://ditep:db-password-0123@db.example/ditep "
        "https://x.example/a?api_key=abcdef&access_token=xyz123 "
        "Authorization: Basic dXNlcjpwYXNzd29yZA== bearer abc.def.ghi "
        "ditep_0123456789ab_AbCdEfGhIjKlMnOp"
    )
    for secret in (
        TEST_SECRET,
        PULL_TOKEN,
        PULL_PASSWORD,
        ROR_SECRET,
        "ror-header-key-0123",
        "db-password-0123",
        "abcdef",
        "xyz123",
        "dXNlcjpwYXNzd29yZA",
        "abc.def.ghi",
        "AbCdEfGhIjKlMnOp",
    ):
        assert secret not in text, (secret, text)
    assert "ditep_0123456789ab_" in text  # the key's prefix (its row) stays readable
    event = redactor(
        None,
        "info",
        {
            "event": "call",
            "headers": [("authorization", "anything"), ("accept", "text/csv")],
            "Cookie": "session=abc",
            "nested": {"password": "hunter2hunter2", "finess": "690000017"},
        },
    )
    assert event["headers"] == [["authorization", REDACTED], ["accept", "text/csv"]]
    assert event["Cookie"] == REDACTED
    assert event["nested"] == {"password": REDACTED, "finess": "690000017"}


def test_invalid_settings_are_described_without_their_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    too_short = "short-but-secret-value"
    monkeypatch.setenv("DITEP_ENVIRONMENT", "production")
    monkeypatch.setenv("DITEP_PSEUDONYM_SECRET", too_short)
    monkeypatch.setenv("DITEP_PULL_CREDENTIALS", json.dumps({"v": {"kind": "bearer"}}))
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert too_short not in str(raised.value)
    assert "pull_credentials" in str(raised.value)
    monkeypatch.setenv(
        "DITEP_PULL_CREDENTIALS", json.dumps({"v": {"kind": "bearer", "token": PULL_TOKEN}})
    )
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert too_short not in message
    assert PULL_TOKEN not in message
    assert "PSEUDONYM_SECRET" in message
