"""Product-level verdict-quality benchmark (`python -m benchmarks.quality`)."""
