"""From a parsed occurrence to the values stored for a session: pure, no database.

Identifiers are pseudonymised here, before anything reaches a repository, and
names (iCal ``CN``) are dropped: they are never read past this point.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from zoneinfo import ZoneInfo

from agenda_ingest.classification.engine import (
    Classification,
    CompiledRuleSet,
    SessionFacts,
    default_rule_set,
)
from agenda_ingest.parsing.normalised import Occurrence, Participant, format_moment
from agenda_ingest.parsing.participants import ParticipantOptions, recognise_all
from ditep_core.nomenclatures import AgendaKind, PathwayStatus, PersonKind, Presence, SessionStatus
from ditep_core.pseudonyms import EstablishmentPseudonymiser

_DONE_VALUES = {
    "REALISE",
    "REALISEE",
    "RÉALISÉ",
    "RÉALISÉE",
    "DONE",
    "FAIT",
    "EFFECTUE",
    "EFFECTUÉ",
}


@dataclass(frozen=True, slots=True)
class ParticipantDraft:
    kind: PersonKind
    pseudonym: str
    """Published, bound to the establishment (``ditep_core.pseudonyms``)."""
    presence: Presence
    function: str | None
    link_key: str
    """Internal, the same in every establishment: stored on the person, never published."""


@dataclass(frozen=True, slots=True)
class SessionDraft:
    uid: str
    recurrence_id: str
    start_at: dt.datetime
    end_at: dt.datetime
    all_day: bool
    status: SessionStatus
    summary: str
    location: str
    categories: tuple[str, ...]
    codes: tuple[str, ...]
    classification: Classification
    participants: tuple[ParticipantDraft, ...]
    content_hash: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.uid, self.recurrence_id)


@dataclass(frozen=True, slots=True)
class DraftContext:
    """What a source and its establishment add to every occurrence."""

    timezone: ZoneInfo
    agenda_kind: AgendaKind
    options: ParticipantOptions
    pseudonymiser: EstablishmentPseudonymiser
    """The pseudonyms of the source's establishment."""
    youth_link_key: str | None = None
    """A young person's own agenda: that young person's link key (source option)."""
    rules: CompiledRuleSet = field(default_factory=default_rule_set)
    """The establishment's rule set (its latest version), else the default one."""
    manual: Mapping[tuple[str, str], Classification] = field(default_factory=dict)
    """Classifications set by hand, by (UID, recurrence id): they win over the rules."""


def session_status(occurrence: Occurrence) -> SessionStatus:
    if occurrence.status == "CANCELLED":
        return SessionStatus.CANCELLED
    # Formats that state the outcome themselves (FHIR finished / fulfilled, noshow).
    if occurrence.status == "DONE":
        return SessionStatus.DONE
    if occurrence.status == "ABSENT":
        return SessionStatus.ABSENT
    for name, value in occurrence.properties.items():
        if name.endswith(("STATUS", "STATUT")) and value.strip().upper() in _DONE_VALUES:
            return SessionStatus.DONE
    return SessionStatus.PLANNED


