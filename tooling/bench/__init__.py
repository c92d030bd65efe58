"""Benchmarks: `python -m tooling.bench.engine`, `.dashboards`, `.pipeline_intake`,
`.pipeline_latency` (docs/benchmarks*.md)."""
