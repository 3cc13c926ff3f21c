"""Review: see docs/classification-rules.md."""