def _as_utc(value: dt.datetime | dt.date, timezone: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    return dt.datetime.combine(value, dt.time(), tzinfo=timezone).astimezone(dt.UTC)


T = TypeVar("T")
ParticipantsKey = tuple[tuple[str, tuple[tuple[str, str], ...], bool, PersonKind | None], ...]


class DraftBuilder:
    """Builds drafts for one feed, remembering what repeats across its occurrences.

    A feed repeats the same few people and summaries thousands of times: their
    recognition and pseudonyms are computed once per distinct value; the rule
    set remembers classifications by the features its rules can test.
    """

    def __init__(self, context: DraftContext) -> None:
        self.context = context
        self._participants: dict[ParticipantsKey, tuple[ParticipantDraft, ...]] = {}
        # By participants tuple object (kept with it, so that its id is not reused).
        self._people_by_object: dict[int, tuple[tuple[Participant, ...], _People]] = {}
        self._people_by_drafts: dict[int, tuple[tuple[ParticipantDraft, ...], _People]] = {}
        # The hashed text of a participant set and of a classification, by object (both cached).
        self._texts: dict[int, tuple[object, tuple[str, ...]]] = {}

    def build(self, occurrence: Occurrence) -> SessionDraft:
        context = self.context
        people = self._people(occurrence)
        drafts = people.drafts

        status = session_status(occurrence)
        if status is not SessionStatus.CANCELLED and people.all_expected_absent:
            status = SessionStatus.ABSENT

        start_at = _as_utc(occurrence.start, context.timezone)
        end_at = _as_utc(occurrence.end, context.timezone)
        recurrence_id = (
            format_moment(occurrence.recurrence_id) if occurrence.recurrence_id is not None else ""
        )
        codes = feed_codes(occurrence)
        manual = context.manual.get((occurrence.uid, recurrence_id)) if context.manual else None
        classification = manual or self._classify(occurrence, people, codes)
        content = "\x1f".join(
            (
                start_at.isoformat(),
                end_at.isoformat(),
                str(occurrence.all_day),
                status.value,
                occurrence.summary,
                occurrence.location,
                "\x1e".join(occurrence.categories),
                *self._text(classification, _classification_text),
                *self._text(drafts, _participants_text),
                # Only when there are codes (FHIR codes, iCal vendor properties): other hashes stay.
                *(("codes\x1e" + "\x1e".join(codes),) if codes else ()),
            )
        )
        return SessionDraft(
            uid=occurrence.uid,
            recurrence_id=recurrence_id,
            start_at=start_at,
            end_at=end_at,
            all_day=occurrence.all_day,
            status=status,
            summary=occurrence.summary,
            location=occurrence.location,
            categories=occurrence.categories,
            codes=codes,
            classification=classification,
            participants=drafts,
            content_hash=hashlib.sha256(content.encode()).hexdigest(),
        )

    def _text(self, value: T, render: Callable[[T], tuple[str, ...]]) -> tuple[str, ...]:
        """``render(value)``, once per object: the cached participant sets and classifications
        recur in most sessions of a feed. The object is kept with its text, so that its id is
        not reused while the builder lives."""
        cached = self._texts.get(id(value))
        if cached is None or cached[0] is not value:
            cached = self._texts[id(value)] = (value, render(value))
        return cached[1]

    def _people(self, occurrence: Occurrence) -> _People:
        """The summary of the occurrence's participants; parsers share one participants
        tuple between the occurrences of an event (or of identical events), so the
        summary is looked up by that object first."""
        participants = occurrence.participants
        cached = self._people_by_object.get(id(participants))
        if cached is not None and cached[0] is participants:
            return cached[1]
        drafts = self._participant_drafts(occurrence)  # one tuple per distinct set
        known = self._people_by_drafts.get(id(drafts))
        people = known[1] if known is not None else _People.of(drafts)
        self._people_by_drafts[id(drafts)] = (drafts, people)
        self._people_by_object[id(participants)] = (participants, people)
        return people

    def _participant_drafts(self, occurrence: Occurrence) -> tuple[ParticipantDraft, ...]:
        key: ParticipantsKey = tuple(
            (
                p.identifier,
                tuple(sorted(p.params.items())) if p.params else (),
                p.is_organizer,
                p.kind_hint,
            )
            for p in occurrence.participants
        )
        cached = self._participants.get(key)
        if cached is not None:
            return cached
        context = self.context
        recognised = recognise_all(occurrence.participants, context.options)
        people = {
            (person.kind, context.pseudonymiser.keys(person.kind, person.identifier)): person
            for person in recognised
        }
        drafts = [
            ParticipantDraft(kind, keys.pseudonym, person.presence, person.function, keys.link_key)
            for (kind, keys), person in people.items()
        ]
        youth = context.youth_link_key
        if youth is not None and not any(draft.link_key == youth for draft in drafts):
            drafts.append(
                ParticipantDraft(
                    PersonKind.YOUTH,
                    context.pseudonymiser.from_link_key(youth),
                    Presence.PRESENT,
                    None,
                    youth,
                )
            )
        # By link key, as the content hash lists them (see _participants_text).
        drafts.sort(key=lambda draft: (draft.kind.value, draft.link_key))
        result = tuple(drafts)
        self._participants[key] = result
        return result

    def _classify(
        self, occurrence: Occurrence, people: _People, codes: tuple[str, ...]
    ) -> Classification:
        rules = self.context.rules
        # The rule set's own memo key (CompiledRuleSet.key), built without the facts: most
        # sessions of a feed repeat an entry whose classification does not read the time.
        remembered = rules.remembered(
            (
                occurrence.summary,
                occurrence.location,
                occurrence.categories,
                codes,
                people.youth,
                people.youth_present,
                people.professionals,
                people.functions,
                occurrence.all_day,
                self.context.agenda_kind,
            )
        )
        if remembered is not None:
            return remembered
        start = end = None
        if rules.reads_time:
            start = local_moment(occurrence.start, self.context.timezone)
            end = local_moment(occurrence.end, self.context.timezone)
        return rules.classify(
            SessionFacts(
                summary=occurrence.summary,
                location=occurrence.location,
                categories=occurrence.categories,
                codes=codes,
                youth=people.youth,
                youth_present=people.youth_present,
                professionals=people.professionals,
                functions=people.functions,
                start=start,
                end=end,
                all_day=occurrence.all_day,
                source_kind=self.context.agenda_kind,
            )
        )


MAX_PROPERTY_CODE_LENGTH = 100
"""Longer vendor properties (descriptions, HTML) are text, not codes."""


def feed_codes(occurrence: Occurrence) -> tuple[str, ...]:
    """The codes the feed states: its own (FHIR), then its vendor ``X-`` properties as
    ``X-NAME|value`` (iCal), which rules can test like any code; then the links of its
    description and place as ``link|host``."""
    if occurrence.links:
        return (*_stated_codes(occurrence), *occurrence.links)
    return _stated_codes(occurrence)


def _stated_codes(occurrence: Occurrence) -> tuple[str, ...]:
    if not occurrence.properties:
        return occurrence.codes
    vendor = sorted(
        f"{name}|{value.strip()}"
        for name, value in occurrence.properties.items()
        if name.startswith("X-")
        and value.strip()
        and len(value) <= MAX_PROPERTY_CODE_LENGTH
        and "\n" not in value
    )
    return (*occurrence.codes, *vendor) if vendor else occurrence.codes


def local_moment(value: dt.datetime | dt.date, timezone: ZoneInfo) -> dt.datetime:
    """A moment on the establishment's wall clock (what the night window is read on)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(timezone)
    return dt.datetime.combine(value, dt.time(), tzinfo=timezone)


@dataclass(frozen=True, slots=True)
class _People:
    """What the drafting and the rules need to know of a session's participants."""

    drafts: tuple[ParticipantDraft, ...]
    youth: int
    youth_present: int
    professionals: int
    functions: tuple[str, ...]
    all_expected_absent: bool
    """At least one young person was expected, and every one of them declined."""

    @classmethod
    def of(cls, drafts: tuple[ParticipantDraft, ...]) -> _People:
        youth = [draft for draft in drafts if draft.kind is PersonKind.YOUTH]
        professionals = [draft for draft in drafts if draft.kind is PersonKind.PROFESSIONAL]
        expected = [draft for draft in youth if draft.presence is not Presence.NOT_EXPECTED]
        return cls(
            drafts=drafts,
            youth=len(youth),
            youth_present=sum(1 for draft in youth if draft.presence is Presence.PRESENT),
            professionals=len(professionals),
            functions=tuple(sorted({d.function for d in professionals if d.function})),
            all_expected_absent=bool(expected)
            and all(draft.presence is Presence.ABSENT for draft in expected),
        )


def _classification_text(classification: Classification) -> tuple[str, ...]:
    return (
        classification.activity.value,
        classification.setting.value,
        classification.nature.value,
        classification.rule_id,
        classification.rule_set_version,
    )


def _participants_text(drafts: tuple[ParticipantDraft, ...]) -> tuple[str, ...]:
    # The link key, not the pseudonym: within one establishment either names the person,
    # and the link key is what the content hashes stored before migration 0009 hold (the
    # pseudonyms were link keys then), so the same feed after that migration changes nothing.
    return tuple(
        f"{d.kind.value}\x1e{d.link_key}\x1e{d.presence.value}\x1e{d.function or ''}"
        for d in drafts
    )


def build_draft(occurrence: Occurrence, context: DraftContext) -> SessionDraft:
    """One draft, without the per-feed caches (for single sessions and tests)."""
    return DraftBuilder(context).build(occurrence)


@dataclass(frozen=True, slots=True)
class PeriodDraft:
    """A pathway period from a feed (a TDDUI stay), its young person already pseudonymised."""

    external_id: str
    youth_pseudonym: str
    youth_link_key: str
    status: PathwayStatus
    start_date: dt.date
    end_date: dt.date | None
    modality: str | None
