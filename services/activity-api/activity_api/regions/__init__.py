"""Regional and departmental aggregates for ARS, with statistical secrecy."""
