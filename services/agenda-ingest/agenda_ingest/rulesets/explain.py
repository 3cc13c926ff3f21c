"""Why a stored session is classified as it is: the rule, its evidence, the rules tried before."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agenda_ingest.classification.engine import MANUAL_RULE_PREFIX, RuleTrial
from agenda_ingest.reclassify.repository import StoredSessionRepository
from agenda_ingest.reclassify.service import facts_of
from agenda_ingest.rulesets.schemas import RuleTrialOut, SessionClassificationOut
from agenda_ingest.rulesets.service import rule_set_of_version
from ditep_core.auth.access import Level, establishment_by_id, refuse_area_keys
from ditep_core.auth.principal import Principal
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import Establishment
from ditep_core.web.problems import NotFound


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
