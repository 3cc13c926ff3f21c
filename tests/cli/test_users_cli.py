"""``ditep users create|reset-password|list``: passwords on stdin, bindings as keys'."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from activity_api.users.service import LoginOutcome, verify_password
from ditep_cli.main import app
from ditep_core.db import Database
from ditep_core.models import AuditEvent, WebUser
from tests.conftest import TEST_SECRET, TemporaryDatabase

PASSWORD = "correct horse battery"


def test_create_list_and_reset(
    fresh_database: TemporaryDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DITEP_DATABASE_URL", fresh_database.url)
    monkeypatch.setenv("DITEP_PSEUDONYM_SECRET", TEST_SECRET)
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0

    created = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "Directrice@Example.fr",
            "--role",
            "director",
            "--finess",
            "690000017",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert created.exit_code == 0, created.output
    ars = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "ars@example.fr",
            "--role",
            "ars",
            "--region",
            "84",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert ars.exit_code == 0, ars.output

    # A director without an establishment, an ARS user bound to a FINESS, a short password,
    # no --password-stdin, the same e-mail twice: refused, nothing written.
    for arguments, password, message in (
        (["--email", "d2@example.fr", "--role", "director"], PASSWORD, "--finess"),
        (
            ["--email", "a2@example.fr", "--role", "ars", "--finess", "690000017"],
            PASSWORD,
            "ars:read",
        ),
        (
            ["--email", "t@example.fr", "--role", "team", "--finess", "690000017"],
            "short",
            "at least 12",
        ),
        (
            ["--email", "directrice@example.fr", "--role", "team", "--finess", "690000017"],
            PASSWORD,
            "exists already",
        ),
    ):
        refused = runner.invoke(
            app, ["users", "create", *arguments, "--password-stdin"], input=password + "\n"
        )
        assert refused.exit_code == 1, arguments
        assert message in refused.output
    no_stdin = runner.invoke(app, ["users", "create", "--email", "x@example.fr", "--role", "admin"])
    assert no_stdin.exit_code == 1
    assert "--password-stdin" in no_stdin.output

    listed = runner.invoke(app, ["users", "list"])
    assert listed.exit_code == 0
    assert "directrice@example.fr" in listed.stdout
    assert "ars@example.fr" in listed.stdout
    assert PASSWORD not in listed.stdout

    database = Database.from_url(fresh_database.url)
    with database.unit_of_work() as session:
        users = session.scalars(select(WebUser).order_by(WebUser.email)).all()
        assert [user.email for user in users] == ["ars@example.fr", "directrice@example.fr"]
        assert all(user.password_hash.startswith("$argon2id$") for user in users)
        assert all(PASSWORD not in user.password_hash for user in users)

    reset = runner.invoke(
        app,
        ["users", "reset-password", "directrice@example.fr", "--password-stdin"],
        input="a new long passphrase\n",
    )
    assert reset.exit_code == 0, reset.output
    unknown = runner.invoke(
        app, ["users", "reset-password", "nobody@example.fr", "--password-stdin"], input=PASSWORD
    )
    assert unknown.exit_code == 1
    with database.unit_of_work() as session:
        assert verify_password(session, "directrice@example.fr", PASSWORD).outcome is (
            LoginOutcome.REFUSED
        )
        assert verify_password(
            session, "directrice@example.fr", "a new long passphrase"
        ).outcome is (LoginOutcome.OK)
        routes = set(session.scalars(select(AuditEvent.route).where(AuditEvent.service == "cli")))
        assert {"users create", "users reset-password"} <= routes
    database.dispose()
