"""FHIR agendas (TDDUI, GAP, plain R4/R4B/R5) to occurrences, pathway periods and absences.

A lenient walk over the decoded JSON, not a validation: a vendor's
"FHIR-like" export (missing optional elements, unknown extensions, R4 or R5
element names) is read for what it says about sessions. A resource that cannot
be used is reported with its JSON path (``entry[12].resource.period.start``)
and the rest is read. Pure: no database, no I/O; identifiers are still clear
here and are pseudonymised by the caller.

What is read:

- ``Encounter`` profiled as a TDDUI event (or any Encounter that is not a
  stay): one session, ``period`` (R5 ``actualPeriod``) or ``period.start`` +
  ``length``; status planned/triaged → planned, finished → done,
  cancelled/entered-in-error → cancelled; ``type`` and ``serviceType`` codes
  (SERAFIN-PH among them) and the stay's modality; the young person from
  ``subject``; professionals from ``participant.individual`` (R5 ``actor``);
  the TDDUI extensions *usager présent* (false: held for the young person
  without them) and *hors prestation* (true: a code the rules read).
- ``Encounter`` profiled as a TDDUI stay (séjour), or the target of another
  Encounter's ``partOf``: a pathway period with its accommodation modality.
- ``Appointment`` (GAP, R4): one session, ``start`` and ``end`` or
  ``minutesDuration``; booked → planned, fulfilled → done, cancelled →
  cancelled, noshow → absent; participants by the type of their ``actor``;
  ``serviceType``, ``appointmentType`` and ``serviceCategory`` codes.
- ``Slot`` of a TDDUI presence/absence schedule: an absence of the Schedule's
  young person, which marks them absent from the sessions it overlaps. Other
  Slots and Schedules (free/busy availability) count for nothing.
- ``Patient``, ``Practitioner``, ``PractitionerRole``, ``Location``: read
  through references (identifiers, function, place name); names are never
  read. Any other resource is accepted and counts for nothing.

A young person must be told: a reference to a Patient the body does not hold
(nor contains) is only accepted with an ``identifier``, else the resource that
refers to them is rejected (a typo would make a second person); an INS is read
as its 13 characters and a wrong key rejects it (``ditep_core.ins``). Every
rejection carries the resource's ``uid`` when it has one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from agenda_ingest.classification.engine import TDDUI_OUTSIDE_SERVICE_CODE
from agenda_ingest.classification.links import cue_codes, link_codes
from agenda_ingest.parsing.fhir.bundle import (
    Entry,
    References,
    Resolved,
    bundle_type_warning,
    check_feed,
    child,
    collect_entries,
    decode_json,
)
from agenda_ingest.parsing.fhir.values import (
    BadValue,
    JsonObject,
    coding_tokens,
    concept_texts,
    duration_seconds,
    extension_value,
    extension_values,
    flag,
    local_date,
    objects,
    parse_moment,
    text,
)
from agenda_ingest.parsing.limits import (
    DEFAULT_LIMITS,
    FeedLimits,
    check_size,
    too_many_participants,
)
from agenda_ingest.parsing.memory import collector_paused
from agenda_ingest.parsing.normalised import FeedError, Occurrence, Participant
from ditep_core import ins
from ditep_core.nomenclatures import PathwayStatus, PersonKind

INS_SYSTEMS = ins.INS_SYSTEMS
"""INS-NIR and INS-NIA: a young person's national identifier, written ``urn:oid:<oid>:<value>``
(the value in its canonical 13 characters, its key checked: ``ditep_core.ins``)."""
OUTSIDE_SERVICE_CODE = TDDUI_OUTSIDE_SERVICE_CODE
"""The code an event carries when the TDDUI "hors prestation" extension is true."""

_PATIENT_PRESENT = "tddui-patient-present"
_OUTSIDE_SERVICE = "tddui-outside-service"
_EVENT_LABEL = "tddui-event-label"
_ADMISSION_DATE = "tddui-admission-date"
_PLANNED_START = "extension-Encounter.plannedStartDate"
_PLANNED_ABSENCE = "tddui-planned-absence"
_STAY_PROFILE = "tddui-encounter-sejour"
_EVENT_PROFILE = "tddui-encounter-evenement"
_MAX_UID = 1024
_MAX_FUNCTION = 64

# Statuses read as planned (counted once over, as not validated) without a warning.
_ENCOUNTER_PLANNED = frozenset(
    {"planned", "arrived", "triaged", "in-progress", "onleave", "on-hold"}  # R4 and R5
)
_APPOINTMENT_PLANNED = frozenset({"booked", "arrived", "checked-in"})
_ENCOUNTER_STATUS = {
    "finished": "DONE",
    "completed": "DONE",  # R5
    "discharged": "DONE",  # R5
    "discontinued": "DONE",  # R5: started, stopped early
    "cancelled": "CANCELLED",
    "entered-in-error": "CANCELLED",
}
_APPOINTMENT_STATUS = {
    "fulfilled": "DONE",
    "cancelled": "CANCELLED",
    "entered-in-error": "CANCELLED",
    "noshow": "ABSENT",
    # Never agreed (a request, an offer, a waiting list): kept, never counted.
    "proposed": "CANCELLED",
    "pending": "CANCELLED",
    "waitlist": "CANCELLED",
}
# A date-time with its offset (or Z); one without is read in the establishment's zone.
_NAIVE = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")
_MIDNIGHT_UTC = re.compile(r"T00:00(?::00(?:\.0+)?)?Z$")
_REQUEST_STATUSES = frozenset({"proposed", "pending", "waitlist"})
_CANCELLED = frozenset({"cancelled", "entered-in-error"})
_PERSON_TYPES = frozenset({"Patient", "Practitioner", "PractitionerRole"})


@dataclass(frozen=True, slots=True)
class StayPeriod:
    """A pathway period from a stay; ``youth_identifier`` is clear until the service hashes it."""

    external_id: str
    youth_identifier: str
    status: PathwayStatus
    start_date: dt.date
    end_date: dt.date | None
    modality: str | None
    path: str


@dataclass(frozen=True, slots=True)
class Absence:
    """A young person's absence (a TDDUI presence/absence Slot typed "absent")."""

    uid: str
    youth_identifier: str
    start: dt.datetime
    end: dt.datetime
    planned: bool | None
    path: str


