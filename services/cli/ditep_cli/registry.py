"""Every background task of both services, in one place (the command line sits on top).

The tasks are defined next to the feature they serve; this only composes them:

- ``rollups.refresh`` (ditep_counting.rollups.tasks): deferred by every import once it has
  committed, and a periodic sweep;
- ``pulls.run_due`` (agenda_ingest.pull.tasks), when DITEP_PULL_LOOP_ENABLED;
- ``payloads.purge_expired`` (agenda_ingest.feeds.tasks), daily;
- ``ror.push`` (activity_api.ror.tasks), when DITEP_ROR_PUSH_ENABLED;
- ``partitions.ensure`` (ditep_core.partitions.tasks), daily, on PostgreSQL;
- ``transmissions.mark_late`` (activity_api.transmissions.tasks), daily (activity-api's
  ``api_tasks`` runs it too, in its in-process runner on SQLite);
- ``secrecy.decide`` (activity_api.secrecy.tasks): deferred after transmissions and rollup
  refreshes, and a periodic sweep (activity-api's runner too; never inline).
"""

from __future__ import annotations

from activity_api.ror.tasks import ror_tasks
from activity_api.secrecy.tasks import secrecy_tasks
from activity_api.transmissions.tasks import transmission_tasks
from agenda_ingest.feeds.tasks import retention_tasks
from agenda_ingest.pull.tasks import pull_tasks
from ditep_core.partitions.tasks import partition_tasks
from ditep_core.settings import Settings
from ditep_core.tasks.definition import BackgroundTask
from ditep_counting.rollups.tasks import rollup_tasks


def all_tasks(settings: Settings) -> list[BackgroundTask]:
    """Every background task of both services (those enabled by the settings)."""
    return [
        *rollup_tasks(settings),
        *pull_tasks(settings),
        *retention_tasks(settings),
        *ror_tasks(settings),
        *partition_tasks(settings),
        *transmission_tasks(settings),
        *secrecy_tasks(settings),
    ]
