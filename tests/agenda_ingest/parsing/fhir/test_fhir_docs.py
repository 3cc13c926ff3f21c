"""The FHIR examples of docs/feeds.md are valid FHIR and give what the page says."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B import get_fhir_model_class

from agenda_ingest.parsing.drafts import DraftBuilder
from agenda_ingest.parsing.fhir.parser import parse_fhir
from ditep_core.nomenclatures import (
    Activity,
    PathwayStatus,
    PersonKind,
    SessionStatus,
    Setting,
)
from tests.agenda_ingest.parsing.drafting import sample_draft_context
from tests.conftest import REPO_ROOT

PARIS = ZoneInfo("Europe/Paris")


def _examples() -> list[Any]:
    page = (REPO_ROOT / "docs" / "feeds.md").read_text(encoding="utf-8")
    section = page[page.index("## FHIR JSON") :]
    end = section.find("\n## ")  # the next section (Limits) has JSON of its own
    section = section if end == -1 else section[:end]
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", section, re.S)]


def _drafts(example: Any) -> tuple[list[Any], list[Any]]:
    feed = parse_fhir(
        json.dumps(example).encode(),
        window_start=dt.date(2024, 9, 1),
        window_end=dt.date(2025, 9, 1),
        default_tz=PARIS,
    )
    assert feed.rejected == []
    builder = DraftBuilder(sample_draft_context())
    return [builder.build(o) for o in feed.occurrences], list(feed.pathway_periods)


def test_the_examples_are_valid_fhir() -> None:
    error, bundle, appointment = _examples()
    assert set(error) == {"message", "line", "path", "uid", "resource_type", "title"}
    for resource in (bundle, appointment):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_the_minimal_tddui_bundle() -> None:
    [session], [period] = _drafts(_examples()[1])
    assert (session.status, session.classification.activity) == (
        SessionStatus.DONE,
        Activity.AMBULATOIRE,
    )
    assert session.classification.serafin_code == "2.1.1.2"
    assert sorted((p.kind, p.function) for p in session.participants) == [
        (PersonKind.PROFESSIONAL, "orthophoniste"),
        (PersonKind.YOUTH, None),
    ]
    assert (period.status, period.start_date) == (PathwayStatus.ACCOMPAGNEMENT, dt.date(2024, 9, 2))


def test_the_minimal_appointment() -> None:
    [session], periods = _drafts(_examples()[2])
    assert periods == []
    assert (session.status, session.classification.activity, session.classification.setting) == (
        SessionStatus.PLANNED,
        Activity.AMBULATOIRE,
        Setting.DOMICILE,
    )
    assert (session.start_at, session.end_at) == (
        dt.datetime(2025, 3, 12, 13, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 12, 14, 30, tzinfo=dt.UTC),
    )