@dataclass(slots=True)
class ParsedFhirFeed:
    occurrences: list[Occurrence]
    paths: list[str]
    """The JSON path of each occurrence's resource, in the same order."""
    rejected: list[FeedError]
    pathway_periods: list[StayPeriod]
    absences: list[Absence]
    resources_read: int
    withdrawn_periods: list[str] = field(default_factory=list)
    """Identifiers of cancelled stays: their periods go, even from an incremental feed."""
    outside_window: int = 0
    warnings: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    """Resources read, by type."""
    stamp: dt.datetime | None = None
    """When the Bundle says it was made (``meta.lastUpdated``, else ``timestamp``)."""


class _Reject(Exception):
    """This resource cannot be used: ``message`` at ``where`` (a path inside the resource)."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where


class _BadPerson(Exception):
    """A reference names a young person who cannot be told (the referring resource is rejected)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class _Person:
    identifier: str
    kind: PersonKind
    function: str | None = None


def parse_fhir(
    data: bytes,
    *,
    window_start: dt.date,
    window_end: dt.date,
    default_tz: ZoneInfo,
    snapshot: bool = True,
    limits: FeedLimits = DEFAULT_LIMITS,
) -> ParsedFhirFeed:
    """Read a FHIR JSON body. Raises FeedUnreadable when it is not JSON, not FHIR at all, or
    not a feed (``fhir.bundle``: an OperationOutcome, a transaction deleting or patching),
    or past the limit of ``limits`` on entries, with the JSON path of the first one past it.

    A snapshot (``snapshot=True``, a pushed feed or a full pull) that holds no Encounter
    or Appointment is unreadable too: it would delete every session of its source. An
    increment (an incremental pull) may hold nothing: nothing changed.

    Sessions are kept when they overlap ``[window_start, window_end)`` (local
    days); stays are kept whatever their dates. Times come out as aware UTC. An
    event past a per-event limit (participants) is rejected with its path.
    """
    with collector_paused():
        return _parse(data, window_start, window_end, default_tz, snapshot, limits)


def _parse(
    data: bytes,
    window_start: dt.date,
    window_end: dt.date,
    default_tz: ZoneInfo,
    snapshot: bool,
    limits: FeedLimits,
) -> ParsedFhirFeed:
    check_size(data, limits.max_fhir_bytes, "DITEP_MAX_FHIR_FEED_BYTES")
    document = decode_json(data)
    entries, rejected = collect_entries(document, limits)
    if snapshot:
        check_feed(document, entries)
    mapper = _Mapper(References(entries), entries, default_tz, window_start, window_end, limits)
    feed = ParsedFhirFeed(
        occurrences=[],
        paths=[],
        rejected=rejected,
        pathway_periods=[],
        absences=[],
        resources_read=len(entries),
        stamp=bundle_stamp(document),
    )
    for entry in entries:
        mapper.path = entry.path
        resource_type = entry.resource["resourceType"]
        feed.counts[resource_type] = feed.counts.get(resource_type, 0) + 1
        try:
            mapper.read(entry, feed)
        except _Reject as reject:
            feed.rejected.append(
                FeedError(
                    reject.message,
                    path=child(entry.path, reject.where) if reject.where else entry.path or "$",
                    uid=mapper.uid_or_none(entry.resource),
                    resource_type=resource_type[:64],
                    title=_title(entry.resource),
                )
            )
    if feed.absences:
        feed.occurrences = _apply_absences(feed.occurrences, feed.absences, default_tz)
    notes = mapper.notes.as_errors(default_tz)
    bundle_note = bundle_type_warning(document)
    if bundle_note is not None:
        notes.insert(0, bundle_note)
    feed.rejected.extend(notes)
    feed.warnings = len(notes)
    return feed


