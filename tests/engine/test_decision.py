"""The claim-level decision: anchoring, features, the contradiction guard, decision.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verification.engine.decision import (
    DECISION_FILE,
    FEATURE_NAMES,
    DecisionModel,
    ScoredUnit,
    TermWeights,
    anchor,
    claim_signals,
    key_terms,
    load_decision,
)
from verification.engine.errors import ModelLoadError
from verification.engine.types import VERDICT_LABELS, NliScores

CORPUS = [
    "Water that soaks deep into the ground becomes groundwater stored in aquifers.",
    "About 97 percent of Earth's water is salt water in the oceans.",
    "Condensation releases heat into the surrounding air.",
]


def _model(**overrides: float) -> DecisionModel:
    """Contradicted when the anchored contradiction is high, supported on anchored entailment."""
    rows = []
    for label in VERDICT_LABELS:
        row = [0.0] * len(FEATURE_NAMES)
        if label == "supported":
            row[FEATURE_NAMES.index("entailment_anchored")] = 8.0
            row[0] = -3.0
        elif label == "contradicted":
            row[FEATURE_NAMES.index("contradiction_max")] = 8.0
            row[0] = -3.0
        elif label == "partially_supported":
            row[0] = -5.0
        rows.append(tuple(row))
    return DecisionModel(VERDICT_LABELS, tuple(rows), **overrides)


def _unit(text: str, claim: str, nli: NliScores) -> ScoredUnit:
    return ScoredUnit(0, text, 0.5, nli, anchor(key_terms(claim), text, TermWeights(CORPUS)))


def test_anchor_weighs_rare_terms_more_than_common_ones() -> None:
    weights = TermWeights(CORPUS)
    claim = key_terms("Groundwater is stored in aquifers.")
    assert anchor(claim, CORPUS[0], weights) > 0.9
    assert anchor(claim, CORPUS[2], weights) < 0.1


def test_anchor_reads_accented_words_as_words() -> None:
    assert {"café", "résumé"} <= key_terms("Un café résumé.")


def test_probabilities_sum_to_one() -> None:
    signals = claim_signals("x y z", [])
    probs = _model().probabilities(signals.features)
    assert sum(probs.values()) == pytest.approx(1.0)


def test_contradiction_from_an_unrelated_passage_is_not_enough_evidence() -> None:
    claim = "Acid rain forms when sulfur dioxide dissolves in cloud water."
    unrelated = _unit(CORPUS[2], claim, NliScores(0.02, 0.08, 0.90))
    label, confidence, probs, guarded = _model(min_contradiction_anchor=0.3).decide(
        claim_signals(claim, [unrelated])
    )
    assert probs["contradicted"] > 0.5
    assert (label, guarded) == ("not_enough_evidence", True)
    assert confidence == pytest.approx(probs["not_enough_evidence"] + probs["contradicted"])


def test_contradiction_from_a_passage_about_the_claim_stands() -> None:
    claim = "Condensation absorbs heat from the surrounding air."
    related = _unit(CORPUS[2], claim, NliScores(0.02, 0.08, 0.90))
    label, _, _, guarded = _model(min_contradiction_anchor=0.3).decide(
        claim_signals(claim, [related])
    )
    assert (label, guarded) == ("contradicted", False)


def test_a_weak_contradiction_below_the_floor_is_not_given() -> None:
    claim = "Condensation absorbs heat from the surrounding air."
    related = _unit(CORPUS[2], claim, NliScores(0.1, 0.45, 0.45))
    label, _, _, _ = _model(contradiction_floor=0.9).decide(claim_signals(claim, [related]))
    assert label != "contradicted"


def test_numbers_missing_from_every_window_are_a_feature() -> None:
    claim = "About 50 percent of Earth's water is in the oceans."
    unit = _unit(CORPUS[1], claim, NliScores(0.7, 0.2, 0.1))
    features = dict(zip(FEATURE_NAMES, claim_signals(claim, [unit]).features, strict=True))
    assert features["numbers_missing"] == 1.0
    assert features["number_mismatch_entailing"] == 1.0


def test_a_confidence_temperature_lowers_what_is_shown_not_the_label() -> None:
    claim = "Condensation absorbs heat from the surrounding air."
    related = _unit(CORPUS[2], claim, NliScores(0.02, 0.08, 0.90))
    signals = claim_signals(claim, [related])
    label, sure, probs, _ = _model(min_contradiction_anchor=0.3).decide(signals)
    tempered = _model(min_contradiction_anchor=0.3, confidence_temperature=2.0)
    label_t, less_sure, probs_t, _ = tempered.decide(signals)

    assert (label_t, probs_t) == (label, probs)
    assert 1 / len(VERDICT_LABELS) < less_sure < sure
    shown = tempered.probabilities(signals.features, shown=True)
    assert less_sure == pytest.approx(shown[label])
    assert sum(shown.values()) == pytest.approx(1.0)


def test_a_temperature_that_is_not_positive_is_refused() -> None:
    with pytest.raises(ModelLoadError, match="temperature"):
        _model(confidence_temperature=0.0)


def test_decision_file_round_trips(tmp_path: Path) -> None:
    model = _model(contradiction_floor=0.6, confidence_temperature=1.25)
    (tmp_path / DECISION_FILE).write_text(json.dumps(model.to_dict()))
    loaded = load_decision(tmp_path)
    assert loaded == model
    assert loaded is not None
    assert loaded.version == model.version


def test_no_decision_file_means_rules(tmp_path: Path) -> None:
    assert load_decision(tmp_path) is None


def test_decision_fitted_on_other_features_is_refused(tmp_path: Path) -> None:
    data = _model().to_dict()
    data["features"] = ["bias", "something_else"]
    (tmp_path / DECISION_FILE).write_text(json.dumps(data))
    with pytest.raises(ModelLoadError, match="refit"):
        load_decision(tmp_path)


@pytest.mark.parametrize(
    ("claim", "core"),
    [
        ("Plants have stomata \u2013 café résumé.", "Plants have stomata."),
        ("Plants have stomata (as we saw in class).", "Plants have stomata."),
        ("Plants use light - which is energy.", "Plants use light - which is energy."),
        ("Water (H2O) boils at 100 degrees.", "Water (H2O) boils at 100 degrees."),
    ],
)
def test_an_appended_aside_the_materials_never_mention_is_not_read_by_the_model(
    claim: str, core: str
) -> None:
    from verification.engine.explain import claim_core

    assert claim_core(claim, {"plant": 1, "stomata": 1, "light": 1, "energy": 1}) == core
