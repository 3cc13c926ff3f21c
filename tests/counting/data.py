"""A synthetic DITEP region for counting benchmarks, written straight into the tables.

Each establishment has ``youth`` young people over ``weeks`` ISO weeks from
Monday 2024-09-02, in three profiles (internat, semi-internat, SESSAD), with
coordination, appui-ressources and transport, in an establishment export; half
of the sessions are repeated (same UID) in the professionals' agenda, as
agendas do. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ditep_core.models import (
    AgendaSession,
    Establishment,
    EstablishmentCapacity,
    Person,
    SessionParticipant,
    Source,
)
from ditep_core.nomenclatures import (
    Activity,
    AgendaKind,
    FeedFormat,
    Nature,
    PersonKind,
    Presence,
    SessionStatus,
    Setting,
    SourceMode,
)

PARIS = ZoneInfo("Europe/Paris")
FIRST_MONDAY = dt.date(2024, 9, 2)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS).astimezone(dt.UTC)


def _week_plan(kind: str, monday: dt.date, rng: random.Random) -> list[tuple[Any, ...]]:
    """(start, end, activity, setting, youth present) of one young person's week."""
    plan: list[tuple[Any, ...]] = []
    days = [monday + dt.timedelta(days=i) for i in range(5)]
    if kind in {"internat", "semi"}:
        for day in days:
            plan.append(
                (_at(day, 8, 15), _at(day, 8, 45), Activity.TRANSPORT, Setting.EXTERIEUR, True)
            )
            plan.append((_at(day, 9), _at(day, 16, 30), Activity.ACCUEIL_JOUR, Setting.SITE, True))
        if kind == "internat":
            for day in days[:4]:
                nxt = day + dt.timedelta(days=1)
                plan.append((_at(day, 18), _at(nxt, 8), Activity.ACCUEIL_NUIT, Setting.SITE, True))
    else:
        for day in rng.sample(days, 3):
            hour = rng.choice([9, 10, 14, 15])
            setting = rng.choice([Setting.ECOLE, Setting.DOMICILE, Setting.SITE])
            plan.append((_at(day, hour), _at(day, hour + 1), Activity.AMBULATOIRE, setting, True))
    if rng.random() < 0.25:
        day = rng.choice(days)
        plan.append((_at(day, 17), _at(day, 18), Activity.COORDINATION, Setting.SITE, False))
    if rng.random() < 0.15:
        day = rng.choice(days)
        plan.append((_at(day, 13), _at(day, 14), Activity.APPUI_RESSOURCES, Setting.ECOLE, False))
    return plan


def build_establishment(
    session: Session,
    index: int,
    *,
    youth: int,
    weeks: int,
    seed: int = 7,
    first_monday: dt.date = FIRST_MONDAY,
) -> Establishment:
    rng = random.Random(seed * 1000 + index)
    finess = f"69{index:07d}"
    establishment = Establishment(
        finess=finess,
        name=f"DITEP bench {index}",
        region_code="84",
        department_code="69",
        timezone="Europe/Paris",
    )
    session.add(establishment)
    session.flush()
    for modality, places in (
        (Activity.ACCUEIL_NUIT, youth // 3),
        (Activity.ACCUEIL_JOUR, youth // 2),
        (Activity.AMBULATOIRE, youth // 3),
    ):
        session.add(
            EstablishmentCapacity(
                establishment_id=establishment.id, modality=modality, places=places
            )
        )
    sources = []
    for name, kind in (("export", AgendaKind.ESTABLISHMENT), ("pros", AgendaKind.PROFESSIONAL)):
        source = Source(
            establishment_id=establishment.id,
            name=name,
            format=FeedFormat.ICAL,
            mode=SourceMode.PUSH,
            agenda_kind=kind,
        )
        session.add(source)
        sources.append(source)
    session.flush()
    people = [
        Person(
            establishment_id=establishment.id,
            kind=PersonKind.YOUTH,
            pseudonym=f"y{index}-{i}",
            link_key=f"ly{index}-{i}",
        )
        for i in range(youth)
    ] + [
        Person(
            establishment_id=establishment.id,
            kind=PersonKind.PROFESSIONAL,
            pseudonym=f"p{index}-{i}",
            link_key=f"lp{index}-{i}",
        )
        for i in range(max(1, youth // 5))
    ]
    session.add_all(people)
    session.flush()
    young, pros = people[:youth], people[youth:]
    kinds = ["internat"] * 3 + ["semi"] * 4 + ["sessad"] * 3
    next_id = index * 10_000_000
    session_rows: list[dict[str, object]] = []
    links: list[dict[str, object]] = []
    now = dt.datetime.now(dt.UTC)
    for number, person in enumerate(young):
        plan_kind = kinds[number % len(kinds)]
        professional = pros[number % len(pros)]
        for week in range(weeks):
            monday = first_monday + dt.timedelta(weeks=week)
            for slot, (start, end, activity, setting, present) in enumerate(
                _week_plan(plan_kind, monday, rng)
            ):
                uid = f"{person.pseudonym}-{week}-{slot}"
                copies = [sources[0].id] + ([sources[1].id] if rng.random() < 0.5 else [])
                for source_id in copies:
                    next_id += 1
                    session_rows.append(
                        {
                            "id": next_id,
                            "establishment_id": establishment.id,
                            "source_id": source_id,
                            "uid": uid,
                            "recurrence_id": "",
                            "start_at": start,
                            "end_at": end,
                            "all_day": False,
                            "status": SessionStatus.DONE,
                            "summary": "",
                            "location": "",
                            "categories": [],
                            "codes": [],
                            "activity": activity,
                            "setting": setting,
                            "nature": Nature.DIRECT if present else Nature.INDIRECT,
                            "serafin_code": None,
                            "rule_id": "bench",
                            "rule_set_version": "bench-1",
                            "content_hash": uid,
                            "import_id": None,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    links.append(
                        {
                            "session_id": next_id,
                            "person_id": person.id,
                            "kind": PersonKind.YOUTH,
                            "presence": Presence.PRESENT if present else Presence.NOT_EXPECTED,
                            "session_start_at": start,
                        }
                    )
                    links.append(
                        {
                            "session_id": next_id,
                            "person_id": professional.id,
                            "kind": PersonKind.PROFESSIONAL,
                            "presence": Presence.PRESENT,
                            "session_start_at": start,
                        }
                    )
    for start in range(0, len(session_rows), 5000):
        session.execute(insert(AgendaSession), session_rows[start : start + 5000])
    for start in range(0, len(links), 5000):
        session.execute(insert(SessionParticipant), links[start : start + 5000])
    session.flush()
    return establishment