_TITLE_MAX = 200


def _title(resource: JsonObject) -> str | None:
    """What a person would call the resource: its TDDUI label, description, or type texts."""
    label = text(extension_values(resource).get(_EVENT_LABEL)) or text(resource.get("description"))
    if not label:
        label = " – ".join(
            _unique(
                [
                    *concept_texts(resource.get("type")),
                    *concept_texts(resource.get("serviceType")),
                    *concept_texts(resource.get("appointmentType")),
                ]
            )
        )
    return label[:_TITLE_MAX] or None


@dataclass(slots=True)
class _Notes:
    """What the mapper noticed without rejecting anything (the feed's warnings)."""

    naive: int = 0
    naive_path: str = ""
    midnight_utc: int = 0
    midnight_path: str = ""
    defaulted: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    """(resource type, status) read as planned by default: how many, the first one's path."""

    def as_errors(self, timezone: ZoneInfo) -> list[FeedError]:
        notes: list[FeedError] = []
        if self.naive:
            notes.append(
                FeedError(
                    f"warning: {self.naive} date-times have no offset: they were read in the "
                    f"establishment's zone ({timezone.key}); send them with their offset "
                    "(+01:00, +02:00) to be sure",
                    path=self.naive_path,
                )
            )
        if self.midnight_utc:
            notes.append(
                FeedError(
                    f"warning: {self.midnight_utc} date-times are midnight UTC (T00:00:00Z), "
                    f"which is not midnight in {timezone.key}: if the DUI writes local times "
                    "with a Z, send them with their offset instead",
                    path=self.midnight_path,
                )
            )
        for (resource_type, status), (count, path) in sorted(self.defaulted.items()):
            shown = f"status '{status}'" if status else "no status"
            notes.append(
                FeedError(
                    f"warning: {count} {resource_type}s with {shown} were read as planned "
                    "(counted once over, as not validated); see the documented statuses",
                    path=path,
                    resource_type=resource_type,
                )
            )
        return notes


