"""Shared core of the DITEP activity services: settings, database, models, auth, errors.

This package depends on no service package.
"""
