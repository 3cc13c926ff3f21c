"""agenda-ingest: receives or fetches agenda feeds and turns them into classified sessions."""