class _Mapper:
    def __init__(
        self,
        references: References,
        entries: list[Entry],
        timezone: ZoneInfo,
        window_start: dt.date,
        window_end: dt.date,
        limits: FeedLimits = DEFAULT_LIMITS,
    ) -> None:
        self.references = references
        self.limits = limits
        self.notes = _Notes()
        self.path = ""
        """The path of the entry being read (for the warnings)."""
        self.timezone = timezone
        self.window_start = window_start
        self.window_end = window_end
        self.window_start_at = _local_midnight(window_start, timezone)
        self.window_end_at = _local_midnight(window_end, timezone)
        self._people: dict[str, _Person | _BadPerson | None] = {}
        self._participants: dict[tuple[_Person, bool], Participant] = {}
        # One tuple per distinct set of (cached) participants: the drafting caches by it.
        self._participant_sets: dict[tuple[int, ...], tuple[Participant, ...]] = {}
        self._stay_codes: dict[int, tuple[str, ...]] = {}
        # Encounters another Encounter is part of are stays, whatever their profile says.
        self._parents: set[int] = set()
        for entry in entries:
            resource = entry.resource
            if resource["resourceType"] == "Encounter" and "partOf" in resource:
                parent = references.resolve(resource.get("partOf"), resource)
                if parent is not None and parent.resource is not None:
                    self._parents.add(id(parent.resource))

    # --- dispatch ------------------------------------------------------------------

    def read(self, entry: Entry, feed: ParsedFhirFeed) -> None:
        resource = entry.resource
        resource_type = resource["resourceType"]
        if resource_type == "Encounter":
            if self._is_stay(resource):
                if text(resource.get("status")) in _CANCELLED:
                    # Never happened: no period, and an earlier one goes.
                    feed.withdrawn_periods.append(_uid(resource))
                    return
                feed.pathway_periods.append(self._stay(resource, entry.path))
                return
            self._keep(self._encounter(resource), entry.path, feed)
        elif resource_type == "Appointment":
            self._keep(self._appointment(resource), entry.path, feed)
        elif resource_type == "Slot":
            absence = self._slot(resource, entry.path)
            if absence is not None:
                feed.absences.append(absence)
        # Patient, Practitioner, Location, Schedule...: read through references only.

    def _keep(self, occurrence: Occurrence, path: str, feed: ParsedFhirFeed) -> None:
        if self._in_window(occurrence):
            feed.occurrences.append(occurrence)
            feed.paths.append(path)
        else:
            feed.outside_window += 1

    def _in_window(self, occurrence: Occurrence) -> bool:
        start, end = occurrence.start, occurrence.end
        if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
            return start < self.window_end_at and (
                end > self.window_start_at or (end == start and start >= self.window_start_at)
            )
        assert not isinstance(start, dt.datetime)
        assert not isinstance(end, dt.datetime)
        return start < self.window_end and end > self.window_start

    # --- identity ------------------------------------------------------------------

    def uid_or_none(self, resource: JsonObject) -> str | None:
        try:
            return _uid(resource)
        except _Reject:
            return None

    # --- Encounter -----------------------------------------------------------------

    def _is_stay(self, resource: JsonObject) -> bool:
        meta = resource.get("meta")
        profiles = meta.get("profile") if isinstance(meta, dict) else None
        if isinstance(profiles, list):
            for profile in profiles:
                if isinstance(profile, str):
                    if _STAY_PROFILE in profile:
                        return True
                    if _EVENT_PROFILE in profile:
                        return False
        if id(resource) in self._parents:
            return True
        for identifier in objects(resource.get("identifier")):
            system = identifier.get("system")
            if isinstance(system, str) and "identifiant-medicosocial-sejour" in system:
                return True
            if any(token.endswith("|SEJ") for token in coding_tokens(identifier.get("type"))):
                return True
        return extension_value(resource, _ADMISSION_DATE) is not None

    def _check_participants(self, resource: JsonObject) -> None:
        """Reject an event naming more people than ``max_participants_per_event``."""
        items = resource.get("participant")
        if isinstance(items, list) and len(items) > self.limits.max_participants_per_event:
            raise _Reject(too_many_participants(len(items), self.limits), "participant")

    def _encounter(self, resource: JsonObject) -> Occurrence:
        self._check_participants(resource)
        uid = _uid(resource)
        period_key = _period_key(resource)
        period = resource.get(period_key)
        if not isinstance(period, dict) or period.get("start") is None:
            raise _Reject(
                "the encounter has no start (period.start): not a session", f"{period_key}.start"
            )
        start = self._moment(period.get("start"), period_key, ".start")
        if period.get("end") is not None:
            end = self._moment(period.get("end"), period_key, ".end")
        else:
            seconds = duration_seconds(resource.get("length"))
            if seconds is None:
                raise _Reject(
                    "the encounter has no end (period.end) nor a readable length",
                    f"{period_key}.end",
                )
            start = _as_time(start, self.timezone)
            end = start + dt.timedelta(seconds=seconds)
        start, end, all_day = _span(start, end, f"{period_key}.end", self.timezone)
        raw_status = text(resource.get("status"))
        status = _ENCOUNTER_STATUS.get(raw_status, "")
        if not status and raw_status not in _ENCOUNTER_PLANNED:
            self._defaulted("Encounter", raw_status)

        extensions = extension_values(resource)
        present = flag(extensions.get(_PATIENT_PRESENT))
        participants: list[Participant] = []
        subject = self._person(
            resource.get("subject"), resource, "subject", patient_by_default=True
        )
        if subject is not None:
            participants.append(self._participant(subject, absent_by_design=present is False))
        for index, item in _indexed(resource.get("participant")):
            key = "individual" if item.get("individual") else "actor"  # R4 / R5
            person = self._person(item.get(key), resource, f"participant{index}.{key}")
            if person is not None:
                participants.append(self._participant(person))

        codes = coding_tokens(resource.get("type")) + coding_tokens(resource.get("serviceType"))
        if "partOf" in resource:
            codes += self._stay_modality(resource)
        if flag(extensions.get(_OUTSIDE_SERVICE)) is True:
            codes.append(OUTSIDE_SERVICE_CODE)
        label = text(extensions.get(_EVENT_LABEL))
        summary = label or " – ".join(
            _unique(
                [*concept_texts(resource.get("type")), *concept_texts(resource.get("serviceType"))]
            )
        )
        location = ""
        if "location" in resource:
            places = (
                self._place(item.get("location"), resource)
                for item in objects(resource["location"])
            )
            location = next((name for name in places if name), "")
        return self._occurrence(
            uid, (start, end, all_day), status, summary, location, participants, codes
        )

    def _stay_modality(self, resource: JsonObject) -> list[str]:
        """The modality codes of the stay an event is part of (a rule may read them)."""
        parent = self.references.resolve(resource.get("partOf"), resource)
        if parent is None or parent.resource is None:
            return []
        key = id(parent.resource)
        cached = self._stay_codes.get(key)
        if cached is None:
            cached = self._stay_codes[key] = tuple(
                coding_tokens(parent.resource.get("serviceType"))
            )
        return list(cached)

    def _stay(self, resource: JsonObject, path: str) -> StayPeriod:
        external_id = _uid(resource)
        status = text(resource.get("status"))
        subject = self._person(
            resource.get("subject"), resource, "subject", patient_by_default=True
        )
        if subject is None or subject.kind is not PersonKind.YOUTH:
            raise _Reject("the stay names no young person (subject: a Patient)", "subject")
        period_key = _period_key(resource)
        period = resource.get(period_key)
        period = period if isinstance(period, dict) else {}
        start_value, where = period.get("start"), f"{period_key}.start"
        if start_value is None:
            start_value = extension_value(resource, _ADMISSION_DATE)
            if start_value is None and status == "planned":
                start_value = extension_value(resource, _PLANNED_START)
            if start_value is None:
                raise _Reject("the stay has no start (period.start or admission date)", where)
            where = "extension"
        start = local_date(self._moment(start_value, where), self.timezone)
        end: dt.date | None = None
        if period.get("end") is not None:
            end = local_date(self._moment(period.get("end"), f"{period_key}.end"), self.timezone)
            if end < start:
                raise _Reject("the stay ends before it starts", f"{period_key}.end")
        modality = next(iter(coding_tokens(resource.get("serviceType"))), None)
        if modality is None:
            modality = next(concept_texts(resource.get("serviceType")), None)
        return StayPeriod(
            external_id=external_id,
            youth_identifier=subject.identifier,
            status=PathwayStatus.PRE_ADMISSION
            if status == "planned"
            else PathwayStatus.ACCOMPAGNEMENT,
            start_date=start,
            end_date=end,
            modality=modality[:255] if modality else None,
            path=path,
        )

    # --- Appointment ---------------------------------------------------------------

    def _appointment(self, resource: JsonObject) -> Occurrence:
        self._check_participants(resource)
        uid = _uid(resource)
        raw_status = text(resource.get("status"))
        if resource.get("start") is None:
            if raw_status in _REQUEST_STATUSES:
                raise _Reject(
                    f"an appointment request (status {raw_status}) with no start yet: "
                    "not a session",
                    "start",
                )
            raise _Reject("the appointment has no start", "start")
        start = self._moment(resource.get("start"), "start")
        if resource.get("end") is not None:
            end = self._moment(resource.get("end"), "end")
        else:
            minutes = resource.get("minutesDuration")
            if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
                raise _Reject("the appointment has no end nor minutesDuration", "end")
            start = _as_time(start, self.timezone)
            end = start + dt.timedelta(minutes=minutes)
        start, end, all_day = _span(start, end, "end", self.timezone)
        status = _APPOINTMENT_STATUS.get(raw_status, "")
        if not status and raw_status not in _APPOINTMENT_PLANNED:
            self._defaulted("Appointment", raw_status)

        participants: list[Participant] = []
        location = ""
        for index, item in _indexed(resource.get("participant")):
            resolved = self.references.resolve(item.get("actor"), resource)
            if resolved is None:
                continue
            if resolved.resource_type == "Location":
                location = location or _place_name(resolved)
                continue
            person = self._person_of(resolved, f"participant{index}.actor")
            if person is None:
                continue
            params: dict[str, str] = {}
            if text(item.get("status")) == "declined" or (
                status == "ABSENT" and person.kind is PersonKind.YOUTH
            ):
                params["PARTSTAT"] = "DECLINED"
            elif text(item.get("required")) == "information-only":
                params["ROLE"] = "NON-PARTICIPANT"
            participants.append(_participant(person, params))
        subject = self._person(  # R5
            resource.get("subject"), resource, "subject", patient_by_default=True
        )
        if subject is not None and all(p.identifier != subject.identifier for p in participants):
            declined = {"PARTSTAT": "DECLINED"} if status == "ABSENT" else {}
            participants.append(_participant(subject, declined))

        coded = ("serviceType", "appointmentType", "serviceCategory")
        codes = [token for key in coded for token in coding_tokens(resource.get(key))]
        summary = text(resource.get("description")) or " – ".join(
            _unique([words for key in coded for words in concept_texts(resource.get(key))])
        )
        # The appointment's free-text notes (R4 ``comment``, R5 ``note``) are what an iCal
        # DESCRIPTION is: their video links and cues say a call or the home (links.py).
        notes = [text(resource.get("comment"))] + [
            text(note.get("text")) for note in objects(resource.get("note"))
        ]
        notes = [note for note in notes if note]
        links = link_codes(*notes) + cue_codes(*notes) if notes else ()
        return self._occurrence(
            uid, (start, end, all_day), status, summary, location, participants, codes, links
        )

    # --- Slot ----------------------------------------------------------------------

    def _slot(self, resource: JsonObject, path: str) -> Absence | None:
        kind = _presence_kind(resource)
        if kind != "absence" or text(resource.get("status")) == "entered-in-error":
            return None  # a presence, or free/busy availability: nothing to count
        uid = _uid(resource)
        if resource.get("start") is None:
            raise _Reject("the absence has no start", "start")
        if resource.get("end") is None:
            raise _Reject("the absence has no end", "end")
        start = self._moment(resource.get("start"), "start")
        end = self._moment(resource.get("end"), "end")
        start, end, _all_day = _span(start, end, "end", self.timezone)
        start_at, end_at = _as_time(start, self.timezone), _as_time(end, self.timezone)
        schedule = self.references.resolve(resource.get("schedule"), resource)
        youth: _Person | None = None
        if schedule is not None and schedule.resource is not None:
            for actor in objects(schedule.resource.get("actor")):
                person = self._person(actor, schedule.resource, "schedule")
                if person is not None and person.kind is PersonKind.YOUTH:
                    youth = person
                    break
        if youth is None:
            raise _Reject(
                "the absence's young person cannot be found (schedule: a Schedule in the "
                "feed whose actor is a Patient)",
                "schedule",
            )
        return Absence(
            uid=uid,
            youth_identifier=youth.identifier,
            start=start_at,
            end=end_at,
            planned=flag(extension_value(resource, _PLANNED_ABSENCE)),
            path=path,
        )

    # --- people and places ---------------------------------------------------------

    def _person(
        self,
        reference: object,
        container: JsonObject,
        where: str,
        *,
        patient_by_default: bool = False,
    ) -> _Person | None:
        """``patient_by_default``: a ``subject`` whose type cannot be told is the young person.

        ``where`` is the reference's path in the resource being read, for its rejection.
        """
        resolved = self.references.resolve(reference, container)
        if resolved is None:
            return None
        if resolved.resource_type is None and patient_by_default:
            resolved = dataclasses.replace(resolved, resource_type="Patient")
        return self._person_of(resolved, where)

    def _person_of(self, resolved: Resolved, where: str) -> _Person | None:
        """The person a reference names, by the type of what it points to; None for others.

        Raises _Reject (at ``where``) when it names a young person who cannot be told.
        """
        resource_type = resolved.resource_type
        if resource_type not in _PERSON_TYPES:
            return None
        cache_key = (
            f"{resolved.reference}"
            if resolved.reference
            and not resolved.reference.startswith("#")
            and resolved.identifier is None
            else None
        )
        if cache_key is not None and cache_key in self._people:
            person = self._people[cache_key]
            if isinstance(person, _BadPerson):
                raise _Reject(person.message, where)
            return person
        try:
            person = self._read_person(resolved)
        except _BadPerson as bad:
            if cache_key is not None:
                self._people[cache_key] = bad
            raise _Reject(bad.message, where) from None
        if cache_key is not None:
            self._people[cache_key] = person
        return person

    def _read_person(self, resolved: Resolved) -> _Person | None:
        resource = resolved.resource
        if resolved.resource_type == "Patient":
            youth = _patient_identifier(resource, resolved, self.references)
            return None if youth is None else _Person(youth, PersonKind.YOUTH)
        function: str | None = None
        identifier: str | None = None
        if resource is not None and resolved.resource_type == "PractitionerRole":
            function = next(concept_texts(resource.get("code")), None)
            practitioner = self.references.resolve(resource.get("practitioner"), resource)
            if practitioner is not None:
                identifier = _professional_identifier(practitioner)
                if practitioner.resource is not None and function is None:
                    function = _qualification(practitioner.resource)
        elif resource is not None:
            function = _qualification(resource)
        if identifier is None:
            identifier = _professional_identifier(resolved)
        if identifier is None:
            return None
        return _Person(
            identifier,
            PersonKind.PROFESSIONAL,
            function[:_MAX_FUNCTION].strip().lower() if function else None,
        )

    def _participant(self, person: _Person, *, absent_by_design: bool = False) -> Participant:
        """One Participant object per person and presence (they are frozen; feeds repeat them)."""
        key = (person, absent_by_design)
        cached = self._participants.get(key)
        if cached is None:
            params = {"ROLE": "NON-PARTICIPANT"} if absent_by_design else {}
            cached = self._participants[key] = _participant(person, params)
        return cached

    def _occurrence(
        self,
        uid: str,
        span: tuple[dt.datetime | dt.date, dt.datetime | dt.date, bool],
        status: str,
        summary: str,
        location: str,
        participants: list[Participant],
        codes: list[str],
        links: tuple[str, ...] = (),
    ) -> Occurrence:
        """An Encounter's or an Appointment's occurrence (never a recurrence's instance)."""
        start, end, all_day = span
        return Occurrence(
            uid=uid,
            start=start,
            end=end,
            all_day=all_day,
            recurrence_id=None,
            status=status,
            summary=summary,
            location=location,
            participants=self._participant_set(participants),
            codes=tuple(_unique(codes)) if len(codes) > 1 else tuple(codes),
            links=links,
        )

    def _participant_set(self, participants: list[Participant]) -> tuple[Participant, ...]:
        people = tuple(participants)
        return self._participant_sets.setdefault(tuple(map(id, people)), people)

    def _place(self, reference: object, container: JsonObject) -> str:
        resolved = self.references.resolve(reference, container)
        return "" if resolved is None else _place_name(resolved)

    # --- values --------------------------------------------------------------------

    def _moment(self, value: object, where: str, suffix: str = "") -> dt.datetime | dt.date:
        try:
            moment = parse_moment(value, self.timezone)
        except BadValue as error:
            raise _Reject(str(error), where + suffix) from error
        if isinstance(moment, dt.datetime) and isinstance(value, str):
            if _NAIVE.search(value) is None:
                if not self.notes.naive:
                    self.notes.naive_path = child(self.path, where + suffix)
                self.notes.naive += 1
            elif _MIDNIGHT_UTC.search(value) and self.timezone.utcoffset(moment) != dt.timedelta():
                if not self.notes.midnight_utc:
                    self.notes.midnight_path = child(self.path, where + suffix)
                self.notes.midnight_utc += 1
        return moment

    def _defaulted(self, resource_type: str, status: str) -> None:
        key = (resource_type, status[:64])
        count, path = self.notes.defaulted.get(key, (0, self.path or "$"))
        self.notes.defaulted[key] = (count + 1, path)


