"""A small DITEP whose every steering indicator can be computed by hand.

Written straight into the schema (sessions, pathway periods, a complexity flag,
capacities, sources and their imports), then marked for the refresh task as every writer
of sessions does; the tests run the task when the seeding commits.
Times are UTC: 09:00 UTC is 10:00 in Paris in winter, every session stays on its
local day. The hand computation is in ``test_indicators.py``, beside the numbers.

2025-Q1 (weeks whose Thursday is in Jan-Mar: 2024-12-30 .. 2025-03-24, 13 weeks):

- Y1: pre-admission from 2024-12-02, admitted 2025-01-06; accueil de jour Mon 13 Jan
  3 h; ambulatoire Tue 4 Feb 1 h; appui-ressources for Y1 (absent) Wed 5 Feb 1 h.
- Y2: admitted 2023-09-01, exit 2025-03-14; internat Tue 14 Jan 17:00 UTC → Wed 15 Jan
  07:00 UTC (14 h); flagged complex 1-31 Jan. In 2024-Q1: internat Tue 6 Feb 2024, 14 h.
- Y3: no pathway period; ambulatoire Thu 16 Jan 2 h; synthesis (coordination, Y3 not
  present) Fri 17 Jan 1 h; one unclassified session Mon 10 Mar.
- Y4: pre-admission 2025-01-20 .. 2025-02-02 with a synthesis Mon 27 Jan 30 min;
  admitted 2025-02-03; ambulatoire Mon 10 Feb 1 h.
- Y5: admitted 2025-03-03, exit 2025-03-28, no pre-admission; accueil de jour Tue 4 Mar
  6 h, still "planned" (past: counted, not validated).
- appui-ressources with no young person, at a school, Thu 6 Feb 2 h.

Capacity: 2 places de nuit, 4 de jour, 10 en ambulatoire. Sources: "export" (last feed
2025-03-30) and "ancien" (last feed 2025-02-01), both created 2024-01-01.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy.orm import Session

from agenda_ingest.sources.service import add_source
from ditep_core.establishments.service import add_establishment
from ditep_core.models import (
    AgendaSession,
    ComplexityFlag,
    FeedImport,
    PathwayPeriod,
    Person,
    SessionParticipant,
    Source,
)
from ditep_core.nomenclatures import (
    Activity,
    AgendaKind,
    FeedFormat,
    ImportStatus,
    Nature,
    PathwayStatus,
    PersonKind,
    Presence,
    SessionStatus,
    Setting,
)
from ditep_counting.rollups.service import invalidate_after_write
from tests.http import AppClient

FINESS = "690000100"
REGION = "84"
DEPARTMENT = "69"
PERIOD = "2025-Q1"


def period_body(client: AppClient, url: str, key: dict[str, str]) -> dict[str, Any]:
    """The JSON body of a route for ``PERIOD`` (asserting a 200)."""
    response = client.get(url, params={"period": PERIOD}, headers=key)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def indicator_values(body: dict[str, Any]) -> dict[str, Any]:
    """An indicators body as ``{"indicator.measure": value}``."""
    return {
        f"{indicator['code']}.{measure['code']}": measure["value"]
        for indicator in body["indicators"]
        for measure in indicator["measures"]
    }


D = dt.date


def _utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def seed_hand_dataset(session: Session, *, finess: str = FINESS, region: str = REGION) -> None:
    establishment = add_establishment(
        session,
        finess=finess,
        name=f"DITEP {finess}",
        region_code=region,
        capacities={Activity.ACCUEIL_NUIT: 2, Activity.ACCUEIL_JOUR: 4, Activity.AMBULATOIRE: 10},
    )
    export = add_source(
        session,
        finess=finess,
        name="export",
        feed_format=FeedFormat.ICAL,
        agenda_kind=AgendaKind.ESTABLISHMENT,
    )
    old = add_source(
        session,
        finess=finess,
        name="ancien",
        feed_format=FeedFormat.ICAL,
        agenda_kind=AgendaKind.ESTABLISHMENT,
    )
    for source, received in ((export, _utc(D(2025, 3, 30), 8)), (old, _utc(D(2025, 2, 1), 8))):
        row = session.get(Source, source.id)
        assert row is not None
        row.created_at = _utc(D(2024, 1, 1), 0)
        session.add(
            FeedImport(
                source_id=source.id,
                received_at=received,
                content_type="text/calendar",
                sha256=secrets.token_hex(32),
                size_bytes=10,
                status=ImportStatus.PROCESSED,
                payload_sealed=b"-",
            )
        )
    youth: dict[str, Person] = {}
    for name in ("Y1", "Y2", "Y3", "Y4", "Y5"):
        person = Person(
            establishment_id=establishment.id,
            kind=PersonKind.YOUTH,
            pseudonym=secrets.token_hex(16),
            link_key=secrets.token_hex(16),
        )
        session.add(person)
        youth[name] = person
    session.flush()

    def pathway(name: str, status: PathwayStatus, start: dt.date, end: dt.date | None) -> None:
        session.add(
            PathwayPeriod(
                person_id=youth[name].id,
                status=status,
                start_date=start,
                end_date=end,
                origin="api",
            )
        )

    pathway("Y1", PathwayStatus.PRE_ADMISSION, D(2024, 12, 2), D(2025, 1, 5))
    pathway("Y1", PathwayStatus.ACCOMPAGNEMENT, D(2025, 1, 6), None)
    pathway("Y2", PathwayStatus.ACCOMPAGNEMENT, D(2023, 9, 1), D(2025, 3, 14))
    pathway("Y4", PathwayStatus.PRE_ADMISSION, D(2025, 1, 20), D(2025, 2, 2))
    pathway("Y4", PathwayStatus.ACCOMPAGNEMENT, D(2025, 2, 3), None)
    pathway("Y5", PathwayStatus.ACCOMPAGNEMENT, D(2025, 3, 3), D(2025, 3, 28))
    session.add(
        ComplexityFlag(
            person_id=youth["Y2"].id,
            start_date=D(2025, 1, 1),
            end_date=D(2025, 1, 31),
            criteria=["test"],
            origin="api",
        )
    )

    starts: list[dt.datetime] = []

    def add(
        name: str | None,
        start: dt.datetime,
        end: dt.datetime,
        activity: Activity,
        nature: Nature = Nature.DIRECT,
        setting: Setting = Setting.SITE,
        status: SessionStatus = SessionStatus.DONE,
    ) -> None:
        row = AgendaSession(
            establishment_id=establishment.id,
            source_id=export.id,
            uid=f"{secrets.token_hex(8)}@test",
            recurrence_id="",
            start_at=start,
            end_at=end,
            status=status,
            summary="séance",
            activity=activity,
            setting=setting,
            nature=nature,
            rule_id="test",
            rule_set_version="test-1",
            content_hash=secrets.token_hex(8),
        )
        session.add(row)
        session.flush()
        starts.append(start)
        if name is not None:
            session.add(
                SessionParticipant(
                    session_id=row.id,
                    person_id=youth[name].id,
                    kind=PersonKind.YOUTH,
                    presence=_presence(nature),
                    session_start_at=start,
                )
            )

    add("Y1", _utc(D(2025, 1, 13), 8), _utc(D(2025, 1, 13), 11), Activity.ACCUEIL_JOUR)
    add("Y1", _utc(D(2025, 2, 4), 9), _utc(D(2025, 2, 4), 10), Activity.AMBULATOIRE)
    add(
        "Y1",
        _utc(D(2025, 2, 5), 9),
        _utc(D(2025, 2, 5), 10),
        Activity.APPUI_RESSOURCES,
        Nature.INDIRECT,
    )
    add("Y2", _utc(D(2025, 1, 14), 17), _utc(D(2025, 1, 15), 7), Activity.ACCUEIL_NUIT)
    add("Y2", _utc(D(2024, 2, 6), 17), _utc(D(2024, 2, 7), 7), Activity.ACCUEIL_NUIT)
    add("Y3", _utc(D(2025, 1, 16), 9), _utc(D(2025, 1, 16), 11), Activity.AMBULATOIRE)
    add(
        "Y3",
        _utc(D(2025, 1, 17), 9),
        _utc(D(2025, 1, 17), 10),
        Activity.COORDINATION,
        Nature.INDIRECT,
    )
    add("Y3", _utc(D(2025, 3, 10), 9), _utc(D(2025, 3, 10), 10), Activity.UNCLASSIFIED)
    add(
        "Y4",
        _utc(D(2025, 1, 27), 9),
        _utc(D(2025, 1, 27), 9, 30),
        Activity.COORDINATION,
        Nature.INDIRECT,
    )
    add("Y4", _utc(D(2025, 2, 10), 9), _utc(D(2025, 2, 10), 10), Activity.AMBULATOIRE)
    add(
        "Y5",
        _utc(D(2025, 3, 4), 8),
        _utc(D(2025, 3, 4), 14),
        Activity.ACCUEIL_JOUR,
        status=SessionStatus.PLANNED,
    )
    add(
        None,
        _utc(D(2025, 2, 6), 9),
        _utc(D(2025, 2, 6), 11),
        Activity.APPUI_RESSOURCES,
        Nature.INSTITUTIONNEL,
        Setting.ECOLE,
    )
    session.flush()
    # As every writer of sessions: their weeks are marked out of date and the refresh task
    # deferred (the tests run it once this unit of work commits, before any read).
    invalidate_after_write(session, establishment, starts)


def _presence(nature: Nature) -> Presence:
    return Presence.PRESENT if nature is Nature.DIRECT else Presence.NOT_EXPECTED
