"""Shared core of the DITEP activity services: settings, database, models, auth, errors.

This package imports no service package and not ``ditep_counting`` (the domain engine on
top of it): the import rules are ``[tool.importlinter]`` in pyproject.toml.
"""
