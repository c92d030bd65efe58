"""Verdicts a student would notice, from the shipped model and its fitted decision.

The hand-written course packs of the quality benchmark (a water-cycle handout
and photosynthesis notes) are the materials.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "models" / "smartnotes-nli-minilm-l6"
HANDOUTS = ROOT / "benchmarks" / "quality" / "handwritten"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (MODEL_DIR / "decision.json").exists(), reason="the shipped model has no decision"
    ),
]


@pytest.fixture(scope="module")
def check(minilm_embedder):  # type: ignore[no-untyped-def]
    """``check(claim) -> ClaimResult`` against both handouts, with the shipped engine."""
    from verification.engine import (
        HfNliScorer,
        MaterialFile,
        Verifier,
        ingest_materials,
        load_decision,
    )

    verifier = Verifier(
        HfNliScorer(MODEL_DIR, device="cpu"), minilm_embedder, decision=load_decision(MODEL_DIR)
    )
    files = [
        MaterialFile(p.name, p.read_bytes())
        for p in (HANDOUTS / "water_cycle_handout.md", HANDOUTS / "photosynthesis_notes.md")
    ]
    index = verifier.index(ingest_materials(files).passages)

    def run(claim: str):  # type: ignore[no-untyped-def]
        report = verifier.verify(claim, index)
        assert len(report.claims) == 1, report.skipped
        return report.claims[0]

    return run


@pytest.mark.parametrize("noise", [" \u2013 café résumé", " (as we saw in class)", " lol"])
def test_irrelevant_words_do_not_flip_a_supported_claim(check, noise: str) -> None:
    claim = "Plants take in carbon dioxide through small openings called stomata"
    assert check(claim + ".").label == "supported"
    assert check(claim + noise + ".").label == "supported"


@pytest.mark.parametrize(
    "claim",
    [
        "Photosynthesis was first studied on Mars by NASA.",
        "Acid rain forms when sulfur dioxide dissolves in cloud water.",
        "The Amazon rainforest produces about 20 percent of the world's oxygen.",
    ],
)
def test_claims_the_materials_never_mention_are_not_contradicted(check, claim: str) -> None:
    result = check(claim)
    assert result.label == "not_enough_evidence", result.explanation


def test_a_true_paraphrase_is_supported_with_the_sentence_that_settles_it(check) -> None:
    result = check("When sunlight warms the sea, water turns into vapour.")
    assert result.label == "supported", result.explanation
    assert "evaporates" in result.evidence_quote


def test_a_changed_fact_is_contradicted_with_the_sentence_it_contradicts(check) -> None:
    result = check("Condensation absorbs heat from the surrounding air.")
    assert result.label == "contradicted", result.explanation
    assert result.evidence_quote == "Condensation releases heat into the surrounding air."


def test_unsure_verdicts_say_a_person_should_look(check) -> None:
    result = check("Cooler air can hold more water vapour than warmer air.")
    assert result.needs_review == (result.confidence < 0.5)
    if result.needs_review:
        assert any(r.code == "needs_review" for r in result.reasons)
