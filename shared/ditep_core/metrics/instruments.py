"""The counters and histograms this process increments.

Created once per process, in no registry: each app registers them in its own registry
(``ditep_core.web.metrics``), so tests building many apps see one set of series.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Buckets from 5 ms (a cached read) to 2 min (the largest feed parsed and applied).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

IMPORTS = Counter(
    "ditep_imports",
    "Imports applied by this process (pushes, pulls, confirmations), by resulting status",
    ["status"],
    registry=None,
)
SESSIONS_INGESTED = Counter(
    "ditep_sessions_ingested",
    "Sessions of the imports applied by this process, by what happened to them",
    ["outcome"],
    registry=None,
)
PULL_FAILURES = Counter(
    "ditep_pull_failures",
    "Pulls of a source that failed in this process (unreachable, refused, unreadable)",
    ["source_id"],
    registry=None,
)


def request_latency_histogram() -> Histogram:
    """One per app: its routes are its own (agenda-ingest's and activity-api's differ)."""
    return Histogram(
        "ditep_http_request_duration_seconds",
        "Time to answer a request, by route template (never the raw path), method and status",
        ["method", "route", "status"],
        buckets=LATENCY_BUCKETS,
        registry=None,
    )


def count_import(status: str, sessions: dict[str, int]) -> None:
    """One import applied: its status and its sessions per outcome (created, updated...)."""
    IMPORTS.labels(status=status).inc()
    for outcome, count in sessions.items():
        if count:
            SESSIONS_INGESTED.labels(outcome=outcome).inc(count)


def count_pull_failure(source_id: int) -> None:
    PULL_FAILURES.labels(source_id=str(source_id)).inc()
