"""Background tasks: their definition, runs, retries, and the two ways they are run.

Each task is defined next to the feature it serves (a ``tasks.py`` in the feature's folder)
as a ``BackgroundTask``: an idempotent sweep over database state ("refresh the stale
rollups of establishment X", "run the pulls that are due"), so a job lost or run twice
changes nothing; the queue only says when. ``execute`` runs one with retries and records
the run (``task_run``). On PostgreSQL the jobs go through procrastinate (``queue``) and
``ditep worker`` runs them; on SQLite the ``LocalRunner`` runs the same tasks in-process,
on a timer, in each service (docs/operations.md, "Background tasks").
"""
