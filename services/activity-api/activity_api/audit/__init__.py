"""Admin routes over the audit log."""
