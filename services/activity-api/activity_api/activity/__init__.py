"""Activity counts of one establishment."""
