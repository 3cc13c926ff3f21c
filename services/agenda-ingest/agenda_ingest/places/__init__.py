"""An establishment's place registry (issue 20): set by API and CLI, read by the rules."""