def _period_key(resource: JsonObject) -> str:
    """R5 renamed an Encounter's ``period`` to ``actualPeriod``."""
    return "actualPeriod" if "actualPeriod" in resource and "period" not in resource else "period"


def _uid(resource: JsonObject) -> str:
    """The resource's business identifier (``system|value``), else ``Type/id``."""
    identifiers = resource.get("identifier")
    for identifier in identifiers if isinstance(identifiers, list) else objects(identifiers):
        if not isinstance(identifier, dict):
            continue
        value = identifier.get("value")
        if isinstance(value, str) and value.strip():
            system = identifier.get("system")
            uid = (
                f"{system.strip()}|{value.strip()}"
                if isinstance(system, str) and system.strip()
                else value.strip()
            )
            break
    else:
        resource_id = resource.get("id")
        if not isinstance(resource_id, str) or not resource_id.strip():
            raise _Reject(
                "the resource has neither an identifier nor an id: it cannot be recognised "
                "from one feed to the next",
                "identifier",
            )
        uid = f"{resource['resourceType']}/{resource_id.strip()}"
    if len(uid) > _MAX_UID:
        raise _Reject(f"the identifier is longer than {_MAX_UID} characters", "identifier")
    return uid


def _patient_identifier(
    resource: JsonObject | None, resolved: Resolved, references: References
) -> str | None:
    """INS first (``urn:oid:<oid>:<value>``, as iCal feeds write it), a local id, the reference.

    The INS is written in its canonical 13 characters (``ditep_core.ins``). Raises _BadPerson
    when an INS is malformed or has a wrong key, and when the reference points to a Patient
    the body does not hold and carries no identifier: a typo there would make a new person.
    """
    candidates: list[tuple[JsonObject, str]] = []
    if resource is not None:
        where = references.path_of(resource)
        owner = f"the Patient at {where or '$'}" if where is not None else "the contained Patient"
        candidates += [
            (identifier, f"{owner}, identifier{index}")
            for index, identifier in _indexed(resource.get("identifier"))
        ]
    if resolved.identifier is not None:
        candidates.append((resolved.identifier, "the reference's identifier"))
    local: str | None = None
    for identifier, place in candidates:
        system, value = text(identifier.get("system")), text(identifier.get("value"))
        if not value:
            continue
        if system in INS_SYSTEMS:
            try:
                return f"{system}:{ins.canonical_ins(value)}"
            except ins.InvalidIns as error:
                raise _BadPerson(f"{place}: {error}") from None
        if local is None and system:
            local = f"{system}|{value}"
    if local is not None:
        return local
    if resource is None and resolved.reference is not None:
        raise _BadPerson(
            f"reference {resolved.reference} resolves to no Patient in the feed: send the "
            "Patient in the same body, or give the reference an identifier (system and value)"
        )
    return resolved.reference


