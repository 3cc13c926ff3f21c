"""GET /metrics counts task failures from ``task_run`` on both databases (issue 18 item 2:
"task queue depth and failures"; SQLite's in-process runner has no queue table)."""

from __future__ import annotations

import pytest

from activity_api.main import create_app as create_api_app
from ditep_core.db import Database
from ditep_core.protection import DataProtection
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask, TaskContext
from ditep_core.tasks.execution import TaskFailed, execute
from tests.conftest import TEST_SECRET, make_settings
from tests.core.web.test_metrics import scrape, value
from tests.http import app_client


def test_a_task_that_failed_shows_in_ditep_task_runs(
    settings: Settings, database: Database
) -> None:
    fast = make_settings(
        settings.database_url,
        task_max_attempts=2,
        task_retry_initial_seconds=0,
        metrics_cache_seconds=0,
    )
    context = TaskContext(database, fast, DataProtection.from_secret(TEST_SECRET))

    def unreachable(_context: TaskContext, _arguments: object) -> str:
        raise ConnectionError("ror.example refused the connection")

    with app_client(create_api_app(fast, database=database)) as client:
        before = scrape(client)
        assert value(before, "ditep_task_runs", task="ror.push", status="failed") == 0
        with pytest.raises(TaskFailed):
            execute(BackgroundTask("ror.push", unreachable), context, {})
        execute(BackgroundTask("ror.push", lambda _c, _a: "ok"), context, {"id": 1})
        after = scrape(client)
    assert value(after, "ditep_task_runs", task="ror.push", status="failed") == 1
    assert value(after, "ditep_task_runs", task="ror.push", status="succeeded") == 1
