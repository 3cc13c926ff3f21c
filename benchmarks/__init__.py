"""Benchmarks: scripts that print a comparison against a baseline measured in the same run."""