def _indexed(value: object) -> Iterator[tuple[str, JsonObject]]:
    """The JSON objects in ``value`` with their index (``[2]``; ``""`` for a lone object)."""
    if isinstance(value, dict):
        yield "", value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield f"[{index}]", item


def _professional_identifier(resolved: Resolved) -> str | None:
    candidates = list(objects(resolved.resource.get("identifier"))) if resolved.resource else []
    if resolved.identifier is not None:
        candidates.append(resolved.identifier)
    for identifier in candidates:
        system, value = text(identifier.get("system")), text(identifier.get("value"))
        if value:
            return f"{system}|{value}" if system else value
    return resolved.reference


def _qualification(resource: JsonObject) -> str | None:
    for qualification in objects(resource.get("qualification")):
        for words in concept_texts(qualification.get("code")):
            return words
    return None


def _place_name(resolved: Resolved) -> str:
    resource = resolved.resource
    if resource is not None:
        name = text(resource.get("name"))
        if name:
            return name
    if resolved.display:
        return resolved.display
    return text(resource.get("description")) if resource is not None else ""


def _participant(person: _Person, params: dict[str, str]) -> Participant:
    if person.function:
        params = {**params, "X-FHIR-FONCTION": person.function}
    return Participant(identifier=person.identifier, params=params, kind_hint=person.kind)


