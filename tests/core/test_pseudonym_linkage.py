"""Pseudonyms bound to the establishment (issue 14): one INS, two establishments, two
unrelated pseudonyms; one pseudonym within an establishment whatever the feed; the link
key (the same everywhere) stays on the server; migration 0009 rewrites stored pseudonyms
to what a fresh ingestion gives, and re-ingesting after it changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

import pytest
from sqlalchemy import select, text

from agenda_ingest.feeds.service import ingest_feed
from agenda_ingest.sources.service import add_source
from ditep_core import migrations
from ditep_core.db import Database, create_database_engine
from ditep_core.establishments.service import add_establishment
from ditep_core.models import AgendaSession, Establishment, Person, Source
from ditep_core.nomenclatures import AgendaKind, FeedFormat, PersonKind, Scope
from ditep_core.protection import DataProtection
from ditep_core.pseudonyms import Pseudonymiser
from tests.agenda_ingest.feeds.test_ins_feeds import (
    INS_13,
    INS_15,
    NIR,
    _event,
    _fhir,
    _ical,
    _push,
)
from tests.conftest import (
    MIGRATIONS_DIR,
    SAMPLE_FINESS,
    SAMPLE_WINDOW,
    TEST_SECRET,
    KeyMaker,
    SampleDitep,
    TemporaryDatabase,
    add_sample_source,
)
from tests.http import AppClient

OTHER_FINESS = "380000300"
INS_URI = f"{NIR}:{INS_13}"
ORTHOPHONIST = "mailto:o.rtho@dui.example"
WINDOW = tuple(dt.date.fromisoformat(day) for day in SAMPLE_WINDOW)


def _weekly(client: AppClient, finess: str, key: dict[str, str]) -> dict[str, Any]:
    response = client.get(
        f"/v1/establishments/{finess}/activity/weekly",
        params={"period": "2025-03"},
        headers=key,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _youth(body: dict[str, Any]) -> set[str]:
    return {week["youth"] for week in body["weeks"]}


def test_one_ins_two_establishments_two_pseudonyms_one_link_key(
    ingest_client: AppClient,
    api_client: AppClient,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    with database.unit_of_work() as unit:
        fhir_source = add_sample_source(unit, "TDDUI")
        add_establishment(unit, finess=OTHER_FINESS, name="DITEP Isère", region_code="84")
        other_source = add_source(
            unit,
            finess=OTHER_FINESS,
            name="Export",
            feed_format=FeedFormat.ICAL,
            window_start=WINDOW[0],
            window_end=WINDOW[1],
        ).id
    write = make_key(Scope.FEEDS_WRITE)
    # Here: the INS in iCal (13 digits) and in FHIR (with its key): one young person.
    _push(
        ingest_client, sample_ditep.establishment_source_id, _ical(INS_URI), "text/calendar", write
    )
    _push(
        ingest_client,
        fhir_source,
        _fhir(_event("e1", "Patient/y-1", 5), ins=INS_15),
        "application/fhir+json",
        write,
    )
    # There: the same INS, pushed by another tenant into its own establishment.
    _push(ingest_client, other_source, _ical(INS_URI), "text/calendar", write)

    here = _weekly(
        api_client, SAMPLE_FINESS, make_key(Scope.ACTIVITY_READ, finess=(SAMPLE_FINESS,))
    )
    there = _weekly(api_client, OTHER_FINESS, make_key(Scope.ACTIVITY_READ, finess=(OTHER_FINESS,)))
    [mine] = _youth(here)  # iCal and FHIR sessions are one young person's
    [theirs] = _youth(there)
    assert mine != theirs

    root = Pseudonymiser(TEST_SECRET)
    link_key = root.link_key(PersonKind.YOUTH, INS_URI)
    assert mine == root.for_establishment(SAMPLE_FINESS).pseudonym(PersonKind.YOUTH, INS_URI)
    assert theirs == root.for_establishment(OTHER_FINESS).pseudonym(PersonKind.YOUTH, INS_URI)
    for body in (here, there):
        assert link_key not in str(body)  # the link key is never published

    with database.unit_of_work() as unit:
        people = unit.execute(
            select(Establishment.finess, Person.kind, Person.pseudonym, Person.link_key).join(
                Establishment, Establishment.id == Person.establishment_id
            )
        ).all()
    youth = {finess: (p, g) for finess, kind, p, g in people if kind is PersonKind.YOUTH}
    assert youth == {SAMPLE_FINESS: (mine, link_key), OTHER_FINESS: (theirs, link_key)}
    # Professionals too: unrelated pseudonyms, one link key.
    staff = {finess: (p, g) for finess, kind, p, g in people if kind is PersonKind.PROFESSIONAL}
    assert staff[SAMPLE_FINESS][0] != staff[OTHER_FINESS][0]
    assert staff[SAMPLE_FINESS][1] == staff[OTHER_FINESS][1]
    assert staff[SAMPLE_FINESS][1] == root.link_key(PersonKind.PROFESSIONAL, ORTHOPHONIST)

    # One young person followed by two DITEP counts once, joined on the server.
    from activity_api.activity.service import file_active_across, resolve_period

    with database.unit_of_work() as unit:
        both = unit.scalars(select(Establishment).order_by(Establishment.finess)).all()
        across = file_active_across(unit, both, resolve_period("2025-03", None, None))
    assert across == {"sum": 2, "distinct": 1, "shared": 1}

    # The activity API's imports key the same person as the feeds.
    response = api_client.request(
        "PUT",
        f"/v1/establishments/{SAMPLE_FINESS}/complexity-flags",
        json={"flags": [{"youth_id": INS_URI, "start": "2025-03-01", "criteria": ["ASE"]}]},
        headers=write,
    )
    assert response.status_code == 200, response.text
    assert response.json()["youth"] == 1
    with database.unit_of_work() as unit:
        count = unit.scalar(
            select(text("count(*)")).select_from(Person).where(Person.kind == PersonKind.YOUTH)
        )
    assert count == 2


def test_a_young_persons_own_agenda_uses_the_establishments_pseudonym(
    ingest_client: AppClient,
    api_client: AppClient,
    database: Database,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
) -> None:
    with database.unit_of_work() as unit:
        own = add_source(
            unit,
            finess=SAMPLE_FINESS,
            name="Agenda de Y",
            feed_format=FeedFormat.ICAL,
            agenda_kind=AgendaKind.YOUTH,
            window_start=WINDOW[0],
            window_end=WINDOW[1],
            youth_identifier=INS_URI,
            pseudonymiser=DataProtection.from_secret(TEST_SECRET).pseudonymiser,
        )
        own_id = own.id
        options = dict(own.participant_options)
    root = Pseudonymiser(TEST_SECRET)
    # Only the link key is kept in the source (it is never published).
    assert options == {"youth_link_key": root.link_key(PersonKind.YOUTH, INS_URI)}
    write = make_key(Scope.FEEDS_WRITE)
    # The session names only the orthophonist: the agenda says whose it is.
    _push(ingest_client, own_id, _ical(ORTHOPHONIST), "text/calendar", write)
    _push(
        ingest_client, sample_ditep.establishment_source_id, _ical(INS_URI), "text/calendar", write
    )
    body = _weekly(
        api_client, SAMPLE_FINESS, make_key(Scope.ACTIVITY_READ, finess=(SAMPLE_FINESS,))
    )
    assert _youth(body) == {
        root.for_establishment(SAMPLE_FINESS).pseudonym(PersonKind.YOUTH, INS_URI)
    }


# Migration 0009 ------------------------------------------------------------------------


def _old_pseudonym(kind: PersonKind, canonical: str) -> str:
    """How pseudonyms were computed before 0009 (written out, as the old code did)."""
    return hmac.new(
        TEST_SECRET.encode(), f"{kind.value}|{canonical}".encode(), hashlib.sha256
    ).hexdigest()


def _state(database: Database) -> dict[str, Any]:
    with database.unit_of_work() as unit:
        people = sorted(
            (finess, kind.value, p)
            for finess, kind, p in unit.execute(
                select(Establishment.finess, Person.kind, Person.pseudonym).join(
                    Establishment, Establishment.id == Person.establishment_id
                )
            )
        )
        hashes = sorted(unit.scalars(select(AgendaSession.content_hash)))
        options = sorted(
            str(sorted(o.items())) for o in unit.scalars(select(Source.participant_options))
        )
    return {"people": people, "hashes": hashes, "options": options}


def _weekly_of(database: Database, finess: str) -> list[dict[str, Any]]:
    from activity_api.activity.service import resolve_period, weekly_detail

    with database.unit_of_work() as unit:
        establishment = unit.scalars(
            select(Establishment).where(Establishment.finess == finess)
        ).one()
        weeks: list[dict[str, Any]] = weekly_detail(
            unit, establishment, resolve_period("2025-03", None, None)
        ).model_dump(mode="json", by_alias=True)["weeks"]
        return weeks


def _ingest_all(database: Database, sources: dict[str, int]) -> list[tuple[int, int, int]]:
    protection = DataProtection.from_secret(TEST_SECRET)
    results = []
    for name, body, content_type in (
        ("here-ical", _ical(INS_URI), "text/calendar"),
        ("here-fhir", _fhir(_event("e1", "Patient/y-1", 5)), "application/fhir+json"),
        ("there-ical", _ical(INS_URI), "text/calendar"),
        ("own", _ical(ORTHOPHONIST), "text/calendar"),
    ):
        outcome = ingest_feed(
            database,
            source_id=sources[name],
            payload=body,
            content_type=content_type,
            protection=protection,
        )
        results.append((outcome.created, outcome.updated, outcome.deleted))
    return results


def test_migration_0009_rewrites_pseudonyms_as_fresh_ingestion_gives_them(
    fresh_database: TemporaryDatabase,
) -> None:
    url = fresh_database.url
    migrations.upgrade(url, MIGRATIONS_DIR)
    database = Database.from_url(url, pool_size=2, max_overflow=0)
    try:
        with database.unit_of_work() as unit:
            add_establishment(unit, finess=SAMPLE_FINESS, name="D", region_code="84")
            add_establishment(unit, finess=OTHER_FINESS, name="E", region_code="84")
            pseudonymiser = DataProtection.from_secret(TEST_SECRET).pseudonymiser
            sources = {
                name: add_source(
                    unit,
                    finess=finess,
                    name=name,
                    feed_format=feed_format,
                    agenda_kind=kind,
                    window_start=WINDOW[0],
                    window_end=WINDOW[1],
                    youth_identifier=INS_URI if kind is AgendaKind.YOUTH else None,
                    pseudonymiser=pseudonymiser,
                ).id
                for name, finess, feed_format, kind in (
                    ("here-ical", SAMPLE_FINESS, FeedFormat.ICAL, AgendaKind.ESTABLISHMENT),
                    ("here-fhir", SAMPLE_FINESS, FeedFormat.FHIR, AgendaKind.ESTABLISHMENT),
                    ("there-ical", OTHER_FINESS, FeedFormat.ICAL, AgendaKind.ESTABLISHMENT),
                    ("own", OTHER_FINESS, FeedFormat.ICAL, AgendaKind.YOUTH),
                )
            }
        assert all(created == 1 for created, _u, _d in _ingest_all(database, sources))
        fresh = _state(database)
        fresh_weekly = {f: _weekly_of(database, f) for f in (SAMPLE_FINESS, OTHER_FINESS)}
    finally:
        database.dispose()

    # Back to 0008: what the code before it stored (pseudonyms were the link keys).
    migrations.downgrade(url, MIGRATIONS_DIR, "0008")
    database = Database.from_url(url, pool_size=2, max_overflow=0)
    try:
        old = _state(database)
    finally:
        database.dispose()
    youth_g = Pseudonymiser(TEST_SECRET).link_key(PersonKind.YOUTH, INS_URI)
    staff_g = _old_pseudonym(PersonKind.PROFESSIONAL, ORTHOPHONIST)
    assert {p for _f, _k, p in old["people"]} == {youth_g, staff_g}
    assert youth_g == _old_pseudonym(PersonKind.YOUTH, f"{NIR}:{INS_13}")
    assert old["hashes"] == fresh["hashes"]
    assert any("youth_pseudonym" in options for options in old["options"])

    # Without the secret, or with another one, a database holding people is refused.
    with pytest.raises(RuntimeError, match="pseudonymisation secret"):
        migrations.upgrade(url, MIGRATIONS_DIR)
    with pytest.raises(migrations.WrongPseudonymSecret, match="not the secret"):
        migrations.upgrade(url, MIGRATIONS_DIR, pseudonym_secret="another-secret-" + "x" * 32)
    engine = create_database_engine(url, pool_size=1, max_overflow=0)
    try:
        assert migrations.current_revisions(engine) == {"0008"}
    finally:
        engine.dispose()
    migrations.upgrade(url, MIGRATIONS_DIR, pseudonym_secret=TEST_SECRET)

    database = Database.from_url(url, pool_size=2, max_overflow=0)
    try:
        assert _state(database) == fresh
        assert {f: _weekly_of(database, f) for f in fresh_weekly} == fresh_weekly
        # The same feeds again change nothing: the content hashes did not move.
        assert _ingest_all(database, sources) == [(0, 0, 0)] * 4
        assert _state(database) == fresh
        assert {f: _weekly_of(database, f) for f in fresh_weekly} == fresh_weekly
    finally:
        database.dispose()


def test_migration_0009_needs_no_secret_on_an_empty_database(
    fresh_database: TemporaryDatabase,
) -> None:
    migrations.upgrade(fresh_database.url, MIGRATIONS_DIR, "0008")
    migrations.upgrade(fresh_database.url, MIGRATIONS_DIR)
    migrations.downgrade(fresh_database.url, MIGRATIONS_DIR, "0008")
