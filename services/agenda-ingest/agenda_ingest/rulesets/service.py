"""Rule-set versions of an establishment, the rule set in force, manual classifications.

The shipped default applies until an establishment stores its own document;
each stored change is a new numbered version (old ones stay readable), named
``<FINESS>-v<number>-<hash>`` so that the version a session stores identifies
the document that classified it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from agenda_ingest.classification.engine import (
    MANUAL_RULE_PREFIX,
    PLACES_VERSION_MARK,
    Classification,
    CompiledRuleSet,
    compiled_from_text,
    content_sha256,
    default_rule_set,
    default_rules_text,
    default_with_places,
)
from agenda_ingest.classification.schema import RuleSetDocument, RuleSetInvalid, parse_rule_set
from agenda_ingest.places.service import registry_text, registry_text_by_digest
from agenda_ingest.rulesets.repository import ManualRepository, RuleSetRepository
from ditep_core.models import ClassificationRuleSet, Establishment, ManualClassification
from ditep_core.web.problems import InvalidRequest

ManualKey = tuple[str, str]


def parse_or_problem(text: str) -> RuleSetDocument:
    """The document, or a 422 problem whose errors name the rule and the field."""
    try:
        return parse_rule_set(text)
    except RuleSetInvalid as invalid:
        raise InvalidRequest(
            f"the rule set is invalid ({len(invalid.errors)} error(s))",
            errors=[
                {
                    "location": ".".join(
                        part
                        for part in (
                            f"rules[{error.rule}]" if error.rule else None,
                            error.field,
                        )
                        if part
                    )
                    or "document",
                    **error.as_dict(),
                }
                for error in invalid.errors
            ],
        ) from invalid


def compiled(row: ClassificationRuleSet, places: str | None = None) -> CompiledRuleSet:
    return compiled_from_text(row.document, row.version, places)


def active_rule_set(session: Session, establishment_id: int) -> CompiledRuleSet:
    """The establishment's latest version, else the shipped default; with its place registry
    when it has one (the version then ends with ``+places-<digest>``)."""
    latest = RuleSetRepository(session).latest(establishment_id)
    places = registry_text(session, establishment_id)
    if latest is None:
        return default_rule_set() if places is None else default_with_places(places)
    return compiled(latest, places)


def rule_set_of_version(session: Session, version: str) -> CompiledRuleSet | None:
    """The document a stored session names, compiled (None for a version no longer known,
    or whose place registry has changed since)."""
    base, mark, digest = version.partition(PLACES_VERSION_MARK)
    places: str | None = None
    if mark:
        places = registry_text_by_digest(session, digest)
        if places is None:
            return None
    default = default_rule_set()
    if base == default.version:
        return default if places is None else default_with_places(places)
    row = RuleSetRepository(session).by_version(base)
    return None if row is None else compiled(row, places)


def rule_set_versions(session: Session, establishment_id: int) -> list[ClassificationRuleSet]:
    """The establishment's stored versions, oldest first (none: the default is in force)."""
    return list(RuleSetRepository(session).list_for(establishment_id))


def rule_set_version(
    session: Session, establishment_id: int, number: int
) -> ClassificationRuleSet | None:
    return RuleSetRepository(session).by_number(establishment_id, number)


def base_document_text(session: Session, establishment_id: int) -> str:
    latest = RuleSetRepository(session).latest(establishment_id)
    return default_rules_text() if latest is None else latest.document


def add_version(
    session: Session,
    establishment: Establishment,
    text: str,
    *,
    created_by_key_id: int | None,
    comment: str | None = None,
) -> tuple[ClassificationRuleSet, bool]:
    """Store ``text`` as the next version; the same text as the latest one changes nothing.

    Returns the version and whether it was created.
    """
    parse_or_problem(text)
    repository = RuleSetRepository(session)
    digest = content_sha256(text)
    latest = repository.latest(establishment.id)
    if latest is not None and latest.content_sha256 == digest:
        return latest, False
    number = repository.next_number(establishment.id)
    row = repository.add(
        ClassificationRuleSet(
            establishment_id=establishment.id,
            number=number,
            version=f"{establishment.finess}-v{number}-{digest[:12]}",
            document=text,
            content_sha256=digest,
            comment=comment,
            created_by_key_id=created_by_key_id,
        )
    )
    return row, True


def manual_classification(row: ManualClassification, version: str) -> Classification:
    return Classification(
        activity=row.activity,
        setting=row.setting,
        nature=row.nature,
        rule_id=f"{MANUAL_RULE_PREFIX}{row.id}",
        serafin_code=row.serafin_code,
        rule_set_version=version,
    )


def manual_by_key(
    rows: Iterable[ManualClassification], version: str
) -> Mapping[ManualKey, Classification]:
    return {(row.uid, row.recurrence_id): manual_classification(row, version) for row in rows}


def manual_for_source(
    session: Session, source_id: int, version: str
) -> Mapping[ManualKey, Classification]:
    return manual_by_key(ManualRepository(session).for_source(source_id), version)
