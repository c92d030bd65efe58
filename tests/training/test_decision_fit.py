"""Choosing the decision's confidence temperature on held-out tuning families."""

import numpy as np

from verification.engine.decision import FEATURE_NAMES, DecisionModel
from verification.engine.types import VERDICT_LABELS
from verification.training.decision_fit import TEMPERATURES, held_out_temperature

SUPPORTED = VERDICT_LABELS.index("supported")
NEE = VERDICT_LABELS.index("not_enough_evidence")
ENTAILMENT = FEATURE_NAMES.index("entailment_anchored")


def _sure_model(x_fit: np.ndarray, y_fit: np.ndarray) -> DecisionModel:
    """Supported on anchored entailment, otherwise not enough evidence; 88 % sure either way."""
    rows = [[0.0] * len(FEATURE_NAMES) for _ in VERDICT_LABELS]
    rows[SUPPORTED][ENTAILMENT] = 4.0
    rows[NEE][0] = 2.0
    for label in ("partially_supported", "contradicted"):
        rows[VERDICT_LABELS.index(label)][0] = -10.0
    return DecisionModel(VERDICT_LABELS, tuple(tuple(r) for r in rows))


def _claims(right_share: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """200 claims of two families; the sure model is right on `right_share` of them."""
    rng = np.random.default_rng(7)
    x = np.zeros((200, len(FEATURE_NAMES)))
    x[:, 0] = 1.0
    x[:, ENTAILMENT] = rng.choice([0.0, 1.0], size=200)
    said = np.where(x[:, ENTAILMENT] > 0.5, SUPPORTED, NEE)
    wrong = rng.random(200) > right_share
    y = np.where(wrong, np.where(said == SUPPORTED, NEE, SUPPORTED), said)
    return x, y, ["fm2"] * 100 + ["wice"] * 100


def test_an_overconfident_decision_is_shown_less_sure() -> None:
    temperature, ece = held_out_temperature(*_claims(0.7), _sure_model)

    assert temperature > 1.0
    assert ece[temperature] < ece[1.0] - 0.05
    assert set(ece) == set(TEMPERATURES)


def test_a_decision_that_is_right_when_sure_keeps_its_confidence() -> None:
    temperature, _ = held_out_temperature(*_claims(1.0), _sure_model)

    assert temperature == 1.0
