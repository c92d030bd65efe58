"""Aggregation of claim x passage scores into verdicts, confidence and reasons."""

from __future__ import annotations

from tests.engine.helpers import make_claim, make_evidence
from verification.engine.config import VerifierConfig
from verification.engine.verdicts import ClauseScore, decide

CONFIG = VerifierConfig()
QUOTE = "Photosynthesis requires light energy from the sun."


def test_high_entailment_is_supported_with_that_confidence() -> None:
    result = decide(make_claim(), [make_evidence(QUOTE, entailment=0.9)], CONFIG)
    assert result.label == "supported"
    assert result.confidence == 0.9
    assert result.evidence_quote == QUOTE
    assert result.source is not None
    assert result.source.page == 1


def test_high_contradiction_is_contradicted() -> None:
    result = decide(make_claim(), [make_evidence(QUOTE, contradiction=0.8)], CONFIG)
    assert result.label == "contradicted"


def test_support_and_contradiction_from_different_passages_is_conflicting() -> None:
    evidence = [
        make_evidence(QUOTE, entailment=0.9, rank=1),
        make_evidence("Photosynthesis works in the dark.", contradiction=0.8, rank=2),
    ]
    result = decide(make_claim(), evidence, CONFIG)
    assert result.is_conflicting
    assert result.label == "supported"
    assert result.confidence < 0.9 * 0.7
    assert "conflicting_evidence" in [r.code for r in result.reasons]


def test_compound_claim_with_one_entailed_clause_is_partially_supported() -> None:
    claim = make_claim("Plants need light, and they absorb oxygen at night.")
    clauses = [ClauseScore("Plants need light", 0.9), ClauseScore("they absorb oxygen", 0.1)]
    result = decide(claim, [make_evidence(QUOTE, entailment=0.3)], CONFIG, clauses)
    assert result.label == "partially_supported"
    assert "they absorb oxygen" in result.reasons[0].message


def test_moderate_entailment_is_partially_supported() -> None:
    result = decide(make_claim(), [make_evidence(QUOTE, entailment=0.45)], CONFIG)
    assert result.label == "partially_supported"
    assert result.reasons[0].code == "moderate_entailment"


def test_low_scores_are_not_enough_evidence() -> None:
    result = decide(make_claim(), [make_evidence(QUOTE, entailment=0.1)], CONFIG)
    assert result.label == "not_enough_evidence"


def test_no_evidence_is_not_enough_evidence_with_reason() -> None:
    result = decide(make_claim(), [], CONFIG)
    assert result.label == "not_enough_evidence"
    assert [r.code for r in result.reasons] == ["no_evidence"]
    assert result.source is None


def test_different_year_in_entailed_evidence_is_contradicted() -> None:
    claim = make_claim("The French Revolution began in 1879.")
    evidence = [make_evidence("The French Revolution began in 1789.", entailment=0.9)]
    result = decide(claim, evidence, CONFIG)
    assert result.label == "contradicted"
    assert result.reasons[0].code == "number_mismatch"
    assert "1879" in result.reasons[0].message


def test_number_mismatch_only_lowers_confidence_when_configured() -> None:
    claim = make_claim("The French Revolution began in 1879.")
    evidence = [make_evidence("The French Revolution began in 1789.", entailment=0.9)]
    result = decide(claim, evidence, VerifierConfig(number_mismatch_contradicts=False))
    assert result.label == "supported"
    assert result.confidence < 0.9 * 0.61


def test_negation_lowers_confidence_without_changing_label() -> None:
    claim = make_claim("Photosynthesis does not work without light.")
    result = decide(claim, [make_evidence(QUOTE, entailment=0.9)], CONFIG)
    assert result.label == "supported"
    assert [r.code for r in result.reasons] == ["negation"]
    assert result.confidence < 0.9


def test_hedged_claim_gets_a_hedging_reason() -> None:
    claim = make_claim("Photosynthesis may require light energy.")
    result = decide(claim, [make_evidence(QUOTE, entailment=0.9)], CONFIG)
    assert "hedging" in [r.code for r in result.reasons]


def test_weak_retrieval_lowers_confidence() -> None:
    result = decide(make_claim(), [make_evidence(QUOTE, entailment=0.9, similarity=0.1)], CONFIG)
    assert [r.code for r in result.reasons] == ["weak_retrieval"]


def test_over_long_claim_gets_a_reason() -> None:
    claim = make_claim(" ".join(["Plants use light energy"] * 10) + ".")
    result = decide(claim, [make_evidence(QUOTE, entailment=0.9)], CONFIG)
    assert "long_compound_claim" in [r.code for r in result.reasons]


def test_confidence_stays_within_zero_and_one() -> None:
    claim = make_claim("Photosynthesis may not possibly work without light, " * 8)
    result = decide(claim, [make_evidence(QUOTE, entailment=1.0, similarity=0.0)], CONFIG)
    assert 0.0 <= result.confidence <= 1.0


def test_explanation_names_quote_source_and_probabilities() -> None:
    result = decide(make_claim(), [make_evidence(QUOTE, entailment=0.9)], CONFIG)
    assert QUOTE in result.explanation
    assert "bio.pdf, page 1" in result.explanation
    assert "90% supporting" in result.explanation


def test_claim_sharing_a_number_with_evidence_is_left_to_the_model() -> None:
    claim = make_claim("In 1789, about 3 million people lived in Paris.")
    evidence = [make_evidence("In 1789 Paris had some 600,000 inhabitants.", entailment=0.9)]
    assert decide(claim, evidence, CONFIG).label == "supported"


def test_moderate_entailment_below_contradiction_is_not_partial_support() -> None:
    result = decide(
        make_claim(), [make_evidence(QUOTE, entailment=0.4, contradiction=0.45)], CONFIG
    )
    assert result.label == "not_enough_evidence"


def test_number_mismatch_lowers_confidence_of_partial_support() -> None:
    claim = make_claim("The French Revolution began in 1879.")
    evidence = [make_evidence("The French Revolution began in 1789.", entailment=0.45)]
    result = decide(claim, evidence, CONFIG)
    assert result.label == "partially_supported"
    assert "number_mismatch" in [r.code for r in result.reasons]


def test_entailed_compound_claim_with_an_unsupported_clause_is_partial() -> None:
    claim = make_claim("Chlorophyll absorbs mostly green light, and plants release oxygen.")
    clauses = [
        ClauseScore("Chlorophyll absorbs mostly green light", 0.1, 0.8),
        ClauseScore("plants release oxygen.", 0.9, 0.05),
    ]
    result = decide(claim, [make_evidence(QUOTE, entailment=0.9)], CONFIG, clauses)
    assert result.label == "partially_supported"
    assert '"Chlorophyll absorbs mostly green light" (contradicted)' in result.reasons[0].message


def test_compound_claim_with_every_clause_entailed_stays_supported() -> None:
    claim = make_claim("Plants need light, and they release oxygen.")
    clauses = [ClauseScore("Plants need light", 0.9), ClauseScore("they release oxygen.", 0.8)]
    result = decide(claim, [make_evidence(QUOTE, entailment=0.9)], CONFIG, clauses)
    assert result.label == "supported"
