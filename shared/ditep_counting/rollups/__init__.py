"""Stored per youth-day and per youth-week rollups of the counting engine, kept fresh by imports."""
