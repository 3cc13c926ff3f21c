"""Agenda sources: the feeds of an establishment."""
