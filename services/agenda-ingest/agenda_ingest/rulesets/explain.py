"""Why a stored session is classified as it is: the rule, its evidence, the rules tried before."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agenda_ingest.classification.engine import MANUAL_RULE_PREFIX, RuleTrial
from agenda_ingest.reclassify.repository import StoredSessionRepository
from agenda_ingest.reclassify.service import facts_of
from agenda_ingest.rulesets.repository import CountingFactsRepository
from agenda_ingest.rulesets.schemas import (
    CountingOut,
    ExplainedSession,
    PathwayAtSession,
    RuleTrialOut,
    SessionClassificationOut,
)
from agenda_ingest.rulesets.service import rule_set_of_version
from agenda_ingest.sources.service import expansion_window
from ditep_core.auth.access import Level, establishment_by_id, refuse_area_keys
from ditep_core.auth.principal import Principal
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import Establishment, utc_now
from ditep_core.nomenclatures import SUPPORT_ACTIVITIES, Activity, Presence, SessionStatus
from ditep_core.web.problems import NotFound
from ditep_counting.engine.duplicates import SessionRow
from ditep_counting.engine.rollups import is_counted
from ditep_counting.rollups.service import active_profile


def _trial(trial: RuleTrial) -> RuleTrialOut:
    return RuleTrialOut(
        rule_id=trial.rule_id,
        explanation=trial.explanation,
        matched=trial.matched,
        evidence=list(trial.evidence),
        failed_on=trial.failed_on,
    )


def readable_session_establishment(
    session: Session, principal: Principal, session_id: int
) -> Establishment:
    """The session's establishment, if this key may read its free text: the session's
    summary and place feed the explanation (``Level.FREE_TEXT``). Another establishment's
    session answers as an unknown one (404)."""
    refuse_area_keys(principal)
    establishment_id = StoredSessionRepository(session).establishment_id_of(session_id)
    establishment = (
        None if establishment_id is None else EstablishmentRepository(session).get(establishment_id)
    )
    return establishment_by_id(principal, f"session {session_id}", establishment, Level.FREE_TEXT)


def explain_session(
    session: Session, establishment: Establishment, session_id: int
) -> SessionClassificationOut:
    found = StoredSessionRepository(session).for_establishment(establishment.id, [session_id])
    if not found:
        raise NotFound(f"no session {session_id}")
    stored = found[0]
    session_ref, counting = counting_verdict(session, establishment, session_id, now=utc_now())
    manual = stored.rule_id.startswith(MANUAL_RULE_PREFIX)
    rules = rule_set_of_version(session, stored.rule_set_version)
    matched: RuleTrialOut | None = None
    tried: list[RuleTrialOut] = []
    setting_evidence: str | None = None
    consistent = manual
    if rules is not None:
        explanation = rules.explain(facts_of(stored, ZoneInfo(establishment.timezone)))
        trials = [_trial(trial) for trial in explanation.trials]
        if explanation.matched is not None:
            matched, tried = trials[-1], trials[:-1]
        else:
            tried = trials
        setting_evidence = explanation.setting_evidence
        result = explanation.classification
        if not manual:
            consistent = stored.same_as(result)
    return SessionClassificationOut(
        session_id=stored.id,
        session=session_ref,
        counting=counting,
        activity=stored.activity,
        setting=stored.setting,
        nature=stored.nature,
        serafin=stored.serafin_code,
        rule_id=stored.rule_id,
        rule_set_version=stored.rule_set_version,
        manual=manual,
        rule_set_available=rules is not None,
        matched=None if manual else matched,
        tried_before=[] if manual else tried,
        setting_evidence=None if manual else setting_evidence,
        consistent=consistent,
    )


_STATUS_REASONS = {
    SessionStatus.CANCELLED: "status cancelled: kept, never counted",
    SessionStatus.ABSENT: "status absent (no-show, or every young person absent): not counted, "
    "reported among absences",
}


def counting_verdict(
    session: Session, establishment: Establishment, session_id: int, *, now: dt.datetime
) -> tuple[ExplainedSession | None, CountingOut | None]:
    """Which session this is, and whether and why the counts take it in (as of ``now``)."""
    zone = ZoneInfo(establishment.timezone)
    facts = CountingFactsRepository(session).of(session_id)
    if facts is None:
        return None, None
    stored, source = facts.session, facts.source
    facts = CountingFactsRepository(session).of(session_id, stored.start_at.astimezone(zone).date())
    assert facts is not None
    profile = active_profile(session)
    row = SessionRow(
        stored.id,
        source.id,
        stored.uid,
        stored.recurrence_id,
        stored.start_at,
        stored.end_at,
        stored.status,
        stored.activity,
        stored.rule_set_version,
        stored.setting,
    )
    validated_only = frozenset({source.id}) if source.count_validated_only else frozenset()
    status_counted = is_counted(row, now, validated_only, profile)
    reasons: list[str] = []
    if stored.status is SessionStatus.DONE:
        reasons.append("status done (réalisé): counted")
    elif stored.status is SessionStatus.PLANNED:
        if stored.end_at > now:
            reasons.append("status planned and not over yet: counted once it is over")
        elif source.count_validated_only:
            reasons.append(
                "status planned: the source counts validated (done) sessions only, not counted"
            )
        elif not profile.count_past_planned:
            reasons.append("status planned: the counting profile counts done sessions only")
        else:
            reasons.append("status planned and over: counted, reported as not validated")
    else:
        reasons.append(_STATUS_REASONS[stored.status])
    if stored.activity is Activity.UNCLASSIFIED:
        reasons.append("no rule classified it (unclassified): not counted until it is")
    elif stored.activity in SUPPORT_ACTIVITIES:
        reasons.append(f"activity {stored.activity.value}: support, in the file active")
    else:
        reasons.append(
            f"activity {stored.activity.value}: counted in hours, not support (no file active)"
        )
    present = sum(1 for _person, presence in facts.youth if presence is Presence.PRESENT)
    absent = sum(1 for _person, presence in facts.youth if presence is Presence.ABSENT)
    if not facts.youth:
        reasons.append("no young person named: institutional, counted for no young person")
    else:
        held = len(facts.youth) - present - absent
        reasons.append(
            f"young people named: {present} present, {absent} absent, {held} not expected "
            f"(held for them without them); nature {stored.nature.value}"
        )
    window_start, window_end = expansion_window(source, now.date())
    start_at = dt.datetime.combine(window_start, dt.time(), tzinfo=zone)
    end_at = dt.datetime.combine(window_end, dt.time(), tzinfo=zone)
    in_window = stored.end_at > start_at and stored.start_at < end_at
    reasons.append(
        f"inside the source's window [{window_start}, {window_end}): the next snapshot may "
        "update or delete it"
        if in_window
        else f"outside the source's window [{window_start}, {window_end}): no feed changes "
        "or deletes it any more (it still counts)"
    )
    pathways: list[PathwayAtSession] = []
    for person_id, _presence in facts.youth:
        periods = facts.pathways.get(person_id, [])
        pathways.append(
            PathwayAtSession(status=periods[-1][0] if periods else None, periods=len(periods))
        )
        reasons.append(
            f"a young person's pathway that day: {periods[-1][0].value}"
            if periods
            else "a young person has no known pathway period that day: counted as "
            "accompagnement (reported in data quality)"
        )
    return (
        ExplainedSession(
            source_id=source.id,
            uid=stored.uid,
            recurrence_id=stored.recurrence_id,
            title=stored.summary,
            start=stored.start_at,
            end=stored.end_at,
            status=stored.status,
        ),
        CountingOut(
            counted=status_counted and stored.activity is not Activity.UNCLASSIFIED,
            reasons=reasons,
            in_window=in_window,
            window_start=window_start,
            window_end=window_end,
            youth_present=present,
            youth_absent=absent,
            pathways=pathways,
        ),
    )
