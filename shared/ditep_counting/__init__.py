"""The domain engine of counting.md, on top of ditep_core.

``engine``: pure counting rules (periods, profile, duplicates, intervals, rollups,
figures), no database. ``rollups``: the rollup tables' repository, freshness service
and the period totals summed in SQL. Imports ``ditep_core`` only, never a service.
"""
