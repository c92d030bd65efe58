"""The verdict-quality benchmark runs end to end (its figures are printed, not asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.quality import packs
from bench.quality.run import DEFAULT_DATA, format_table, run, summarise

pytestmark = pytest.mark.skipif(
    not (DEFAULT_DATA / "fm2" / "dev.jsonl").exists(), reason=f"no shared data at {DEFAULT_DATA}"
)


def _claims(side: str) -> set[str]:
    built = packs.build_packs(DEFAULT_DATA, side)  # type: ignore[arg-type]
    return {c.text for family in ("fm2", "wice") for p in built[family] for c in p.claims}


def test_tuning_and_evaluation_sides_share_no_claim() -> None:
    tune, evaluation = _claims("tune"), _claims("eval")
    assert tune
    assert evaluation
    assert not tune & evaluation


def test_packs_are_seeded() -> None:
    first = packs.build_packs(DEFAULT_DATA, "eval", seed=5)["fm2"][0]
    again = packs.build_packs(DEFAULT_DATA, "eval", seed=5)["fm2"][0]
    assert first == again


@pytest.mark.slow
def test_handwritten_packs_run_through_the_whole_engine() -> None:
    by_family, overall, records = run(DEFAULT_DATA, quick=True, families=["handwritten"])
    gold = sum(len(p.claims) for p in packs.handwritten())
    assert overall["claims"] == len(records) == gold
    assert set(overall["per_label"]) == {
        "supported",
        "partially_supported",
        "contradicted",
        "not_enough_evidence",
    }
    assert 0.0 <= overall["false_contradiction_rate"] <= 1.0
    assert "| handwritten |" in format_table(by_family, overall)


def test_summary_counts_false_contradictions_and_skips() -> None:
    from bench.quality.run import Record

    def rec(gold: str, predicted: str) -> Record:
        return Record("f", "p", "c", gold, predicted, 0.9, False, None)

    records = [
        rec("supported", "contradicted"),
        rec("not_enough_evidence", "skipped"),
        rec("contradicted", "contradicted"),
        rec("supported", "supported"),
    ]
    summary = summarise(records)
    assert summary["false_contradiction_rate"] == pytest.approx(1 / 3)
    assert summary["contradicted_precision"] == pytest.approx(0.5)
    assert summary["skipped"] == 1
    assert summary["accuracy"] == pytest.approx(0.75)


def test_default_data_path_is_beside_the_repository() -> None:
    assert Path(__file__).resolve().parents[3] / "shared" / "data" == DEFAULT_DATA
