"""docs/vendors.md is run: its example export gives the sessions and counts its tables
say, its status tables are what the parser does, its JSON bodies are sent and its
``curl`` lines answer on the service."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B import get_fhir_model_class

from agenda_ingest.parsing.drafts import session_status
from agenda_ingest.parsing.fhir.parser import parse_fhir
from agenda_ingest.sources.service import add_source
from ditep_core.db import Database
from ditep_core.nomenclatures import AgendaKind, FeedFormat, Scope
from tests.conftest import REPO_ROOT, SAMPLE_FINESS, KeyMaker, SampleDitep
from tests.http import AppClient

PAGE = (REPO_ROOT / "docs" / "vendors.md").read_text(encoding="utf-8")
EXPORT = REPO_ROOT / "samples" / "vendor" / "tddui-export.json"
PARIS = ZoneInfo("Europe/Paris")
FHIR = {"Content-Type": "application/fhir+json"}


def _table_after(marker: str) -> list[list[str]]:
    """The rows (cells, stripped) of the Markdown table that follows ``marker``."""
    rest = PAGE[PAGE.index(marker) :].split("\n")[1:]
    rows: list[list[str]] = []
    for line in rest:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not set("".join(cells)) <= set("-: "):
            rows.append(cells)
    return rows[1:]  # without the header


def _block_after(marker: str, language: str) -> str:
    rest = PAGE[PAGE.index(marker) :]
    found = re.search(rf"```{language}\n(.*?)```", rest, re.S)
    assert found is not None, marker
    return found.group(1)


@pytest.fixture
def vendor_source(database: Database, sample_ditep: SampleDitep) -> int:
    with database.unit_of_work() as session:
        return add_source(
            session,
            finess=SAMPLE_FINESS,
            name="Export TDDUI",
            feed_format=FeedFormat.FHIR,
            agenda_kind=AgendaKind.ESTABLISHMENT,
            window_start=dt.date(2024, 9, 1),
        ).id


def test_the_example_export_is_valid_fhir() -> None:
    bundle = json.loads(EXPORT.read_text(encoding="utf-8"))
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert {entry["request"]["method"] for entry in bundle["entry"]} <= {"PUT", "POST"}


def test_the_example_export_gives_what_the_guide_says(
    ingest_client: AppClient, vendor_source: int, make_key: KeyMaker
) -> None:
    key = make_key(Scope.FEEDS_WRITE, finess=(SAMPLE_FINESS,))
    response = ingest_client.post(
        f"/v1/sources/{vendor_source}/feed",
        params={"dry_run": "true"},
        content=EXPORT.read_bytes(),
        headers={**FHIR, **key},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    sessions = [
        [
            item["uid"].rsplit("/", 1)[1],
            dt.datetime.fromisoformat(item["start"]).astimezone(PARIS).strftime("%Y-%m-%d %H:%M"),
            item["status"],
            item["activity"],
            item["setting"],
            item["nature"],
            item["rule"],
        ]
        for item in body["sessions"]
    ]
    assert sessions == _table_after("<!-- example-sessions")
    counts = json.loads(_block_after("<!-- example-counts -->", "json"))
    assert {name: body[name] for name in counts} == counts
    assert body["warnings"] == []
    (march,) = body["months"]
    after = march["after"]
    assert (
        after["file_active"]["total"],
        after["hours"]["direct"],
        after["hours"]["indirect"],
    ) == (
        2,
        27.75,
        1.0,
    )
    assert after["file_active"]["by_status"]["pre_admission"] == 1
    assert "27.75 direct hours and 1 indirect hour" in PAGE


def _status_cases(resource_type: str) -> list[tuple[str | None, str, bool]]:
    """(status, session status, with a warning) for each status the table names."""
    cases: list[tuple[str | None, str, bool]] = []
    for status, session in _table_after(f"<!-- statuses: {resource_type} -->"):
        values: list[str | None] = list(re.findall(r"`([a-z-]+)`", status))
        if "another value" in status:
            values += ["invented-status", None]
        expected, warned = session.split(",")[0], "with a warning" in session
        cases += [(value, expected, warned) for value in values]
    return cases


def _resource(resource_type: str, status: str | None) -> dict[str, Any]:
    patient = {"reference": "Patient/p1", "identifier": {"system": "https://x", "value": "p1"}}
    if resource_type == "Encounter":
        resource: dict[str, Any] = {
            "resourceType": "Encounter",
            "id": "e1",
            "subject": patient,
            "period": {"start": "2025-03-10T09:00:00+01:00", "end": "2025-03-10T10:00:00+01:00"},
        }
    else:
        resource = {
            "resourceType": "Appointment",
            "id": "a1",
            "start": "2025-03-10T09:00:00+01:00",
            "minutesDuration": 60,
            "participant": [{"actor": patient, "status": "accepted"}],
        }
    if status is not None:
        resource["status"] = status
    return resource


@pytest.mark.parametrize("resource_type", ["Encounter", "Appointment"])
def test_the_status_tables_are_what_the_parser_does(resource_type: str) -> None:
    cases = _status_cases(resource_type)
    assert len(cases) >= 10
    for status, expected, warning in cases:
        feed = parse_fhir(
            json.dumps(_resource(resource_type, status)).encode(),
            window_start=dt.date(2024, 9, 1),
            window_end=dt.date(2025, 9, 1),
            default_tz=PARIS,
        )
        (occurrence,) = feed.occurrences
        assert session_status(occurrence).value == expected, (resource_type, status)
        warned = any("were read as planned" in note.message for note in feed.rejected)
        assert warned is warning, status


def _curl_lines() -> list[list[str]]:
    commands: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", PAGE, re.S):
        for command in block.replace("\\\n", " ").split("\n"):
            if command.strip().startswith("curl"):
                commands.append(shlex.split(command, comments=True))
    return commands


def test_the_curl_lines_answer(
    ingest_client: AppClient,
    vendor_source: int,
    make_key: KeyMaker,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each ``curl`` of the page, sent to the app: the ids of the page replaced by real
    ones, the files it names by the example's."""
    key = make_key(Scope.FEEDS_WRITE, finess=(SAMPLE_FINESS,))
    admin = make_key(Scope.ADMIN)
    pushed = ingest_client.post(
        f"/v1/sources/{vendor_source}/feed", content=EXPORT.read_bytes(), headers={**FHIR, **key}
    )
    assert pushed.status_code == 201, pushed.text
    found = ingest_client.get(
        f"/v1/sources/{vendor_source}/sessions", params={"limit": 1}, headers=key
    ).json()
    ids = {
        "/sources/13": f"/sources/{vendor_source}",
        "/sessions/4711": f"/sessions/{found['sessions'][0]['session_id']}",
        "/imports/41": f"/imports/{pushed.json()['import_id']}",
        "source=13": f"source={vendor_source}",
    }
    files = {
        "tddui-export.json": EXPORT.read_bytes(),
        "source-settings.json": _block_after("curl -X PATCH", "json").encode(),
    }
    commands = _curl_lines()
    assert len(commands) >= 9
    for command in commands:
        method, url, headers, content = "GET", "", {}, None
        words = iter(command[1:])
        for word in words:
            if word == "-X":
                method = next(words)
            elif word == "-H":
                name, _, value = next(words).partition(": ")
                headers[name] = value
            elif word in ("--data", "--data-binary"):
                content = files[next(words).lstrip("@")]
            else:
                url = word
        path = url.removeprefix("https://ditep.example")
        for mentioned, real in ids.items():
            path = path.replace(mentioned, real)
        bearer = admin if "$ADMIN_KEY" in headers.get("Authorization", "") else key
        headers.update(bearer)
        response = ingest_client.request(method, path, content=content, headers=headers)
        assert response.status_code == 200, (command, response.text)
        if method == "PATCH":
            assert response.json()["participant_rules"]["youth_markers"] == [
                "USAGER",
                "BENEFICIAIRE",
            ]
            assert response.json()["window"]["fixed_end"] is None
