"""Product-level verdict-quality benchmark (`python -m bench.quality`)."""