def _presence_kind(resource: JsonObject) -> str | None:
    """ "absence", "presence" or None (a Slot that is not a TDDUI presence/absence)."""
    if flag(extension_value(resource, _PLANNED_ABSENCE)) is not None:
        return "absence"
    for concept in (resource.get("serviceType"),):
        for token in coding_tokens(concept):
            system, _, code = token.rpartition("|")
            if "presence-absence" in system.lower():
                return "absence" if code == "2" else "presence"
        for words in concept_texts(concept):
            lowered = words.lower()
            if lowered.startswith("absen"):
                return "absence"
            if lowered.startswith(("présen", "presen")):
                return "presence"
    return None


def _apply_absences(
    occurrences: list[Occurrence], absences: list[Absence], timezone: ZoneInfo
) -> list[Occurrence]:
    """Mark a young person absent from the sessions an absence of theirs overlaps."""
    by_youth: dict[str, list[Absence]] = {}
    for absence in absences:
        by_youth.setdefault(absence.youth_identifier, []).append(absence)
    result: list[Occurrence] = []
    for occurrence in occurrences:
        if occurrence.status == "CANCELLED" or not any(
            p.identifier in by_youth for p in occurrence.participants
        ):
            result.append(occurrence)
            continue
        start = _as_time(occurrence.start, timezone)
        end = _as_time(occurrence.end, timezone)
        changed = False
        participants: list[Participant] = []
        for participant in occurrence.participants:
            spans = by_youth.get(participant.identifier, ())
            if participant.kind_hint is PersonKind.YOUTH and any(
                span.start < end and start < span.end for span in spans
            ):
                participant = dataclasses.replace(
                    participant, params={**participant.params, "PARTSTAT": "DECLINED"}
                )
                changed = True
            participants.append(participant)
        result.append(
            dataclasses.replace(occurrence, participants=tuple(participants))
            if changed
            else occurrence
        )
    return result


