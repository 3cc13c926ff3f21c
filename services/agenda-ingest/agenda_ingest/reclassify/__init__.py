"""Reclassify: see docs/classification-rules.md."""
