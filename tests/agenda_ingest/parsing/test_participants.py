"""Who is a young person, who is a professional, and what is kept of them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from agenda_ingest.parsing.drafts import DraftContext, build_draft
from agenda_ingest.parsing.normalised import Occurrence, Participant
from agenda_ingest.parsing.participants import ParticipantOptions, recognise, recognise_all
from ditep_core.nomenclatures import AgendaKind, PersonKind, Presence, SessionStatus
from ditep_core.pseudonyms import Pseudonymiser

DEFAULTS = ParticipantOptions()
INS = "urn:oid:1.2.250.1.213.1.4.8:1090375123456"


def test_default_recognition() -> None:
    youth = recognise(Participant(INS, {"CN": "Lucas M."}), DEFAULTS)
    assert youth is not None
    assert (youth.kind, youth.presence) == (PersonKind.YOUTH, Presence.PRESENT)
    marked = recognise(Participant("urn:uuid:1", {"X-DUI-TYPE": "usager"}), DEFAULTS)
    assert marked is not None
    assert marked.kind is PersonKind.YOUTH
    pro = recognise(Participant("mailto:a@b.fr", {"X-DUI-FONCTION": "Orthophoniste"}), DEFAULTS)
    assert pro is not None
    assert (pro.kind, pro.function) == (PersonKind.PROFESSIONAL, "orthophoniste")
    assert recognise(Participant("mailto:salle@b.fr", {"CUTYPE": "ROOM"}), DEFAULTS) is None
    assert recognise(Participant("urn:uuid:2", {}), DEFAULTS) is None


def test_presence() -> None:
    declined = recognise(Participant(INS, {"PARTSTAT": "DECLINED"}), DEFAULTS)
    assert declined is not None
    assert declined.presence is Presence.ABSENT
    absent_by_design = recognise(Participant(INS, {"ROLE": "NON-PARTICIPANT"}), DEFAULTS)
    assert absent_by_design is not None
    assert absent_by_design.presence is Presence.NOT_EXPECTED


def test_source_options_replace_the_defaults() -> None:
    options = ParticipantOptions.from_mapping(
        {"youth_uri_prefixes": ["urn:dui:usager:"], "youth_markers": ["BENEFICIAIRE"]}
    )
    local = recognise(Participant("urn:dui:usager:42", {}), options)
    assert local is not None
    assert local.kind is PersonKind.YOUTH
    assert recognise(Participant(INS, {}), options) is None
    marked = recognise(Participant("urn:x:1", {"X-V": "beneficiaire"}), options)
    assert marked is not None


def test_organiser_who_also_attends_is_one_person() -> None:
    people = recognise_all(
        [
            Participant("mailto:A@b.fr", {}, is_organizer=True),
            Participant("mailto:a@b.fr", {"PARTSTAT": "ACCEPTED"}),
        ],
        DEFAULTS,
    )
    assert len(people) == 1


def _occurrence(*participants: Participant) -> Occurrence:
    start = dt.datetime(2025, 3, 10, 8, tzinfo=dt.UTC)
    return Occurrence(
        uid="u",
        start=start,
        end=start + dt.timedelta(hours=1),
        all_day=False,
        recurrence_id=None,
        summary="Séance orthophonie",
        participants=participants,
    )


def _context(**overrides: object) -> DraftContext:
    values: dict[str, object] = {
        "timezone": ZoneInfo("Europe/Paris"),
        "agenda_kind": AgendaKind.ESTABLISHMENT,
        "options": DEFAULTS,
        "pseudonymiser": Pseudonymiser("secret").for_establishment("690000017"),
        **overrides,
    }
    return DraftContext(**values)  # type: ignore[arg-type]


def test_drafts_keep_pseudonyms_only() -> None:
    draft = build_draft(
        _occurrence(Participant(INS, {"CN": "Lucas M."}), Participant("mailto:c@d.fr", {})),
        _context(),
    )
    kinds = sorted(p.kind.value for p in draft.participants)
    assert kinds == ["professional", "youth"]
    for participant in draft.participants:
        assert len(participant.pseudonym) == 64
        assert "1090375123456" not in participant.pseudonym
    assert draft.classification.nature.value == "direct"


def test_a_young_persons_own_agenda_attributes_every_session() -> None:
    keys = Pseudonymiser("secret").for_establishment("690000017").keys(PersonKind.YOUTH, INS)
    draft = build_draft(
        _occurrence(Participant("mailto:c@d.fr", {})),
        _context(agenda_kind=AgendaKind.YOUTH, youth_link_key=keys.link_key),
    )
    youth = [p for p in draft.participants if p.kind is PersonKind.YOUTH]
    assert [(p.pseudonym, p.link_key) for p in youth] == [(keys.pseudonym, keys.link_key)]
    assert draft.classification.nature.value == "direct"


def test_every_expected_young_person_declined_makes_the_session_absent() -> None:
    draft = build_draft(
        _occurrence(Participant(INS, {"PARTSTAT": "DECLINED"}), Participant("mailto:c@d.fr", {})),
        _context(),
    )
    assert draft.status is SessionStatus.ABSENT
