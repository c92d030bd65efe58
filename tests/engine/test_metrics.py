"""Metrics shared by the training script and evaluate_verifier."""

import pytest

from verification.engine import metrics


def test_accuracy_counts_exact_matches():
    assert metrics.accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == pytest.approx(0.75)


def test_accuracy_rejects_length_mismatch():
    with pytest.raises(ValueError, match="3 items but predictions have 2"):
        metrics.accuracy([0, 1, 2], [0, 1])


def test_confusion_matrix_rows_are_gold_columns_predicted():
    assert metrics.confusion_matrix([0, 0, 1, 2], [0, 1, 1, 0], num_classes=3) == [
        [1, 1, 0],
        [0, 1, 0],
        [1, 0, 0],
    ]


def test_confusion_matrix_rejects_out_of_range_label():
    with pytest.raises(ValueError, match="out of range"):
        metrics.confusion_matrix([0, 3], [0, 0], num_classes=3)


def test_classification_report_per_class_precision_recall_and_macro_f1():
    report = metrics.classification_report([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], num_classes=3)
    assert report["precision"] == pytest.approx([1.0, 0.5, 0.5])
    assert report["recall"] == pytest.approx([2 / 3, 0.5, 1.0])
    f1 = [0.8, 0.5, 2 / 3]
    assert report["f1"] == pytest.approx(f1)
    assert report["macro_f1"] == pytest.approx(sum(f1) / 3)
    assert report["support"] == [3, 2, 1]
    assert report["n"] == 6


def test_classification_report_class_never_predicted_scores_zero():
    report = metrics.classification_report([0, 1], [0, 0], num_classes=2)
    assert report["precision"][1] == 0.0
    assert report["recall"][1] == 0.0
    assert report["macro_f1"] == pytest.approx((2 / 3 + 0.0) / 2)


def test_ece_is_zero_when_confidence_matches_accuracy():
    probs = [[0.75, 0.25]] * 4
    assert metrics.expected_calibration_error(probs, [0, 0, 0, 1]) == pytest.approx(0.0)


def test_ece_weights_bins_by_size():
    # Bin (0.8667, 0.9333]: conf 0.9, accuracy 1/2; bin (0.5333, 0.6]: conf 0.6, accuracy 1.
    probs = [[0.9, 0.1], [0.9, 0.1], [0.4, 0.6]]
    expected = (2 / 3) * abs(0.5 - 0.9) + (1 / 3) * abs(1.0 - 0.6)
    assert metrics.expected_calibration_error(probs, [0, 1, 1]) == pytest.approx(expected)


def test_ece_puts_confidences_on_a_bin_edge_in_the_lower_bin():
    # 0.6 = 9/15 is the upper edge of bin (0.5333, 0.6], so it shares a bin with 0.55:
    # mean confidence 0.575 against accuracy 0.5 (separate bins would give 0.475).
    probs = [[0.6, 0.4], [0.55, 0.45]]
    assert metrics.expected_calibration_error(probs, [0, 1]) == pytest.approx(0.075)


def test_ece_of_empty_input_is_zero():
    assert metrics.expected_calibration_error([], []) == 0.0
