"""The claim-level verdict decision: a claim's scored evidence -> four calibrated probabilities.

An NLI model shown a passage about something else often answers
"contradiction" (and, for a true paraphrase, sometimes too). The label a
student sees must not be that guess, so the decision looks at more than the
single best NLI score:

* **Anchoring**: how much of the claim's key terms (weighted by how rare they
  are in the course materials, so "the" counts for nothing and "aquifer" for a
  lot) the scored evidence contains. A contradiction from a window that shares
  few of the claim's key terms is about something else.
* **Evidence windows**: single sentences of the best passages are scored as
  well as whole passages, so the sentence that settles the claim is judged
  alone.
* **Numbers**: a claim whose numbers or dates appear nowhere in the evidence.

A small multinomial logistic regression over these features
(`DecisionModel`, fitted on the tuning side of the quality benchmark by
``verification.training.decision_fit`` and stored beside the NLI model as
``decision.json``) turns them into four probabilities; the confidence shown is
the chosen label's probability, softened by a temperature chosen on tuning
families the regression was not fitted on (in-sample it is calibrated by
construction; on sources it never saw, overconfident).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from verification.engine.errors import ModelLoadError
from verification.engine.explain import numbers_in
from verification.engine.types import NliScores, VerdictLabel

DECISION_FILE = "decision.json"

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "more",
        "most",
        "much",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "will",
        "with",
        "would",
        "also",
        "about",
        "over",
        "only",
        "other",
        "one",
    ]
)

FEATURE_NAMES: tuple[str, ...] = (
    "bias",
    "entailment_max",
    "contradiction_max",
    "entailment_anchored",
    "contradiction_anchored",
    "anchor_of_entailing",
    "anchor_of_contradicting",
    "anchor_max",
    "neutral_top",
    "similarity_top",
    "numbers_missing",
    "number_mismatch_entailing",
    "clause_entailment_min",
    "clause_entailment_spread",
    "no_evidence",
    "margin",
)

_ANCHORED_CONTRADICTION = FEATURE_NAMES.index("contradiction_anchored")


def key_terms(text: str) -> frozenset[str]:
    """Lower-cased word stems of ``text`` without function words (Unicode-aware)."""
    return frozenset(_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP)


def _stem(word: str) -> str:
    if len(word) > 4 and not word.isdigit():
        for suffix in ("ing", "ies", "es", "ed", "s"):
            if word.endswith(suffix) and not word.endswith("ss"):
                return word[: -len(suffix)]
    return word


class TermWeights:
    """Inverse document frequency of key terms over a corpus's passages.

    A term the materials never use weighs most: a claim whose rare terms are
    absent from a passage is not about what that passage is about.
    """

    def __init__(self, passage_texts: Sequence[str]) -> None:
        self.documents = max(1, len(passage_texts))
        self.frequency: dict[str, int] = {}
        for text in passage_texts:
            for term in key_terms(text):
                self.frequency[term] = self.frequency.get(term, 0) + 1

    def weight(self, term: str) -> float:
        return math.log(1.0 + self.documents / (1.0 + self.frequency.get(term, 0)))


def anchor(claim_terms: frozenset[str], evidence_text: str, weights: TermWeights) -> float:
    """Share (0-1) of the claim's weighted key terms found in the evidence text."""
    if not claim_terms:
        return 0.0
    found = key_terms(evidence_text)
    total = sum(weights.weight(t) for t in claim_terms)
    return sum(weights.weight(t) for t in claim_terms & found) / total if total else 0.0


@dataclass(frozen=True, slots=True)
class ScoredUnit:
    """One scored piece of evidence: a whole passage or a window of its sentences."""

    passage_index: int
    """Position in the claim's evidence list (the passage the window comes from)."""
    text: str
    similarity: float
    nli: NliScores
    anchor: float


@dataclass(frozen=True, slots=True)
class ClaimSignals:
    """What the decision reads for one claim, with the units that carry each signal."""

    claim_text: str
    features: tuple[float, ...]
    entailing: ScoredUnit | None
    contradicting: ScoredUnit | None


