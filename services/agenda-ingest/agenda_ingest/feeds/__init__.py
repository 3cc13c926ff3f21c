"""Feed ingestion: push endpoint, import records, idempotent upsert of sessions."""
