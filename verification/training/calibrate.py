"""Temperature scaling (Guo et al., 2017) fitted on the training-pool validation split.

``python -m verification.training.calibrate CHECKPOINT_DIR`` reads
``validation_logits.npy`` (written by train.py) and the run's
``validation_labels.json`` and prints the temperature and ECE before/after.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from verification.engine import metrics


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood of ``labels`` under ``softmax(logits / T)``."""
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())


def fit_temperature(
    logits: np.ndarray, labels: Sequence[int], low: float = 0.05, high: float = 20.0
) -> float:
    """Temperature minimising validation NLL (golden-section search on log T).

    The NLL of temperature scaling is unimodal in T, so a bracketing search is
    enough and needs no torch.

    >>> import numpy as np
    >>> logits = np.array([[4.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 0.0]])
    >>> 1.0 < fit_temperature(logits, [0, 1, 1, 0])
    True
    """
    y = np.asarray(labels)
    a, b = np.log(low), np.log(high)
    ratio = (np.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    for _ in range(80):
        if nll(logits, y, float(np.exp(c))) < nll(logits, y, float(np.exp(d))):
            b = d
        else:
            a = c
        c, d = b - ratio * (b - a), a + ratio * (b - a)
    return float(np.exp((a + b) / 2))


def calibration_summary(logits: np.ndarray, labels: Sequence[int], temperature: float) -> dict:
    """NLL and 15-bin ECE before and after dividing the logits by ``temperature``."""
    y = np.asarray(labels)
    return {
        "temperature": temperature,
        "n": len(y),
        "nll_before": nll(logits, y, 1.0),
        "nll_after": nll(logits, y, temperature),
        "ece_before": metrics.expected_calibration_error(softmax(logits).tolist(), list(y)),
        "ece_after": metrics.expected_calibration_error(
            softmax(logits / temperature).tolist(), list(y)
        ),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fit a calibration temperature.")
    parser.add_argument("checkpoint", type=Path)
    args = parser.parse_args(argv)
    logits = np.load(args.checkpoint / "validation_logits.npy")
    labels = json.loads((args.checkpoint.parent / "validation_labels.json").read_text())
    temperature = fit_temperature(logits, labels)
    print(json.dumps(calibration_summary(logits, labels, temperature), indent=2))


if __name__ == "__main__":
    main()
