"""Who is a young person, who is a professional: pure rules, configurable per source."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from agenda_ingest.parsing.normalised import Participant
from ditep_core.nomenclatures import PersonKind, Presence

DEFAULT_YOUTH_URI_PREFIXES = (
    "urn:oid:1.2.250.1.213.1.4.8",  # INS-NIR
    "urn:oid:1.2.250.1.213.1.4.10",  # INS-NIA
    "urn:ins:",
)
DEFAULT_YOUTH_MARKERS = ("USAGER", "JEUNE")
DEFAULT_PROFESSIONAL_URI_PREFIXES = ("mailto:",)
DEFAULT_PROFESSIONAL_MARKERS = ("PROFESSIONNEL", "INTERVENANT", "SALARIE")
_IGNORED_USER_TYPES = {"ROOM", "RESOURCE"}
_FUNCTION_SUFFIXES = ("FONCTION", "FUNCTION", "PROFESSION")
YOUTH_LINK_KEY_OPTION = "youth_link_key"
"""The option of a young person's own agenda naming that young person, by link key (internal,
never published: the establishment's pseudonym is computed from it at each import)."""


@dataclass(frozen=True, slots=True)
class ParticipantOptions:
    """A source's participant mapping (``source.participant_options`` in the database)."""

    youth_uri_prefixes: tuple[str, ...] = DEFAULT_YOUTH_URI_PREFIXES
    youth_markers: tuple[str, ...] = DEFAULT_YOUTH_MARKERS
    professional_uri_prefixes: tuple[str, ...] = DEFAULT_PROFESSIONAL_URI_PREFIXES
    professional_markers: tuple[str, ...] = DEFAULT_PROFESSIONAL_MARKERS

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> ParticipantOptions:
        def strings(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = options.get(key)
            return tuple(str(item) for item in value) if isinstance(value, list) else default

        return cls(
            youth_uri_prefixes=strings("youth_uri_prefixes", DEFAULT_YOUTH_URI_PREFIXES),
            youth_markers=strings("youth_markers", DEFAULT_YOUTH_MARKERS),
            professional_uri_prefixes=strings(
                "professional_uri_prefixes", DEFAULT_PROFESSIONAL_URI_PREFIXES
            ),
            professional_markers=strings("professional_markers", DEFAULT_PROFESSIONAL_MARKERS),
        )


@dataclass(frozen=True, slots=True)
class RecognisedParticipant:
    kind: PersonKind
    identifier: str
    presence: Presence
    function: str | None = None


def recognise(
    participant: Participant, options: ParticipantOptions
) -> RecognisedParticipant | None:
    """The participant's kind, presence and function; ``None`` for rooms and unknown URIs."""
    params = participant.params
    if params.get("CUTYPE", "").upper() in _IGNORED_USER_TYPES:
        return None
    identifier = participant.identifier.strip()
    lowered = identifier.lower()
    markers = {value.upper() for key, value in params.items() if key.startswith("X-")}
    if participant.kind_hint is not None:
        kind = participant.kind_hint
    elif any(lowered.startswith(prefix.lower()) for prefix in options.youth_uri_prefixes) or (
        markers & {marker.upper() for marker in options.youth_markers}
    ):
        kind = PersonKind.YOUTH
    elif any(
        lowered.startswith(prefix.lower()) for prefix in options.professional_uri_prefixes
    ) or (markers & {marker.upper() for marker in options.professional_markers}):
        kind = PersonKind.PROFESSIONAL
    else:
        return None
    if params.get("PARTSTAT", "").upper() == "DECLINED":
        presence = Presence.ABSENT
    elif params.get("ROLE", "").upper() == "NON-PARTICIPANT":
        presence = Presence.NOT_EXPECTED
    else:
        presence = Presence.PRESENT
    function = next(
        (
            value.strip().lower()
            for key, value in params.items()
            if key.startswith("X-") and key.endswith(_FUNCTION_SUFFIXES) and value.strip()
        ),
        None,
    )
    return RecognisedParticipant(
        kind=kind,
        identifier=identifier,
        presence=presence,
        function=function if kind is PersonKind.PROFESSIONAL else None,
    )


def recognise_all(
    participants: Iterable[Participant], options: ParticipantOptions
) -> list[RecognisedParticipant]:
    """One entry per person: an organiser who is also an attendee counts once."""
    found: dict[tuple[PersonKind, str], RecognisedParticipant] = {}
    for participant in participants:
        recognised = recognise(participant, options)
        if recognised is None:
            continue
        key = (recognised.kind, recognised.identifier.lower())
        if key not in found or not participant.is_organizer:
            found[key] = recognised
    return list(found.values())
