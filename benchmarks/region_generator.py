"""A region of DITEP, generated and ingested through the real ingestion function.

Deterministic (seeded): 40 establishments of region 84 (Auvergne-Rhône-Alpes),
each with 100 young people over the school year 2024-09-01..2025-08-31, holidays
of zone A and public holidays off. Every young person follows a weekly timetable
of one profile (internat, accueil de jour, SESSAD) plus care sessions, syntheses
(indirect), appui-ressources (indirect), taxis, with cancellations and absences.

Each young person has an agenda of their own (a ``youth`` source with their
identifier) and each professional one (a ``professional`` source); a session with
a professional appears in both, with the same UID, so the counting engine has
duplicates to merge. Half the establishments send weekly RRULEs with EXDATEs and
overrides (RECURRENCE-ID) for cancellations and absences, the other half flat
exports (one VEVENT per occurrence). Every feed goes through
``agenda_ingest.feeds.service.ingest_payload``, one unit of work per feed as a push.

    .venv/bin/python -m benchmarks.region_generator --url sqlite:///var/region.sqlite3 --quick
    .venv/bin/python -m benchmarks.region_generator \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/ditep_region_bench --create
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from agenda_ingest.sources.service import add_source
from benchmarks.ingestion import MIGRATIONS_DIR, SECRET, ingest_into
from ditep_core import migrations
from ditep_core.db import Database, normalise_database_url
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.establishments.service import add_establishment
from ditep_core.models import AgendaSession
from ditep_core.nomenclatures import Activity, AgendaKind, FeedFormat
from ditep_core.observability import configure_logging
from ditep_core.protection import DataProtection
from ditep_counting.rollups.service import refresh_stale
from tests.agenda_ingest.parsing.ical.generator import VTIMEZONE, _fold

REGION_CODE = "84"
DEPARTMENTS = {
    "01": "Bourg-en-Bresse",
    "03": "Moulins",
    "07": "Privas",
    "15": "Aurillac",
    "26": "Valence",
    "38": "Grenoble",
    "42": "Saint-Étienne",
    "43": "Le Puy-en-Velay",
    "63": "Clermont-Ferrand",
    "69": "Lyon",
    "73": "Chambéry",
    "74": "Annecy",
}
NAMES = (
    "Les Tilleuls",
    "Le Val Fleuri",
    "Les Cèdres",
    "La Passerelle",
    "Les Érables",
    "Le Chêne Vert",
    "La Roseraie",
    "Les Charmilles",
    "L'Envol",
    "Les Sources",
)
WINDOW = (dt.date(2024, 9, 1), dt.date(2025, 9, 1))
SCHOOL_START = dt.date(2024, 9, 2)
SCHOOL_END = dt.date(2025, 7, 5)  # excluded: the summer holidays start
# Zone A (Lyon, Grenoble, Clermont-Ferrand), first day off and first day back.
HOLIDAYS = (
    (dt.date(2024, 10, 19), dt.date(2024, 11, 4)),
    (dt.date(2024, 12, 21), dt.date(2025, 1, 6)),
    (dt.date(2025, 2, 22), dt.date(2025, 3, 10)),
    (dt.date(2025, 4, 19), dt.date(2025, 5, 5)),
)
PUBLIC_HOLIDAYS = frozenset(
    {
        dt.date(2024, 11, 1),
        dt.date(2024, 11, 11),
        dt.date(2025, 5, 1),
        dt.date(2025, 5, 8),
        dt.date(2025, 5, 29),
        dt.date(2025, 5, 30),  # "pont de l'Ascension"
        dt.date(2025, 6, 9),
    }
)
NIR = "urn:oid:1.2.250.1.213.1.4.8"
CANCELLED_SHARE = 0.02
ABSENT_SHARE = 0.04
FULL = (40, 100)
QUICK = (4, 20)


def finess_number(department: str, serial: int) -> str:
    """A FINESS-shaped number: department, seven digits, the last a Luhn key."""
    body = f"{department}{serial:06d}"
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"{body}{(10 - total % 10) % 10}"


def is_school_day(day: dt.date) -> bool:
    if not SCHOOL_START <= day < SCHOOL_END or day in PUBLIC_HOLIDAYS:
        return False
    return not any(first <= day < back for first, back in HOLIDAYS)


@dataclass(frozen=True, slots=True)
class Professional:
    index: int
    function: str


class Kind(NamedTuple):
    summary: str
    location: str
    categories: str
    hour: int
    minute: int
    minutes: int


INTERNAT = Kind("Internat", "DITEP – internat", "INTERNAT", 18, 0, 840)
SEMI_INTERNAT = Kind("Semi-internat", "DITEP – unité de jour", "SEMI-INTERNAT", 9, 0, 450)
ATELIER = Kind("Atelier groupe éducatif", "DITEP – atelier", "ACCUEIL-JOUR", 9, 30, 150)
TAXI_MORNING = Kind("Taxi aller", "Domicile – DITEP", "TRANSPORT", 8, 15, 40)
TAXI_EVENING = Kind("Taxi retour", "DITEP – domicile", "TRANSPORT", 16, 35, 40)
SESSAD_CLASS = Kind("SESSAD en classe", "Collège", "SESSAD", 10, 0, 60)
VAD = Kind("VAD", "Domicile", "SESSAD", 17, 0, 90)
SUIVI = Kind("Suivi éducatif SESSAD", "DITEP – bureau SESSAD", "SESSAD", 16, 0, 60)
ORTHOPHONIE = Kind("Séance orthophonie", "DITEP – bureau", "SOIN", 14, 0, 45)
PSYCHOMOTRICITE = Kind("Psychomotricité", "DITEP – salle de motricité", "SOIN", 15, 0, 45)
PSYCHOLOGUE = Kind("Entretien psychologue", "DITEP – bureau", "SOIN", 11, 0, 45)
SYNTHESE = Kind("Synthèse PPA", "DITEP – salle de réunion", "COORDINATION", 14, 0, 90)
APPUI = Kind("Appui ressources enseignants", "École", "APPUI", 16, 45, 60)
REUNION = Kind("Réunion d'équipe", "DITEP – salle de réunion", "INSTITUTIONNEL", 13, 30, 90)


@dataclass(slots=True)
class Series:
    """Sessions of one timetable slot: weekly (``dates`` of one weekday) or one-off."""

    uid: str
    kind: Kind
    dates: list[dt.date]
    youth: int | None
    youth_expected: bool
    professionals: tuple[Professional, ...]
    validated: bool
    weekly: bool
    # Occurrence dates with an exception: cancelled, or the young person absent.
    cancelled: set[dt.date] = field(default_factory=set)
    absent: set[dt.date] = field(default_factory=set)


@dataclass(slots=True)
class EstablishmentPlan:
    index: int
    finess: str
    name: str
    department: str
    capacities: dict[Activity, int]
    recurring: bool
    youth: int
    professionals: list[Professional]
    series: list[Series]

    @property
    def domain(self) -> str:
        return f"ditep-{self.finess}.example"

    def youth_uri(self, youth: int) -> str:
        # A 13-digit NIR-like number, unique in the region.
        return f"{NIR}:{1_100_000_000_000 + int(self.finess[:8]) * 1000 + youth}"

    def expected_sessions(self) -> int:
        """Stored sessions once every feed is ingested: one per occurrence per agenda."""
        total = 0
        for series in self.series:
            agendas = (series.youth is not None) + len(series.professionals)
            total += len(series.dates) * agendas
        return total


def _weekday_dates(weekday: int) -> list[dt.date]:
    first = SCHOOL_START + dt.timedelta(days=(weekday - SCHOOL_START.weekday()) % 7)
    days: list[dt.date] = []
    day = first
    while day < SCHOOL_END:
        if is_school_day(day):
            days.append(day)
        day += dt.timedelta(weeks=1)
    return days


def _school_days() -> list[dt.date]:
    return [
        SCHOOL_START + dt.timedelta(days=offset)
        for offset in range((SCHOOL_END - SCHOOL_START).days)
        if is_school_day(SCHOOL_START + dt.timedelta(days=offset))
    ]


def plan_establishment(index: int, youth_count: int, seed: int) -> EstablishmentPlan:
    """The timetables of one establishment (deterministic for ``(index, seed)``)."""
    rng = random.Random(f"region-{seed}-{index}")
    departments = sorted(DEPARTMENTS)
    department = departments[index % len(departments)]
    finess = finess_number(department, 1000 + index * 37)
    name = f"DITEP {NAMES[index % len(NAMES)]} – {DEPARTMENTS[department]}"
    groups = max(1, youth_count // 10)
    sessad = max(1, youth_count // 12)
    functions = (
        ["educateur"] * groups
        + ["educateur internat"] * max(1, youth_count // 25)
        + ["educateur sessad"] * sessad
        + ["orthophoniste", "psychomotricien", "psychologue", "chef de service"]
        * max(1, youth_count // 50)
    )
    professionals = [Professional(number, function) for number, function in enumerate(functions)]
    by_function: dict[str, list[Professional]] = {}
    for professional in professionals:
        by_function.setdefault(professional.function, []).append(professional)
    school_days = _school_days()
    series: list[Series] = []
    validated = index % 3 != 0  # a third of the establishments never validate their agendas
    recurring = index % 2 == 0
    profiles = {"internat": 0, "jour": 0, "sessad": 0}

    def weekly(youth: int, slot: str, kind: Kind, weekday: int, *pros: Professional) -> None:
        dates = _weekday_dates(weekday)
        uid = f"{finess}-y{youth:03d}-{slot}@ditep-{finess}.example"
        item = Series(uid, kind, dates, youth, True, pros, validated, weekly=True)
        for day in dates:
            draw = rng.random()
            if draw < CANCELLED_SHARE:
                item.cancelled.add(day)
            elif draw < CANCELLED_SHARE + ABSENT_SHARE:
                item.absent.add(day)
        series.append(item)

    for youth in range(youth_count):
        draw = rng.random()
        profile = "internat" if draw < 0.2 else "jour" if draw < 0.55 else "sessad"
        profiles[profile] += 1
        educator = by_function["educateur"][youth % groups]
        night = by_function["educateur internat"][youth % len(by_function["educateur internat"])]
        sessad_educator = by_function["educateur sessad"][youth % sessad]
        therapist = youth % len(by_function["orthophoniste"])
        if profile == "internat":
            for weekday in range(4):
                weekly(youth, f"nuit{weekday}", INTERNAT, weekday, night)
            for weekday in range(5):
                weekly(youth, f"jour{weekday}", SEMI_INTERNAT, weekday, educator)
            weekly(youth, "taxi-lundi", TAXI_MORNING, 0)
            weekly(youth, "taxi-vendredi", TAXI_EVENING, 4)
        elif profile == "jour":
            for weekday in (0, 1, 3, 4):
                weekly(youth, f"jour{weekday}", SEMI_INTERNAT, weekday, educator)
                weekly(youth, f"taxi-aller{weekday}", TAXI_MORNING, weekday)
                weekly(youth, f"taxi-retour{weekday}", TAXI_EVENING, weekday)
            weekly(youth, "atelier", ATELIER, 2, educator)
        else:
            days = rng.sample(range(5), 4)
            weekly(youth, "classe-a", SESSAD_CLASS, days[0], sessad_educator)
            weekly(youth, "classe-b", SESSAD_CLASS, days[1], sessad_educator)
            weekly(youth, "vad", VAD, days[2], sessad_educator)
            weekly(youth, "suivi", SUIVI, days[3], sessad_educator)
        care = rng.sample(
            [
                ("ortho", ORTHOPHONIE, by_function["orthophoniste"][therapist]),
                ("psychomot", PSYCHOMOTRICITE, by_function["psychomotricien"][therapist]),
                ("psy", PSYCHOLOGUE, by_function["psychologue"][therapist]),
            ],
            3,
        )
        for slot, kind, professional in care:
            weekly(youth, slot, kind, rng.choice((0, 1, 3, 4)), professional)
        # A synthesis every ~6 school weeks and, for SESSAD youth, appui to teachers
        # every ~4: indirect sessions (the young person is named, not expected).
        referent = educator if profile != "sessad" else sessad_educator
        chief = by_function["chef de service"][therapist]
        psychologist = by_function["psychologue"][therapist]
        for number, day in enumerate(school_days[rng.randrange(30) :: 30]):
            uid = f"{finess}-y{youth:03d}-synthese{number}@ditep-{finess}.example"
            pros: tuple[Professional, ...] = (referent, psychologist, chief)
            series.append(Series(uid, SYNTHESE, [day], youth, False, pros, validated, False))
        if profile == "sessad":
            for number, day in enumerate(school_days[rng.randrange(20) :: 20]):
                uid = f"{finess}-y{youth:03d}-appui{number}@ditep-{finess}.example"
                pros = (sessad_educator,)
                series.append(Series(uid, APPUI, [day], youth, False, pros, validated, False))
    # The team meeting: institutional, in every professional's agenda (same UID).
    uid = f"{finess}-reunion-equipe@ditep-{finess}.example"
    series.append(
        Series(uid, REUNION, _weekday_dates(1), None, False, tuple(professionals), validated, True)
    )
    capacities = {
        Activity.ACCUEIL_NUIT: profiles["internat"] + rng.randrange(3),
        Activity.ACCUEIL_JOUR: profiles["jour"] + profiles["internat"] + rng.randrange(4),
        Activity.AMBULATOIRE: profiles["sessad"] + rng.randrange(6),
    }
    return EstablishmentPlan(
        index=index,
        finess=finess,
        name=name,
        department=department,
        capacities=capacities,
        recurring=recurring,
        youth=youth_count,
        professionals=professionals,
        series=series,
    )


# --- iCal rendering ---------------------------------------------------------------


def _moment(day: dt.date, kind: Kind) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(kind.hour, kind.minute))
    return start, start + dt.timedelta(minutes=kind.minutes)


def _people_lines(
    plan: EstablishmentPlan, series: Series, *, absent: bool, cancelled: bool
) -> list[str]:
    lines: list[str] = []
    domain = plan.domain
    for position, professional in enumerate(series.professionals):
        uri = f"mailto:pro{professional.index:03d}@{domain}"
        params = f"X-DUI-FONCTION={professional.function};CN=Professionnel {professional.index}"
        if position == 0:
            lines.append(f"ORGANIZER;{params}:{uri}")
        else:
            lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;{params}:{uri}")
    if series.youth is not None:
        role = "REQ-PARTICIPANT" if series.youth_expected else "NON-PARTICIPANT"
        partstat = "DECLINED" if absent else "ACCEPTED"
        lines.append(
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE={role};PARTSTAT={partstat};"
            f"CN=Jeune {series.youth:03d}:{plan.youth_uri(series.youth)}"
        )
    status = "CANCELLED" if cancelled else "CONFIRMED"
    lines.append(f"STATUS:{status}")
    if series.validated and not cancelled:
        lines.append("X-DUI-STATUT:REALISE")
    return lines


def _vevent(lines: Sequence[str]) -> str:
    return "".join(_fold(line) for line in ("BEGIN:VEVENT", *lines, "END:VEVENT"))


def _series_events(plan: EstablishmentPlan, series: Series) -> str:
    """The VEVENTs of one series, exactly as both agendas that hold it send them."""
    kind = series.kind
    describe = [
        f"SUMMARY:{kind.summary}",
        f"LOCATION:{kind.location}",
        f"CATEGORIES:{kind.categories}",
    ]
    events: list[str] = []
    if plan.recurring and series.weekly:
        first, last = series.dates[0], series.dates[-1]
        start, end = _moment(first, kind)
        weekly_days = {
            first + dt.timedelta(weeks=week) for week in range((last - first).days // 7 + 1)
        }
        excluded = sorted(weekly_days - set(series.dates))
        until = dt.datetime.combine(last, dt.time(23, 59, 59))
        lines = [
            f"UID:{series.uid}",
            "DTSTAMP:20250831T220000Z",
            f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Europe/Paris:{end:%Y%m%dT%H%M%S}",
            f"RRULE:FREQ=WEEKLY;UNTIL={until:%Y%m%dT%H%M%S}Z",
        ]
        if excluded:
            moments = ",".join(f"{_moment(day, kind)[0]:%Y%m%dT%H%M%S}" for day in excluded)
            lines.append(f"EXDATE;TZID=Europe/Paris:{moments}")
        events.append(
            _vevent(lines + describe + _people_lines(plan, series, absent=False, cancelled=False))
        )
        for day in sorted(series.cancelled | series.absent):
            start, end = _moment(day, kind)
            override = [
                f"UID:{series.uid}",
                "DTSTAMP:20250831T220000Z",
                f"RECURRENCE-ID;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}",
                f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}",
                f"DTEND;TZID=Europe/Paris:{end:%Y%m%dT%H%M%S}",
                "SEQUENCE:1",
            ]
            people = _people_lines(
                plan, series, absent=day in series.absent, cancelled=day in series.cancelled
            )
            events.append(_vevent(override + describe + people))
        return "".join(events)
    for day in series.dates:
        start, end = _moment(day, kind)
        uid = series.uid if not series.weekly else series.uid.replace("@", f"-{day:%Y%m%d}@", 1)
        lines = [
            f"UID:{uid}",
            "DTSTAMP:20250831T220000Z",
            f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Europe/Paris:{end:%Y%m%dT%H%M%S}",
        ]
        people = _people_lines(
            plan, series, absent=day in series.absent, cancelled=day in series.cancelled
        )
        events.append(_vevent(lines + describe + people))
    return "".join(events)


class Feed(NamedTuple):
    name: str
    kind: AgendaKind
    youth_identifier: str | None
    payload: bytes


def add_feed_source(
    session: Session, plan: EstablishmentPlan, feed: Feed, protection: DataProtection
) -> int:
    """The iCal source of one generated feed of the plan's establishment; its id."""
    return add_source(
        session,
        finess=plan.finess,
        name=feed.name,
        feed_format=FeedFormat.ICAL,
        agenda_kind=feed.kind,
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        youth_identifier=feed.youth_identifier,
        pseudonymiser=protection.pseudonymiser,
    ).id


