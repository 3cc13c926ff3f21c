"""The activity API's contract on counting.md's worked example, pushed as real feeds."""

from __future__ import annotations

import csv
import io

import pytest

from ditep_core.nomenclatures import Scope
from tests.activity_api.helpers import french_csv_records
from tests.conftest import KeyMaker, SampleDitep
from tests.counting.conftest import URL, get, push
from tests.counting.feeds import YOUTH_A_INS, calendar, export_feed
from tests.http import AppClient


def test_worked_example_through_the_api(
    api_client: AppClient, worked: SampleDitep, make_key: KeyMaker
) -> None:
    body = get(api_client, make_key(Scope.ACTIVITY_READ), period="2025-03")
    assert body["period"]["start"] == "2025-03-01"
    assert body["period"]["end"] == "2025-04-01"
    assert body["profile_version"] == "aire-2024.1"
    assert body["rule_set_versions"]  # the keyword rules' version, whatever it is
    assert body["hours"]["direct"] == 22.5
    assert body["hours"]["indirect"] == 1.0
    assert body["units"]["by_score"] == {"1": 0, "2": 0, "3": 1, "4": 0}
    assert body["units"]["total"] == 3
    assert body["days"]["journees"] == {
        "total": 2.5,
        "accueil_nuit": 1.0,
        "accueil_jour": 1.0,
        "ambulatoire": 0.5,
    }
    assert body["days"]["nuits"] == 1
    assert body["acts"] == {"actes": 1, "seances": 1}
    assert body["file_active"]["total"] == 1
    assert body["file_active"]["by_modality"] == {
        "accueil_nuit": 1,
        "accueil_jour": 1,
        "ambulatoire": 1,
    }
    assert body["multi_modality"] == {"youth": 1, "share": 1.0}
    assert body["quality"]["duplicates_merged"] == 1
    assert body["quality"]["received"] == 5
    assert body["quality"]["counted"] == 4
    assert body["quality"]["youth_without_pathway"] == 1
    # Reference week: the last full week of March (24-30); A has nothing then.
    assert body["capacity"]["reference_week"] == "2025-03-24"
    assert body["capacity"]["accueil_nuit"] == {"installed": 12, "occupied": 0, "available": 12}
    week = get(api_client, make_key(Scope.ACTIVITY_READ), period="2025-03", week="2025-W11")
    assert week["capacity"]["accueil_nuit"] == {"installed": 12, "occupied": 1, "available": 11}
    assert week["capacity"]["ambulatoire"] == {"installed": None, "occupied": 1, "available": None}


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2025-Q1", "2025-01-01", "2025-04-01"),
        ("2025-03", "2025-03-01", "2025-04-01"),
        ("2025-W11", "2025-03-10", "2025-03-17"),
        ("2025", "2025-01-01", "2026-01-01"),
        ("2024-2025", "2024-09-01", "2025-09-01"),
    ],
)
def test_period_codes(
    api_client: AppClient, worked: SampleDitep, make_key: KeyMaker, code: str, start: str, end: str
) -> None:
    body = get(api_client, make_key(Scope.ACTIVITY_READ), period=code)
    assert (body["period"]["code"], body["period"]["start"], body["period"]["end"]) == (
        code,
        start,
        end,
    )
    # The week's Thursday (13 March) is in every one of these periods.
    assert body["units"]["total"] == 3


