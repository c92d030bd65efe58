"""Score evaluation rows with any NLI scorer and compute the report.

Shared by ``python -m verification.training.evaluate`` and ``manage.py
evaluate_verifier``. No torch or Django here: callers pass per-pair NLI
probabilities ``(entailment, neutral, contradiction)`` for the pairs from
:func:`flatten_pairs`.

Modes (chosen from the gold labels unless given):

* ``nli3``: one passage per row, gold in supported / contradicted /
  not_enough_evidence; prediction = argmax of (entailment, contradiction, neutral).
* ``two_way``: gold only supported / contradicted (FEVER-style sets); forced
  choice between entailment and contradiction, probabilities renormalised
  over the two.
* ``claim``: rows with several passages or a partially_supported gold; scores
  are aggregated per claim with :func:`aggregate_claim` (an a-priori rule, not
  tuned on any evaluation set). ECE is then the calibration of "supported" vs
  the rest, with the best passage's entailment probability as confidence.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from verification.engine import metrics
from verification.training.eval_datasets import VERDICTS, EvalRow, Verdict

Mode = Literal["nli3", "two_way", "claim"]
Probs = tuple[float, float, float]  # entailment, neutral, contradiction

MODE_CLASSES: dict[str, tuple[Verdict, ...]] = {
    "nli3": ("supported", "contradicted", "not_enough_evidence"),
    "two_way": ("supported", "contradicted"),
    "claim": VERDICTS,
}
# Claim-level rule: a passage that entails (or contradicts) with at least this
# probability decides the claim; weaker entailment evidence means "partially
# supported". Chosen a priori; never fitted to evaluation data.
DECISIVE_PROB = 0.5
PARTIAL_MIN_ENTAILMENT = 0.25


def read_jsonl(path: Path) -> list[EvalRow]:
    """Rows from the evaluate_verifier JSONL format.

    Each line is an object with ``claim``, either ``evidence`` (a string) or
    ``passages`` (a list of strings), and ``label`` (one of :data:`VERDICTS`).
    """
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            obj = json.loads(line)
            passages = obj.get("passages")
            if passages is None:
                passages = [obj.get("evidence", "")]
            label = obj.get("label")
            if label not in VERDICTS:
                raise ValueError(f"{path}:{n}: label {label!r} is not one of {VERDICTS}")
            if not passages or not all(isinstance(p, str) for p in passages):
                raise ValueError(f"{path}:{n}: give 'evidence' (string) or 'passages' (strings)")
            rows.append(EvalRow(str(obj["claim"]), tuple(passages), label))
    return rows


def write_jsonl(rows: Sequence[EvalRow], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")


def infer_mode(rows: Sequence[EvalRow]) -> Mode:
    labels = {r.label for r in rows}
    if any(len(r.passages) > 1 for r in rows) or "partially_supported" in labels:
        return "claim"
    if labels <= {"supported", "contradicted"}:
        return "two_way"
    return "nli3"


def flatten_pairs(rows: Sequence[EvalRow]) -> list[tuple[str, str]]:
    """(premise = passage, hypothesis = claim) for every passage of every row, in order."""
    return [(passage, row.claim) for row in rows for passage in row.passages]


def aggregate_claim(passage_probs: Sequence[Probs]) -> tuple[Verdict, float]:
    """Verdict for one claim from its passages' NLI probabilities.

    Returns:
        The verdict and the best entailment probability (the confidence that
        the claim is supported).

    >>> aggregate_claim([(0.1, 0.8, 0.1), (0.7, 0.2, 0.1)])
    ('supported', 0.7)
    """
    best_e = max(p[0] for p in passage_probs)
    best_c = max(p[2] for p in passage_probs)
    if best_e >= DECISIVE_PROB and best_e >= best_c:
        return "supported", best_e
    if best_c >= DECISIVE_PROB:
        return "contradicted", best_e
    if best_e >= PARTIAL_MIN_ENTAILMENT:
        return "partially_supported", best_e
    return "not_enough_evidence", best_e


def _row_prediction(mode: Mode, probs: Sequence[Probs]) -> tuple[int, list[float]]:
    classes = MODE_CLASSES[mode]
    if mode == "claim":
        verdict, best_e = aggregate_claim(probs)
        return classes.index(verdict), [best_e, 1.0 - best_e]
    e, n, c = probs[0]
    if mode == "two_way":
        total = e + c
        vec = [e / total, c / total] if total > 0 else [0.5, 0.5]
    else:
        vec = [e, c, n]
    return max(range(len(vec)), key=vec.__getitem__), vec


def evaluate_rows(
    rows: Sequence[EvalRow], pair_probs: Sequence[Probs], mode: Mode | None = None
) -> dict[str, object]:
    """Metrics for ``rows`` given the probabilities of :func:`flatten_pairs` (same order).

    Macro-F1 averages over the classes that occur in the gold labels.
    """
    mode = mode or infer_mode(rows)
    classes = MODE_CLASSES[mode]
    gold, pred, vectors, binary_gold = [], [], [], []
    offset = 0
    for row in rows:
        if row.label not in classes:
            raise ValueError(f"gold label {row.label!r} is not scored in mode {mode!r}")
        k, vec = _row_prediction(mode, pair_probs[offset : offset + len(row.passages)])
        offset += len(row.passages)
        gold.append(classes.index(row.label))
        pred.append(k)
        vectors.append(vec)
        binary_gold.append(0 if row.label == "supported" else 1)
    if offset != len(pair_probs):
        raise ValueError(f"{len(pair_probs)} pair scores for {offset} pairs")
    report = metrics.classification_report(gold, pred, num_classes=len(classes))
    present = [k for k in range(len(classes)) if report["support"][k]]
    macro_f1 = sum(report["f1"][k] for k in present) / len(present) if present else 0.0
    ece_gold = binary_gold if mode == "claim" else gold
    return {
        "mode": mode,
        "classes": list(classes),
        **report,
        "macro_f1": macro_f1,
        "ece": metrics.expected_calibration_error(vectors, ece_gold),
    }


def format_report(name: str, report: dict, pairs_per_s: float | None = None) -> str:
    """Human-readable report block, as printed by evaluate_verifier."""
    classes = report["classes"]
    lines = [
        f"{name}: n={report['n']} mode={report['mode']}",
        f"  accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}  "
        f"ECE {report['ece']:.4f}",
    ]
    for k, label in enumerate(classes):
        if report["support"][k] or any(row[k] for row in report["confusion"]):
            lines.append(
                f"  {label:<20} P {report['precision'][k]:.3f}  R {report['recall'][k]:.3f}  "
                f"F1 {report['f1'][k]:.3f}  n {report['support'][k]}"
            )
    lines.append("  confusion (rows gold, cols predicted): " + " ".join(c[:4] for c in classes))
    lines.extend("    " + " ".join(f"{v:5d}" for v in row) for row in report["confusion"])
    if pairs_per_s is not None:
        lines.append(f"  throughput {pairs_per_s:.1f} pairs/s")
    return "\n".join(lines)
