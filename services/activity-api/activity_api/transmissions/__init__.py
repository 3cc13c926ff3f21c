"""Quarterly transmission of an establishment's figures to the ARS (transmission.md §1)."""
