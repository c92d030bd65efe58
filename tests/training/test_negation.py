"""Negation-flip augmentation."""

import pytest

from verification.training.datasets import NliPair
from verification.training.negation import negate, negation_flipped_pairs


@pytest.mark.parametrize(
    ("sentence", "contract", "expected"),
    [
        ("Telemundo is a network.", False, "Telemundo is not a network."),
        ("Telemundo is a network.", True, "Telemundo isn't a network."),
        ("A man rides a bike.", True, "A man doesn't ride a bike."),
        ("William Cohen lives in Oregon.", False, "William Cohen does not live in Oregon."),
        ("The kids carries boxes.", False, "The kids does not carry boxes."),
        ("The cat can't swim.", False, "The cat can swim."),
        ("He does not sing.", True, "He does sing."),
        ("Two women are not sitting.", False, "Two women are sitting."),
    ],
)
def test_negate_adds_or_removes_main_clause_negation(sentence, contract, expected):
    assert negate(sentence, contract=contract) == expected


@pytest.mark.parametrize(
    "sentence", ["Two dogs run.", "Everyone really likes the newest benefits", ""]
)
def test_negate_skips_sentences_without_a_safe_verb(sentence):
    assert negate(sentence) is None


def test_flipped_pairs_swap_entailment_and_contradiction_and_keep_neutral():
    pairs = [
        NliPair("P1", "A man is asleep.", "entailment", "esnli"),
        NliPair("P2", "A man is awake.", "contradiction", "fever"),
        NliPair("P3", "A man is tall.", "neutral", "mnli"),
        NliPair("P4", "Two dogs run.", "entailment", "cad"),
    ]
    flipped = negation_flipped_pairs(pairs, count=8, seed=0)
    by_premise = {p.premise: p for p in flipped}
    assert set(by_premise) == {"P1", "P2", "P3"}
    assert by_premise["P1"].label == "contradiction"
    assert by_premise["P2"].label == "entailment"
    assert by_premise["P3"].label == "neutral"
    assert by_premise["P2"].source == "fever_negated"
    assert by_premise["P1"].hypothesis in {"A man is not asleep.", "A man isn't asleep."}