def feeds_of(plan: EstablishmentPlan) -> Iterator[Feed]:
    """Every agenda of the establishment: one per young person, one per professional."""
    by_youth: dict[int, list[str]] = {youth: [] for youth in range(plan.youth)}
    by_professional: dict[int, list[str]] = {pro.index: [] for pro in plan.professionals}
    for series in plan.series:
        text_of_series = _series_events(plan, series)
        if series.youth is not None:
            by_youth[series.youth].append(text_of_series)
        for professional in series.professionals:
            by_professional[professional.index].append(text_of_series)

    def calendar(title: str, events: list[str]) -> bytes:
        head = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Exemple DUI//Export DITEP//FR\r\n"
            f"CALSCALE:GREGORIAN\r\nX-WR-CALNAME:{title}\r\n{VTIMEZONE}"
        )
        return (head + "".join(events) + "END:VCALENDAR\r\n").encode("utf-8")

    for youth, events in by_youth.items():
        yield Feed(
            f"Agenda jeune {youth:03d}",
            AgendaKind.YOUTH,
            plan.youth_uri(youth),
            calendar(f"Jeune {youth:03d}", events),
        )
    for professional in plan.professionals:
        yield Feed(
            f"Agenda professionnel {professional.index:03d}",
            AgendaKind.PROFESSIONAL,
            None,
            calendar(f"Professionnel {professional.index}", by_professional[professional.index]),
        )


