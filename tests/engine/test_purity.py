"""The engine imports no framework and no heavy ML library at import time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib, pkgutil, sys
import verification.engine as engine
for module in pkgutil.iter_modules(engine.__path__):
    importlib.import_module(f"verification.engine.{module.name}")
loaded = sorted(m for m in ("django", "celery", "torch", "transformers",
                            "sentence_transformers", "lti_tool", "smartnotes")
                if m in sys.modules)
print(",".join(loaded))
"""


def test_engine_imports_no_django_celery_or_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
