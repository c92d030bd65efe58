"""Requirement / double-negation templates."""

from collections import Counter

from verification.training.synthetic import requirement_pairs


def test_templates_are_seeded_and_cover_all_three_labels():
    pairs = requirement_pairs(200, seed=5)
    assert pairs == requirement_pairs(200, seed=5)
    assert set(Counter(p.label for p in pairs)) == {"entailment", "neutral", "contradiction"}


def test_not_without_is_entailed_by_a_requirement():
    pairs = requirement_pairs(100_000, seed=0)
    label = {(p.premise, p.hypothesis): p.label for p in pairs}
    assert label[("Fire requires oxygen.", "Fire doesn't burn without oxygen.")] == "entailment"
    assert label[("Fire requires oxygen.", "Fire burns without oxygen.")] == "contradiction"
    assert label[("Fire can burn without oxygen.", "Fire doesn't burn without oxygen.")] == (
        "contradiction"
    )


def test_templates_leave_out_the_shipped_model_test_sentences():
    text = " ".join(p.premise + " " + p.hypothesis for p in requirement_pairs(100_000, seed=0))
    assert "photosynthesis" not in text.lower()
    assert "light" not in text.lower()
