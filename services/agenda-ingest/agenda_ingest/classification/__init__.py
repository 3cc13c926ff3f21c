"""Classification of sessions by activity, setting and nature: pure functions, no database."""
