"""Prometheus metrics of both services (``GET /metrics``, ditep_core.web.metrics).

Two kinds, so that any process can serve a complete picture:

- ``instruments``: counters and histograms this process increments as work happens
  (requests, imports applied, sessions ingested, pull failures);
- ``collector``: gauges read from the database at scrape time (imports per status,
  unclassified share, rollup lag, task queue, sources whose last pull failed), in their
  own short read-only unit of work, cached ``metrics_cache_seconds``.

No label carries health data: route templates (never raw paths), statuses, source ids.
"""
