"""Parsing agenda payloads (iCalendar, FHIR JSON) into drafts: pure, no database."""
