"""The counting engine of counting.md: pure functions over classified sessions, no database.

Used by activity-api (counts, rollups) and by agenda-ingest (the counts a feed would give).
"""
