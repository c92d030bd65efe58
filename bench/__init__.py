"""Benchmarks: scripts that print figures (speed, quality). Not product code."""