def test_bad_period_is_a_problem(
    api_client: AppClient, worked: SampleDitep, make_key: KeyMaker
) -> None:
    response = api_client.get(
        URL, params={"period": "2025-Q5"}, headers=make_key(Scope.ACTIVITY_READ)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    for week in ("W11", "2025-03", "2025-W54"):
        response = api_client.get(
            URL,
            params={"period": "2025-03", "week": week},
            headers=make_key(Scope.ACTIVITY_READ),
        )
        assert response.status_code == 422, week
        assert response.json()["errors"][0]["location"] == "query.week"


def test_etag_and_csv(api_client: AppClient, worked: SampleDitep, make_key: KeyMaker) -> None:
    key = make_key(Scope.ACTIVITY_READ)
    first = api_client.get(URL, params={"period": "2025-03"}, headers=key)
    etag = first.headers["etag"]
    again = api_client.get(
        URL, params={"period": "2025-03"}, headers={**key, "If-None-Match": etag}
    )
    assert again.status_code == 304
    other = api_client.get(
        URL, params={"period": "2025-Q1"}, headers={**key, "If-None-Match": etag}
    )
    assert other.status_code == 200
    as_csv = api_client.get(URL, params={"period": "2025-03", "format": "csv"}, headers=key)
    assert as_csv.headers["content-type"].startswith("text/csv")
    figures = {row["figure"]: row["value"] for row in french_csv_records(as_csv.text)}
    assert figures["hours.direct"] == "22.5"
    assert figures["units.by_score.3"] == "1"
    by_accept = api_client.get(
        URL, params={"period": "2025-03"}, headers={**key, "Accept": "text/csv"}
    )

    def stable(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("computed_at;")]

    assert stable(by_accept.text) == stable(as_csv.text)
    assert by_accept.headers["etag"] != etag


def test_a_push_is_counted_at_once(
    api_client: AppClient,
    ingest_client: AppClient,
    worked: SampleDitep,
    make_key: KeyMaker,
) -> None:
    key = make_key(Scope.ACTIVITY_READ)
    before = get(api_client, key, period="2025-03")
    extra = calendar(
        export_feed()
        .decode()
        .split("END:VCALENDAR")[0]
        .split("VERSION:2.0\r\nPRODID:-//test//EN\r\n")[1]
        .rstrip("\r\n"),
        "\r\n".join(
            [
                "BEGIN:VEVENT",
                "UID:a-vad@test",
                "DTSTAMP:20250331T180000Z",
                "DTSTART;TZID=Europe/Paris:20250312T140000",
                "DTEND;TZID=Europe/Paris:20250312T153000",
                "SUMMARY:VAD famille",
                "X-DUI-STATUT:REALISE",
                "ORGANIZER;CN=Karim:mailto:k.benali@ditep-cedres.example",
                f"ATTENDEE;X-DUI-TYPE=USAGER:{YOUTH_A_INS}",
                "END:VEVENT",
            ]
        ),
    )
    push(ingest_client, worked.establishment_source_id, extra, make_key(Scope.FEEDS_WRITE))
    after = get(api_client, key, period="2025-03")
    assert after["hours"]["direct"] == before["hours"]["direct"] + 1.5
    assert after["acts"]["seances"] == 2


def test_pathways_json_and_csv(
    api_client: AppClient, worked: SampleDitep, make_key: KeyMaker
) -> None:
    writer = make_key(Scope.FEEDS_WRITE)
    reader = make_key(Scope.ACTIVITY_READ)
    url = "/v1/establishments/690000017/pathways"
    response = api_client.request(
        "PUT",
        url,
        json=[
            {
                "youth_id": YOUTH_A_INS,
                "status": "pre_admission",
                "start": "2025-01-01",
                "end": "2025-03-11",
            },
            {"youth_id": YOUTH_A_INS, "status": "admission", "start": "2025-03-12"},
        ],
        headers=writer,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 2, "replaced": 0, "youth": 1}
    body = get(api_client, reader, period="2025-03")
    # Sessions on 10-11 March fall in pre-admission, from 12 March in accompagnement.
    assert body["file_active"]["by_status"] == {
        "pre_admission": 1,
        "accompagnement": 1,
        "suivi_post_sortie": 0,
        "ponctuel": 0,
    }
    assert body["quality"]["youth_without_pathway"] == 0
    # CSV replaces the API's periods: admitted then exited on 12 March, then follow-up.
    csv_body = (
        "youth_id,status,start,end\n"
        f"{YOUTH_A_INS},admission,2025-01-01,\n"
        f"{YOUTH_A_INS},exit,2025-03-12,\n"
        f"{YOUTH_A_INS},suivi_post_sortie,2025-03-13,\n"
    )
    response = api_client.request(
        "PUT", url, content=csv_body.encode(), headers={**writer, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["replaced"] == 2
    body = get(api_client, reader, period="2025-03")
    assert body["file_active"]["by_status"]["accompagnement"] == 1
    assert body["file_active"]["by_status"]["suivi_post_sortie"] == 1
    assert body["file_active"]["by_status"]["pre_admission"] == 0
    bad = api_client.request(
        "PUT",
        url,
        content=f"youth_id,status,start,end\n{YOUTH_A_INS},exit,2025-03-12,\n".encode(),
        headers={**writer, "Content-Type": "text/csv"},
    )
    assert bad.status_code == 422
    forbidden = api_client.request("PUT", url, json=[], headers=reader)
    assert forbidden.status_code == 403


def test_complexity_flag_surcharge(
    api_client: AppClient, worked: SampleDitep, make_key: KeyMaker
) -> None:
    response = api_client.request(
        "PUT",
        "/v1/establishments/690000017/complexity-flags",
        json={"flags": [{"youth_id": YOUTH_A_INS, "start": "2025-03-14", "criteria": ["ASE"]}]},
        headers=make_key(Scope.FEEDS_WRITE),
    )
    assert response.status_code == 200, response.text
    body = get(api_client, make_key(Scope.ACTIVITY_READ), period="2025-03")
    assert body["units"]["surcharges"] == {"complexity": 1, "appui_ressources": 0}


def test_weekly_detail_for_own_keys_only(
    api_client: AppClient, worked: SampleDitep, make_key: KeyMaker
) -> None:
    url = f"{URL}/weekly"
    national = api_client.get(
        url, params={"period": "2025-03"}, headers=make_key(Scope.ACTIVITY_READ)
    )
    assert national.status_code == 403
    own = api_client.get(
        url,
        params={"period": "2025-03"},
        headers=make_key(Scope.ACTIVITY_READ, finess=("690000017",)),
    )
    assert own.status_code == 200, own.text
    [week] = own.json()["weeks"]
    assert week["week"] == "2025-W11"
    assert week["minutes_total"] == 1410
    assert week["score"] == 3
    assert len(week["youth"]) == 64  # a pseudonym, never the INS
    assert YOUTH_A_INS not in own.text
    as_csv = api_client.get(
        url,
        params={"period": "2025-03", "format": "csv"},
        headers=make_key(Scope.ACTIVITY_READ, finess=("690000017",)),
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert (row["youth"], row["week"]) == (week["youth"], "2025-W11")
    assert float(row["minutes_total"]) == 1410


def test_freeze_then_diff(
    api_client: AppClient,
    ingest_client: AppClient,
    worked: SampleDitep,
    make_key: KeyMaker,
) -> None:
    writer = make_key(Scope.FEEDS_WRITE)
    reader = make_key(Scope.ACTIVITY_READ)
    base = "/v1/establishments/690000017/periods/2025-Q1"
    frozen = api_client.post(f"{base}/freeze", headers=writer)
    assert frozen.status_code == 201, frozen.text
    assert frozen.json()["frozen"]["import_ids"]
    assert api_client.post(f"{base}/freeze", headers=writer).status_code == 409
    # The SESSAD hour disappears from the export: the frozen quarter does not move.
    # (It is the export's last session: a deliberate wipe, past the mass-deletion guard.)
    push(ingest_client, worked.establishment_source_id, calendar(), writer, allow_mass_delete=True)
    served = get(api_client, reader, period="2025-Q1")
    assert served["hours"]["direct"] == 22.5
    assert served["frozen"] is not None
    live = get(api_client, reader, period="2025-03")
    assert live["hours"]["direct"] == 1.0  # only the educator's SESSAD hour remains
    diff = api_client.get(f"{base}/diff", headers=reader)
    assert diff.status_code == 200, diff.text
    changes = {change["figure"]: change for change in diff.json()["changes"]}
    assert diff.json()["changed"] is True
    assert changes["hours.direct"] == {"figure": "hours.direct", "frozen": 22.5, "recomputed": 1.0}
    not_frozen = api_client.get("/v1/establishments/690000017/periods/2025-Q2/diff", headers=reader)
    assert not_frozen.status_code == 404


def test_re_import_changes_nothing(
    api_client: AppClient,
    ingest_client: AppClient,
    worked: SampleDitep,
    make_key: KeyMaker,
) -> None:
    reader = make_key(Scope.ACTIVITY_READ)
    first = api_client.get(URL, params={"period": "2025-Q1"}, headers=reader)
    push(ingest_client, worked.establishment_source_id, export_feed(), make_key(Scope.FEEDS_WRITE))
    second = api_client.get(URL, params={"period": "2025-Q1"}, headers=reader)
    assert second.headers["etag"] == first.headers["etag"]


def test_openapi_labels_every_figure(api_client: AppClient) -> None:
    schema = api_client.get("/openapi.json").json()["components"]["schemas"]
    assert schema["Units"]["properties"]["lt_1h"]["description"].startswith("Semaines-jeune")
    assert schema["Days"]["properties"]["nuits"]["description"] == "Nuits (journées d'internat)"
    for name in ("FileActive", "Units", "Hours", "Days", "Acts", "Quality", "ByStatus"):
        for field, spec in schema[name]["properties"].items():
            assert spec.get("description") or "$ref" in spec or "allOf" in spec, (name, field)
