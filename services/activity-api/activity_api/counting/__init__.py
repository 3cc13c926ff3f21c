"""The counting engine: pure functions over classified sessions, no database."""