def claim_signals(
    claim_text: str,
    units: Sequence[ScoredUnit],
    clause_entailments: Sequence[float] = (),
) -> ClaimSignals:
    """The decision features of a claim (in `FEATURE_NAMES` order).

    Args:
        claim_text: the claim.
        units: its scored passages and windows (empty: nothing was retrieved).
        clause_entailments: for compound claims, each clause's best entailment.
    """
    if not units:
        features = [0.0] * len(FEATURE_NAMES)
        features[0] = 1.0
        features[FEATURE_NAMES.index("no_evidence")] = 1.0
        return ClaimSignals(claim_text, tuple(features), None, None)
    entailing = max(units, key=lambda u: (u.nli.entailment, u.anchor))
    contradicting = max(units, key=lambda u: (u.nli.contradiction * u.anchor, u.anchor))
    strongest_contradiction = max(units, key=lambda u: u.nli.contradiction)
    top = units[0]
    claim_numbers = numbers_in(claim_text)
    evidence_numbers = set().union(*(numbers_in(u.text) for u in units))
    entailing_numbers = numbers_in(entailing.text)
    clause_min = min(clause_entailments) if clause_entailments else entailing.nli.entailment
    clause_max = max(clause_entailments) if clause_entailments else entailing.nli.entailment
    values = {
        "bias": 1.0,
        "entailment_max": entailing.nli.entailment,
        "contradiction_max": strongest_contradiction.nli.contradiction,
        "entailment_anchored": max(u.nli.entailment * u.anchor for u in units),
        "contradiction_anchored": contradicting.nli.contradiction * contradicting.anchor,
        "anchor_of_entailing": entailing.anchor,
        "anchor_of_contradicting": strongest_contradiction.anchor,
        "anchor_max": max(u.anchor for u in units),
        "neutral_top": top.nli.neutral,
        "similarity_top": max(u.similarity for u in units),
        "numbers_missing": float(bool(claim_numbers) and not claim_numbers & evidence_numbers),
        "number_mismatch_entailing": float(
            bool(claim_numbers)
            and bool(entailing_numbers)
            and not claim_numbers & entailing_numbers
        ),
        "clause_entailment_min": clause_min,
        "clause_entailment_spread": clause_max - clause_min,
        "no_evidence": 0.0,
        "margin": entailing.nli.entailment - strongest_contradiction.nli.contradiction,
    }
    return ClaimSignals(
        claim_text, tuple(values[name] for name in FEATURE_NAMES), entailing, contradicting
    )


