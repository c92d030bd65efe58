"""The benchmark workload and model resolution (the timed runs themselves are not tested)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from verification.engine.bench import DATA_FILE, build_workload, percentile, resolve_model
from verification.engine.claims import extract_claims


def test_workload_has_about_fifty_pages_and_forty_claims_per_essay() -> None:
    if not DATA_FILE.is_file():
        message = f"{DATA_FILE} is missing: the 50-page workload is built from ../shared/data"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    workload = build_workload(pages=50, claims_per_essay=40, essays=2)
    assert 50 <= workload.pages < 55
    assert len(workload.essays) == 2
    assert 35 <= len(extract_claims(workload.essays[0]).claims) <= 45


def test_missing_model_tells_the_user_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMARTNOTES_NLI_MODEL", raising=False)
    with pytest.raises(SystemExit, match="SMARTNOTES_NLI_MODEL"):
        resolve_model(str(tmp_path / "missing"))


def test_percentile_uses_nearest_rank() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 95) == 95.0