# --- ingestion --------------------------------------------------------------------


@dataclass(slots=True)
class EstablishmentResult:
    finess: str
    feeds: int = 0
    received: int = 0
    created: int = 0
    expected: int = 0
    generation_seconds: float = 0.0
    ingestion_seconds: float = 0.0
    # Imports only mark weeks out of date; the rollups are computed once, at the end.
    rollup_seconds: float = 0.0


def load_establishment(
    database: Database, protection: DataProtection, plan: EstablishmentPlan
) -> EstablishmentResult:
    """Register the establishment and its sources, then push every feed (one unit of work each)."""
    result = EstablishmentResult(plan.finess, expected=plan.expected_sessions())
    with database.unit_of_work() as session:
        add_establishment(
            session,
            finess=plan.finess,
            name=plan.name,
            region_code=REGION_CODE,
            department_code=plan.department,
            capacities=plan.capacities,
        )
    started = time.perf_counter()
    for feed in feeds_of(plan):
        generated = time.perf_counter()
        result.generation_seconds += generated - started
        with database.unit_of_work() as session:
            source_id = add_feed_source(session, plan, feed, protection)
        outcome = ingest_into(
            database, source_id, feed.payload, "text/calendar", protection, dt.date(2025, 9, 1)
        )
        if outcome.failed or outcome.rejected:
            raise RuntimeError(f"{plan.finess} {feed.name}: {outcome.errors[:3]}")
        result.feeds += 1
        result.received += outcome.received
        result.created += outcome.created
        started = time.perf_counter()
        result.ingestion_seconds += started - generated
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(plan.finess)
        assert establishment is not None
        refresh_stale(session, establishment)
    result.rollup_seconds = time.perf_counter() - started
    return result


