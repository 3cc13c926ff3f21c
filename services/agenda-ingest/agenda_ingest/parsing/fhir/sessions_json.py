"""Sessions in the JSON form of ``ditep fhir sessions``, shared with the corpus tests.

One object per session with exactly ``uid``, ``start``, ``end``, ``all_day``,
``recurrence_id`` (always ``null``: FHIR resources do not recur), ``status``,
``youth`` and ``professionals`` (how many were recognised) and ``codes``
(``system|code``). A timed value is UTC ``YYYY-MM-DDTHH:MM:SSZ``, an all-day
value ``YYYY-MM-DD``.
"""

from __future__ import annotations

from agenda_ingest.parsing.drafts import SessionDraft
from agenda_ingest.parsing.normalised import Occurrence, format_moment
from ditep_core.nomenclatures import PersonKind

SessionJson = dict[str, str | bool | int | list[str] | None]


def session_json(occurrence: Occurrence, draft: SessionDraft) -> SessionJson:
    """The session as ``ditep fhir sessions`` prints it: the draft the ingestion stores."""
    return {
        "uid": draft.uid,
        "start": format_moment(occurrence.start),
        "end": format_moment(occurrence.end),
        "all_day": draft.all_day,
        "recurrence_id": None,
        "status": draft.status.value,
        "youth": sum(1 for p in draft.participants if p.kind is PersonKind.YOUTH),
        "professionals": sum(1 for p in draft.participants if p.kind is PersonKind.PROFESSIONAL),
        "codes": list(draft.codes),
    }


def sort_sessions(sessions: list[SessionJson]) -> list[SessionJson]:
    """Sorted by (uid, start), ties by end."""
    return sorted(
        sessions,
        key=lambda session: (str(session["uid"]), str(session["start"]), str(session["end"])),
    )
