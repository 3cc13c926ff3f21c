"""Admin routes over API keys: list, revoke, rotate."""
