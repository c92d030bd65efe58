"""Classification and calibration metrics for verifier evaluation.

Pure Python (no numpy, torch or Django) so the training script, the
``evaluate_verifier`` command and the tests all share one implementation.
Labels are integer class ids ``0..num_classes-1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypedDict


class ClassificationReport(TypedDict):
    """Output of :func:`classification_report`."""

    n: int
    accuracy: float
    macro_f1: float
    precision: list[float]
    recall: list[float]
    f1: list[float]
    support: list[int]
    confusion: list[list[int]]


def _check_lengths(gold: Sequence[object], pred: Sequence[object]) -> None:
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} items but predictions have {len(pred)}")


def accuracy(gold: Sequence[int], pred: Sequence[int]) -> float:
    """Fraction of exact matches; 0.0 for empty input.

    >>> accuracy([0, 1, 2], [0, 1, 1])
    0.6666666666666666
    """
    _check_lengths(gold, pred)
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)


def confusion_matrix(gold: Sequence[int], pred: Sequence[int], num_classes: int) -> list[list[int]]:
    """``matrix[gold][pred]`` counts.

    Raises:
        ValueError: a label is outside ``0..num_classes-1`` or the lengths differ.
    """
    _check_lengths(gold, pred)
    matrix = [[0] * num_classes for _ in range(num_classes)]
    for g, p in zip(gold, pred, strict=True):
        if not (0 <= g < num_classes and 0 <= p < num_classes):
            raise ValueError(f"label out of range 0..{num_classes - 1}: gold={g} pred={p}")
        matrix[g][p] += 1
    return matrix


def _safe_div(num: float, den: float) -> float:
    return num / den if den else 0.0


def classification_report(
    gold: Sequence[int], pred: Sequence[int], num_classes: int
) -> ClassificationReport:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    A class with no gold and no predicted items gets precision = recall = F1 = 0
    and still counts in the macro average, so absent classes lower macro-F1
    rather than being silently dropped; pass the classes the task really has.

    >>> classification_report([0, 0, 1], [0, 1, 1], num_classes=2)["macro_f1"]
    0.6666666666666666
    """
    matrix = confusion_matrix(gold, pred, num_classes)
    precision, recall, f1, support = [], [], [], []
    for k in range(num_classes):
        tp = matrix[k][k]
        predicted = sum(matrix[g][k] for g in range(num_classes))
        actual = sum(matrix[k])
        p = _safe_div(tp, predicted)
        r = _safe_div(tp, actual)
        precision.append(p)
        recall.append(r)
        f1.append(_safe_div(2 * p * r, p + r))
        support.append(actual)
    return ClassificationReport(
        n=len(gold),
        accuracy=accuracy(gold, pred),
        macro_f1=_safe_div(sum(f1), num_classes),
        precision=precision,
        recall=recall,
        f1=f1,
        support=support,
        confusion=matrix,
    )


def expected_calibration_error(
    probabilities: Sequence[Sequence[float]], gold: Sequence[int], n_bins: int = 15
) -> float:
    """Top-label expected calibration error with equal-width confidence bins.

    ``ECE = sum_b |B_b|/N * |accuracy(B_b) - mean confidence(B_b)|``, where a
    prediction is the argmax class and its confidence is that probability
    (Guo et al., 2017, "On Calibration of Modern Neural Networks").

    Args:
        probabilities: one probability vector per item (rows should sum to 1).
        gold: the true class id per item.
        n_bins: number of equal-width bins over (0, 1]; 15 as in Guo et al.

    Returns:
        ECE in [0, 1]; 0.0 for empty input.

    >>> expected_calibration_error([[0.9, 0.1], [0.6, 0.4]], [0, 1])
    0.35
    """
    _check_lengths(gold, probabilities)
    if not gold:
        return 0.0
    counts = [0] * n_bins
    correct = [0.0] * n_bins
    confidence = [0.0] * n_bins
    for row, g in zip(probabilities, gold, strict=True):
        pred = max(range(len(row)), key=row.__getitem__)
        conf = float(row[pred])
        # Bin b holds confidences in (b/n, (b+1)/n]; a confidence of 0 goes to bin 0.
        b = min(n_bins - 1, max(0, math.ceil(conf * n_bins) - 1))
        counts[b] += 1
        correct[b] += float(pred == g)
        confidence[b] += conf
    total = len(gold)
    return sum(abs(correct[b] - confidence[b]) / total for b in range(n_bins) if counts[b])
