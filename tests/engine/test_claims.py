"""Sentence segmentation, claim-worthiness filter, offsets and the claim cap."""

from __future__ import annotations

import pytest

from verification.engine.claims import extract_claims, skip_reason
from verification.engine.config import VerifierConfig
from verification.engine.text import split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_abbreviations_do_not_end_sentences() -> None:
    assert texts("Dr. Smith works in the U.S. with Mr. Jones. They study cells.") == [
        "Dr. Smith works in the U.S. with Mr. Jones.",
        "They study cells.",
    ]


def test_decimals_do_not_end_sentences() -> None:
    assert texts("The pH fell to 6.5 in 2.5 hours. It recovered.") == [
        "The pH fell to 6.5 in 2.5 hours.",
        "It recovered.",
    ]


def test_initials_do_not_end_sentences() -> None:
    assert len(texts("J. R. R. Tolkien wrote novels. He taught at Oxford.")) == 2


def test_citation_stays_with_its_sentence() -> None:
    assert texts("Cells divide by mitosis (Smith et al., 2020). DNA replicates first.") == [
        "Cells divide by mitosis (Smith et al., 2020).",
        "DNA replicates first.",
    ]


def test_hard_wrapped_lines_form_one_sentence() -> None:
    result = extract_claims("Photosynthesis turns light energy\ninto chemical energy in plants.")
    assert len(result.claims) == 1


def test_claim_offsets_index_the_submission_exactly() -> None:
    text = (
        "Intro\n\n  Cells contain DNA molecules.   Mitochondria make ATP (Lee, 2019).\n"
        "- Plants need water to grow.\n"
    )
    result = extract_claims(text)
    assert [c.text for c in result.claims] == [
        "Cells contain DNA molecules.",
        "Mitochondria make ATP (Lee, 2019).",
        "Plants need water to grow.",
    ]
    for claim in result.claims:
        assert text[claim.start : claim.end] == claim.text
    for skipped in result.skipped:
        assert text[skipped.start : skipped.end] == skipped.text


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Why do plants need light to grow?", "question"),
        ("I think photosynthesis is the key process.", "first_person_stance"),
        ("In my opinion the treaty was unfair to Germany.", "first_person_stance"),
        ("Governments should fund more research on vaccines.", "opinion"),
        ("Read chapter four before the next class.", "instruction"),
        ("(Smith & Lee, 2019; Chan et al., 2021).", "citation"),
        ("[3, 4-6].", "citation"),
        ("Smith, J. (2020). Plant biology. Oxford Press.", "citation"),
        ("Cells divide.", "too_short"),
    ],
)
def test_non_claims_are_skipped_with_their_reason(sentence: str, reason: str) -> None:
    assert skip_reason(sentence) == reason


def test_factual_sentence_is_a_claim() -> None:
    assert skip_reason("Chlorophyll absorbs mostly red and blue light.") is None


def test_headings_are_skipped_as_headings() -> None:
    result = extract_claims("# Cell biology\nThe Nucleus\nThe nucleus holds the chromosomes.\n")
    assert [s.reason for s in result.skipped] == ["heading", "heading"]
    assert [c.text for c in result.claims] == ["The nucleus holds the chromosomes."]


def test_reference_list_entries_are_skipped_as_citations() -> None:
    result = extract_claims(
        "Cells contain DNA in the nucleus.\n\nReferences\nLee, K. (2019). Cells. Nature.\n"
    )
    assert [s.reason for s in result.skipped] == ["heading", "citation"]


def test_claim_cap_skips_the_rest_with_a_note() -> None:
    text = " ".join(f"Sample number {i} contains water." for i in range(5))
    result = extract_claims(text, VerifierConfig(max_claims=3))
    assert len(result.claims) == 3
    assert [s.reason for s in result.skipped] == ["claim_cap", "claim_cap"]
    assert "first 3 of 5 claims" in result.notes[0]


@pytest.mark.parametrize(
    "sentence",
    [
        "Everything starts with energy.",
        "Things change over time.",
        "It all depends on many things.",
    ],
)
def test_statements_too_vague_to_check_are_skipped_with_a_reason(sentence: str) -> None:
    result = extract_claims(f"Plants make glucose from carbon dioxide. {sentence}")
    assert [c.text for c in result.claims] == ["Plants make glucose from carbon dioxide."]
    assert [(s.text, s.reason) for s in result.skipped] == [(sentence, "vague")]


def test_specific_statements_with_a_general_subject_are_still_claims() -> None:
    result = extract_claims("Everything on Earth depends on 3 sources of water in the Sahara.")
    assert len(result.claims) == 1
