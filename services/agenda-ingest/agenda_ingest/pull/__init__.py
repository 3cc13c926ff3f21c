"""Pulling sources that have a URL: fetch with no transaction open, then ingest."""