def _span(
    start: dt.datetime | dt.date, end: dt.datetime | dt.date, where: str, timezone: ZoneInfo
) -> tuple[dt.datetime | dt.date, dt.datetime | dt.date, bool]:
    """Start, end (exclusive) and all-day: a FHIR date period includes its last day.

    A day on one side and a time on the other is read as the day's local midnight.
    """
    if type(start) is dt.datetime and type(end) is dt.datetime:  # the common case, first
        if end < start:
            raise _Reject("the end is before the start", where)
        return start, end, False
    if not isinstance(start, dt.datetime) and not isinstance(end, dt.datetime):
        if end < start:
            raise _Reject("the end is before the start", where)
        return start, end + dt.timedelta(days=1), True
    start_at, end_at = _as_time(start, timezone), _as_time(end, timezone)
    if end_at < start_at:
        raise _Reject("the end is before the start", where)
    return start_at, end_at, False


def bundle_stamp(document: Any) -> dt.datetime | None:
    """A Bundle's ``meta.lastUpdated`` (else its ``timestamp``), an aware UTC instant."""
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        return None
    meta = document.get("meta")
    candidates = (
        meta.get("lastUpdated") if isinstance(meta, dict) else None,
        document.get("timestamp"),
    )
    for value in candidates:
        if isinstance(value, str):
            try:
                instant = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                continue
            if instant.tzinfo is not None:
                return instant.astimezone(dt.UTC)
    return None


def _as_time(value: dt.datetime | dt.date, timezone: ZoneInfo) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else _local_midnight(value, timezone)


def _local_midnight(day: dt.date, timezone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone).astimezone(dt.UTC)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
