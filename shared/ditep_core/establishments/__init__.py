"""Establishments (FINESS) and their capacities: shared by both services."""