@dataclass(frozen=True, slots=True)
class DecisionModel:
    """Multinomial logistic regression from claim features to verdict probabilities.

    Attributes:
        labels: the verdicts, in weight-row order.
        weights: one row of ``len(FEATURE_NAMES)`` weights per label.
        contradiction_floor: CONTRADICTED is given only when its probability
            reaches this (a false "contradicted" is the costliest error);
            below it the next most likely verdict is given.
        min_contradiction_anchor: CONTRADICTED needs a window whose
            contradiction probability times its anchoring (the share of the
            claim's weighted key terms it contains) reaches this; a
            contradiction from evidence about something else never does.
        confidence_temperature: the shown confidence comes from the scores
            divided by this (above 1: less sure). Fitted in-sample the
            regression is calibrated on the tuning side but overconfident on
            sources it never saw; the temperature is chosen on the tuning side
            by leaving one source family out. The label never depends on it.
        fitted_on: where the weights come from, for the model card.
    """

    labels: tuple[VerdictLabel, ...]
    weights: tuple[tuple[float, ...], ...]
    contradiction_floor: float = 0.5
    min_contradiction_anchor: float = 0.35
    confidence_temperature: float = 1.0
    fitted_on: str = ""

    def __post_init__(self) -> None:
        if any(len(row) != len(FEATURE_NAMES) for row in self.weights):
            raise ModelLoadError(
                f"decision weights have {[len(r) for r in self.weights]} columns, expected "
                f"{len(FEATURE_NAMES)}; refit with python -m verification.training.decision_fit"
            )
        if len(self.weights) != len(self.labels):
            raise ModelLoadError("decision weights need one row per label; refit the decision")
        if not self.confidence_temperature > 0:
            raise ModelLoadError("the decision's confidence temperature must be positive")

    @property
    def version(self) -> str:
        """Short hash of the weights and thresholds (part of claim-cache keys)."""
        data = json.dumps([self.labels, self.weights, self.contradiction_floor,
                           self.min_contradiction_anchor, self.confidence_temperature])  # fmt: skip
        return hashlib.sha256(data.encode()).hexdigest()[:8]

    def probabilities(
        self, features: Sequence[float], *, shown: bool = False
    ) -> dict[VerdictLabel, float]:
        """Softmax of the linear scores: one probability per label, summing to 1;
        ``shown`` applies the confidence temperature (what a user is told)."""
        scores = [sum(w * x for w, x in zip(row, features, strict=True)) for row in self.weights]
        if shown:
            scores = [score / self.confidence_temperature for score in scores]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {label: e / total for label, e in zip(self.labels, exps, strict=True)}

    def decide(
        self, signals: ClaimSignals
    ) -> tuple[VerdictLabel, float, dict[VerdictLabel, float], bool]:
        """Label, its shown confidence, every probability (unshown: what the label
        was decided on), and whether the anchoring guard or the contradiction floor
        moved the label away from CONTRADICTED."""
        probs = self.probabilities(signals.features)
        ranked = sorted(probs, key=lambda k: -probs[k])
        label = ranked[0]
        guarded = False
        if label == "contradicted":
            anchored = signals.features[_ANCHORED_CONTRADICTION]
            off_topic = anchored < self.min_contradiction_anchor
            if off_topic or probs["contradicted"] < self.contradiction_floor:
                label, guarded = ranked[1], True
        shown = self.probabilities(signals.features, shown=True)
        confidence = shown[label]
        if guarded and label == "not_enough_evidence":
            # "The materials do not settle it" holds whenever "contradicted" was doubted.
            confidence = shown["not_enough_evidence"] + shown["contradicted"]
        return label, min(1.0, confidence), probs, guarded

    def to_dict(self) -> dict[str, object]:
        return {
            "features": list(FEATURE_NAMES),
            "labels": list(self.labels),
            "weights": [list(row) for row in self.weights],
            "contradiction_floor": self.contradiction_floor,
            "min_contradiction_anchor": self.min_contradiction_anchor,
            "confidence_temperature": self.confidence_temperature,
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DecisionModel:
        if list(data.get("features", [])) != list(FEATURE_NAMES):  # type: ignore[call-overload]
            raise ModelLoadError(
                "decision.json was fitted on other features; refit it with "
                "python -m verification.training.decision_fit"
            )
        return cls(
            labels=tuple(data["labels"]),  # type: ignore[arg-type]
            weights=tuple(tuple(float(w) for w in row) for row in data["weights"]),  # type: ignore[attr-defined]
            contradiction_floor=float(data.get("contradiction_floor", 0.5)),  # type: ignore[arg-type]
            min_contradiction_anchor=float(data.get("min_contradiction_anchor", 0.35)),  # type: ignore[arg-type]
            confidence_temperature=float(data.get("confidence_temperature", 1.0)),  # type: ignore[arg-type]
            fitted_on=str(data.get("fitted_on", "")),
        )


def load_decision(model_dir: str | Path) -> DecisionModel | None:
    """The ``decision.json`` beside an NLI model, or None when there is none.

    Raises:
        ModelLoadError: the file exists but cannot be read or does not fit.
    """
    path = Path(model_dir) / DECISION_FILE
    if not path.is_file():
        return None
    try:
        return DecisionModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{path} is not a valid decision file ({exc!r}); refit it") from exc