def _load_many(
    url: str, indexes: Sequence[int], youth: int, seed: int
) -> list[EstablishmentResult]:
    configure_logging(level="WARNING")
    database = Database.from_url(url)
    protection = DataProtection.from_secret(SECRET)
    try:
        results = []
        for index in indexes:
            plan_started = time.perf_counter()
            plan = plan_establishment(index, youth, seed)
            result = load_establishment(database, protection, plan)
            result.generation_seconds += (
                time.perf_counter()
                - plan_started
                - (result.generation_seconds + result.ingestion_seconds + result.rollup_seconds)
            )
            results.append(result)
            print(
                f"  {plan.finess} {plan.name}: {result.created:,} sessions "
                f"({result.feeds} feeds) in {result.ingestion_seconds:.1f} s, rollups "
                f"{result.rollup_seconds:.1f} s",
                flush=True,
            )
        return results
    finally:
        database.dispose()


def _load_many_star(arguments: tuple[str, list[int], int, int]) -> list[EstablishmentResult]:
    return _load_many(*arguments)


@dataclass(slots=True)
class RegionResult:
    establishments: list[EstablishmentResult]
    sessions_in_database: int
    wall_seconds: float

    @property
    def created(self) -> int:
        return sum(result.created for result in self.establishments)

    @property
    def expected(self) -> int:
        return sum(result.expected for result in self.establishments)


