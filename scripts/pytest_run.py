"""Run pytest the way `make test` and CI do.

Tests get their own state folder (var/test) so they never touch the dev
database, cache or broker, and "no tests collected" (exit 5) for an empty
marker selection counts as success rather than failing CI.
"""

import os
import sys
from pathlib import Path

import pytest

NO_TESTS_COLLECTED = 5

if __name__ == "__main__":
    os.environ.setdefault("SMARTNOTES_ENV", "test")
    os.environ.setdefault(
        "SMARTNOTES_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test")
    )
    code = pytest.main(sys.argv[1:])
    if code == NO_TESTS_COLLECTED:
        print("pytest: no tests selected by this marker expression")
        code = 0
    sys.exit(int(code))
