"""The scheduled pulls as a background task: an unreachable source marks the source."""

from __future__ import annotations

import httpx
import respx
from sqlalchemy import select

from agenda_ingest.pull.service import configure_source
from agenda_ingest.pull.tasks import PULL_TASK, pull_tasks
from ditep_core.db import Database
from ditep_core.models import Source, TaskRun
from ditep_core.protection import DataProtection
from ditep_core.tasks.definition import TaskContext
from ditep_core.tasks.execution import execute
from tests.conftest import TEST_SECRET, SampleDitep, make_settings, sample_feed

DOWN = "https://down.example/export.ics"
UP = "https://up.example/export.ics"


def test_an_unreachable_source_is_marked_and_the_task_goes_on(
    database: Database, sample_ditep: SampleDitep, mock: respx.MockRouter
) -> None:
    settings = make_settings(pull_loop_enabled=True, pull_backoff_seconds=0, pull_max_attempts=2)
    (task,) = pull_tasks(settings)
    assert task.name == PULL_TASK
    assert pull_tasks(make_settings()) == []  # off unless DITEP_PULL_LOOP_ENABLED
    with database.unit_of_work() as session:
        configure_source(session, sample_ditep.establishment_source_id, url=DOWN)
        configure_source(session, sample_ditep.claire_source_id, url=UP)
    down = mock.get(DOWN).mock(side_effect=httpx.ConnectError("connection refused"))
    mock.get(UP).mock(return_value=httpx.Response(200, content=sample_feed()))
    context = TaskContext(database, settings, DataProtection.from_secret(TEST_SECRET))
    summary = execute(task, context, {})
    assert summary == "2 source(s) pulled, 1 failed (recorded on the source)"
    assert down.call_count == 2  # the fetcher's own attempts
    with database.unit_of_work() as session:
        sources = {s.id: s for s in session.scalars(select(Source))}
        failed = sources[sample_ditep.establishment_source_id]
        assert failed.last_pull_status == "failed"
        assert "connection refused" in (failed.last_pull_error or "")
        assert sources[sample_ditep.claire_source_id].last_pull_status == "fetched"
        # The task itself succeeded, once: the failure is the source's, not the worker's.
        run = session.get(TaskRun, (PULL_TASK, "*"))
        assert run is not None
        assert (run.status, run.attempts, run.error) == ("succeeded", 1, None)
