"""``python -m bench.engine``: the engine benchmark (see `verification.engine.bench`)."""

from verification.engine.bench import main

if __name__ == "__main__":
    raise SystemExit(main())
