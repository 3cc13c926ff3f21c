"""``ditep profile show|set``: a new version of the counting profile, named by the counts."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ditep_cli.main import app


def test_a_stored_profile_version_applies_and_versions_never_change(cli_runner: CliRunner) -> None:
    assert cli_runner.invoke(app, ["migrate"]).exit_code == 0
    shown = cli_runner.invoke(app, ["profile", "show"])
    assert shown.exit_code == 0, shown.output
    defaults = json.loads(shown.stdout)
    assert defaults["version"] == "aire-2024.1"
    assert defaults["suppression_threshold"] == 5
    assert defaults["score_bounds_hours"] == [3.0, 12.0, 30.0]

    stored = cli_runner.invoke(
        app,
        [
            "profile",
            "set",
            "--version",
            "ara-2026.1",
            "suppression_threshold=11",
            'night=["20:00:00", "08:00:00"]',
        ],
    )
    assert stored.exit_code == 0, stored.output
    now_in_force = json.loads(cli_runner.invoke(app, ["profile", "show"]).stdout)
    assert now_in_force["version"] == "ara-2026.1"
    assert now_in_force["suppression_threshold"] == 11
    assert now_in_force["night"] == ["20:00:00", "08:00:00"]
    assert now_in_force["score_bounds_hours"] == defaults["score_bounds_hours"]

    again = cli_runner.invoke(app, ["profile", "set", "--version", "ara-2026.1", "lt_band_hours=2"])
    assert again.exit_code == 1
    assert "already exists" in again.output
    unknown = cli_runner.invoke(app, ["profile", "set", "--version", "x", "seuil=3"])
    assert unknown.exit_code == 1
    assert "unknown profile parameter" in unknown.output
    malformed = cli_runner.invoke(
        app, ["profile", "set", "--version", "y", "suppression_threshold"]
    )
    assert malformed.exit_code == 2