def create_postgres_database(url: str) -> None:
    """(Re)create the URL's PostgreSQL database through the server's ``postgres`` database."""
    parsed = make_url(normalise_database_url(url))
    name = parsed.database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to create database {name!r}")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def generate_region(
    url: str,
    *,
    establishments: int,
    youth: int,
    seed: int = 84,
    workers: int = 1,
) -> RegionResult:
    """Migrate the (empty) database at ``url`` and load a generated region into it."""
    migrations.upgrade(url, MIGRATIONS_DIR)
    if make_url(normalise_database_url(url)).get_backend_name() == "sqlite":
        workers = 1  # one writer at a time
    started = time.perf_counter()
    indexes = list(range(establishments))
    if workers <= 1:
        results = _load_many(url, indexes, youth, seed)
    else:
        shares = [(url, indexes[worker::workers], youth, seed) for worker in range(workers)]
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            results = [item for share in pool.map(_load_many_star, shares) for item in share]
    database = Database.from_url(url)
    try:
        if database.engine.dialect.name == "postgresql":
            # Planner statistics for the counts that follow, as after any bulk load.
            with database.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE"
                )
        wall = time.perf_counter() - started
        with database.unit_of_work() as session:
            stored = session.scalar(select(func.count()).select_from(AgendaSession)) or 0
    finally:
        database.dispose()
    return RegionResult(results, stored, wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (SQLite file or PostgreSQL)")
    parser.add_argument("--quick", action="store_true", help="4 establishments x 20 young people")
    parser.add_argument("--establishments", type=int, help="default 40 (4 with --quick)")
    parser.add_argument(
        "--youth", type=int, help="per establishment; default 100 (20 with --quick)"
    )
    parser.add_argument("--seed", type=int, default=84)
    parser.add_argument("--workers", type=int, default=1, help="processes (PostgreSQL only)")
    parser.add_argument(
        "--create", action="store_true", help="drop and create the PostgreSQL database first"
    )
    args = parser.parse_args()
    configure_logging(level="WARNING")  # not one line per feed
    establishments, youth = QUICK if args.quick else FULL
    establishments = args.establishments or establishments
    youth = args.youth or youth
    if args.create:
        create_postgres_database(args.url)
    result = generate_region(
        args.url, establishments=establishments, youth=youth, seed=args.seed, workers=args.workers
    )
    generation = sum(item.generation_seconds for item in result.establishments)
    ingestion = sum(item.ingestion_seconds for item in result.establishments)
    rollups = sum(item.rollup_seconds for item in result.establishments)
    feeds = sum(item.feeds for item in result.establishments)
    print(
        f"region {REGION_CODE}: {establishments} establishments x {youth} young people, "
        f"{feeds:,} feeds, {result.created:,} sessions created "
        f"(expected {result.expected:,}), {result.sessions_in_database:,} in the database"
    )
    print(
        f"generation {generation:.1f} s + ingestion {ingestion:.1f} s + rollups "
        f"{rollups:.1f} s (summed over "
        f"{args.workers} worker(s)); wall clock {result.wall_seconds:.1f} s "
        f"({result.wall_seconds / 60:.1f} min; target < 15 min: "
        f"{'met' if result.wall_seconds < 900 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
