"""activity-api: computes and serves the activity counts of DITEP."""
