"""Plain-words explanations: evidence quotes, confidence-reducing cues, limitations.

Nothing here changes a verdict label on its own except the number/date check
(see `number_mismatch`): cues such as negation or hedging only lower the
confidence and say why, because the NLI model, not a rule, reads the meaning.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from verification.engine.config import VerifierConfig
from verification.engine.retrieval import tokenize
from verification.engine.text import split_sentences, word_count
from verification.engine.types import (
    Claim,
    NliScores,
    Reason,
    ReasonCode,
    SourceLocation,
    VerdictLabel,
)

LIMITATIONS = (
    "How to read this report: each claim was compared only with the course materials "
    "provided, by a retrieval step and a natural-language-inference model. Strong at: short "
    "factual statements that paraphrase a sentence of the materials, and direct "
    "contradictions of them. Weaker at: claims that need several passages or outside "
    "knowledge combined, arithmetic and exact numbers or dates, sarcasm, tables and figures, "
    "scanned pages without text, and very long sentences. 'Not enough evidence' means the "
    "materials do not settle the claim, not that it is false. Treat verdicts as pointers for "
    "a human reader, not as grades."
)

_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot|lacks?)\b|n't\b", re.I
)
_HEDGING = re.compile(
    r"\b(?:may|might|could|possibly|perhaps|likely|unlikely|probably|suggests?|appears?|"
    r"seems?|often|sometimes|usually|generally|arguably|approximately|about|around)\b",
    re.I,
)
_CLAUSE_SPLIT = re.compile(
    r"\s*;\s*|,\s*(?:and|but|while|whereas|although|yet)\s+|\s+(?:but|whereas|while)\s+", re.I
)
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")
# Case-sensitive so the modal "may" is not read as a month.
_MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\b"
)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A reason plus the factor it multiplies the confidence by (1.0: informational)."""

    reason: Reason
    factor: float


def best_quote(passage_text: str, claim_text: str) -> str:
    """The sentence of a passage that shares the most words with the claim.

    Example:
        >>> best_quote("Cells divide. Plants need light to grow.", "Light is needed by plants.")
        'Plants need light to grow.'
    """
    claim_tokens = set(tokenize(claim_text))
    return max(_passage_sentences(passage_text), key=lambda s: len(claim_tokens & s[1]))[0]


@functools.lru_cache(maxsize=4096)
def _passage_sentences(passage_text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    # The same passages are quoted for many claims; sentence splitting is the slow part.
    sentences = [s.text for s in split_sentences(passage_text)] or [passage_text]
    return tuple((s, frozenset(tokenize(s))) for s in sentences)


_MIN_WINDOW_WORDS = 4


def evidence_windows(passage_text: str) -> list[str]:
    """The sentences of a passage worth scoring alone (none for a one-sentence passage).

    Example:
        >>> evidence_windows("Cells divide by mitosis. Plants need light to grow.")
        ['Cells divide by mitosis.', 'Plants need light to grow.']
    """
    sentences = [s for s, _ in _passage_sentences(passage_text)]
    if len(sentences) < 2:
        return []
    return [s for s in sentences if word_count(s) >= _MIN_WINDOW_WORDS]


def split_clauses(claim_text: str) -> list[str]:
    """The clauses of a compound claim, or ``[]`` when it is a single statement.

    Example:
        >>> split_clauses("Plants absorb light; animals absorb oxygen through their lungs.")
        ['Plants absorb light', 'animals absorb oxygen through their lungs.']
    """
    parts = [p.strip() for p in _CLAUSE_SPLIT.split(claim_text) if p and p.strip()]
    if len(parts) < 2 or any(word_count(p) < 3 for p in parts):
        return []
    return parts


def numbers_in(text: str) -> set[str]:
    """Numbers and month names in ``text``, normalised (``"1,000"`` -> ``"1000"``)."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    found |= {m.lower() for m in _MONTH.findall(text)}
    return {_strip_zeros(n) for n in found}


def number_mismatch(claim_text: str, evidence_text: str) -> tuple[set[str], set[str]] | None:
    """The claim's numbers/dates and the evidence's, when they clearly differ.

    "Clearly" means: both state numbers or dates and not one of the claim's
    appears in the evidence. A claim sharing any number with the evidence (a
    year, say) is left to the NLI model.

    Returns:
        ``(claim_numbers, evidence_numbers)`` on a clear mismatch, else None.

    Example:
        >>> number_mismatch("The revolution began in 1879.", "The revolution began in 1789.")
        ({'1879'}, {'1789'})
    """
    claim_numbers = numbers_in(claim_text)
    evidence_numbers = numbers_in(evidence_text)
    if not claim_numbers or not evidence_numbers or claim_numbers & evidence_numbers:
        return None
    return claim_numbers, evidence_numbers


def confidence_adjustments(
    claim: Claim,
    label: VerdictLabel,
    similarity: float,
    config: VerifierConfig,
) -> list[Adjustment]:
    """Cues that make this verdict less certain, each with its confidence factor."""
    adjustments: list[Adjustment] = []
    if _NEGATION.search(claim.text) and label != "not_enough_evidence":
        adjustments.append(
            _adj(
                "negation",
                "the claim contains a negation, which NLI models misread more often",
                0.9,
            )
        )
    if _HEDGING.search(claim.text) and label != "not_enough_evidence":
        adjustments.append(
            _adj("hedging", "the claim is hedged, so strict agreement is hard to judge", 0.9)
        )
    if similarity < config.weak_retrieval_similarity and label != "not_enough_evidence":
        adjustments.append(
            _adj(
                "weak_retrieval",
                f"the closest passage is only loosely related (similarity {similarity:.2f})",
                0.75,
            )
        )
    if word_count(claim.text) > config.long_claim_words or len(split_clauses(claim.text)) > 2:
        adjustments.append(
            _adj(
                "long_compound_claim",
                "the claim is long or makes several statements at once; check each part",
                0.85,
            )
        )
    return adjustments


def explanation_text(
    *,
    label: VerdictLabel,
    confidence: float,
    quote: str,
    source: SourceLocation | None,
    probabilities: NliScores,
    similarity: float,
    reasons: Sequence[Reason],
) -> str:
    """One paragraph in plain words: verdict, evidence and source, scores, reasons."""
    verdict = label.replace("_", " ").capitalize()
    lines = [f"{verdict} (confidence {confidence:.0%})."]
    if quote and source is not None:
        lines.append(f'Closest evidence: "{quote}" ({source.describe()}).')
        lines.append(
            f"The model rates this evidence as {probabilities.entailment:.0%} supporting and "
            f"{probabilities.contradiction:.0%} contradicting the claim; retrieval similarity "
            f"{similarity:.2f}."
        )
    else:
        lines.append("No passage of the course materials was found for this claim.")
    if reasons:
        lines.append("Notes: " + "; ".join(r.message for r in reasons) + ".")
    return " ".join(lines)


def _adj(code: ReasonCode, message: str, factor: float) -> Adjustment:
    return Adjustment(Reason(code=code, message=message), factor)


def _strip_zeros(number: str) -> str:
    if "." in number and number.replace(".", "").isdigit():
        number = number.rstrip("0").rstrip(".")
    return number
