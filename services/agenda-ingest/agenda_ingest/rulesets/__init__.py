"""Rulesets: see docs/classification-rules.md."""
