"""From claim x passage NLI scores to one of four verdicts with a confidence.

With a fitted decision beside the model (``decision.json``), `decide_learned`
gives the verdict (see `verification.engine.decision`); without one, `decide`
applies these threshold rules, in order (thresholds from `VerifierConfig`):

1. **Conflicting**: one passage entails the claim and another contradicts it,
   both at or above ``conflict_threshold``. The claim is flagged
   ``is_conflicting``; the label follows the stronger side and confidence is
   reduced. The two are never averaged.
2. **Partially supported (compound claim)**: the claim splits into clauses
   (``;``, ``, and``, ``but``, ``whereas``...), some clause is entailed at or
   above ``support_threshold`` and another is not. This wins over the score of
   the whole claim, because models often entail a conjunction when one part
   matches the evidence.
3. **Supported**: best entailment >= ``support_threshold``.
4. **Contradicted**: best contradiction >= ``contradiction_threshold``.
   **Partially supported (moderate)**: best entailment >= ``partial_threshold``
   and above the best contradiction.
5. **Not enough evidence** otherwise.

Number/date check: when a claim is SUPPORTED but none of the numbers or dates
it states appears in the supporting passage, which states other ones ("1879"
vs "1789"), NLI models often still say "entailment" (small models read digits
poorly). With
``number_mismatch_contradicts`` the verdict becomes CONTRADICTED (confidence at
most 0.7); otherwise, and for PARTIALLY_SUPPORTED claims, confidence is
multiplied by 0.6. Both add a ``number_mismatch`` reason. No other rule
changes a label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from verification.engine.config import VerifierConfig
from verification.engine.decision import ClaimSignals, DecisionModel, ScoredUnit
from verification.engine.explain import (
    Adjustment,
    confidence_adjustments,
    explanation_text,
    number_mismatch,
)
from verification.engine.types import (
    Claim,
    ClaimResult,
    Evidence,
    NliScores,
    Reason,
    ReasonCode,
    VerdictLabel,
)

_NO_SCORES = NliScores(entailment=0.0, neutral=1.0, contradiction=0.0)


@dataclass(frozen=True, slots=True)
class ClauseScore:
    """Best entailment and contradiction of one clause of a compound claim."""

    clause: str
    entailment: float
    contradiction: float = 0.0


def decide(
    claim: Claim,
    evidence: Sequence[Evidence],
    config: VerifierConfig,
    clauses: Sequence[ClauseScore] = (),
) -> ClaimResult:
    """Aggregate the scored evidence of one claim into a `ClaimResult`.

    Args:
        claim: the claim.
        evidence: its retrieved passages with NLI scores, best retrieval rank first.
        config: thresholds.
        clauses: for compound claims, each clause's best entailment.

    Returns:
        Label, confidence in [0, 1], conflict flag, best evidence, reasons and
        a plain-words explanation.

    Example:
        >>> decide(claim, [evidence], VerifierConfig()).label  # doctest: +SKIP
        'supported'
    """
    if not evidence:
        reason = Reason("no_evidence", "no passage of the materials matched this claim")
        return _result(claim, "not_enough_evidence", 1.0, False, None, [Adjustment(reason, 1.0)])
    support = max(evidence, key=lambda e: e.nli.entailment)
    contra = max(evidence, key=lambda e: e.nli.contradiction)
    ent, con = support.nli.entailment, contra.nli.contradiction
    notes: list[Adjustment] = []
    is_conflicting = (
        ent >= config.conflict_threshold
        and con >= config.conflict_threshold
        and support.passage.passage_id != contra.passage.passage_id
    )
    label: VerdictLabel
    if is_conflicting:
        label, primary, base = (
            ("supported", support, ent) if ent >= con else ("contradicted", contra, con)
        )
        other = contra if primary is support else support
        notes.append(
            _adj(
                "conflicting_evidence",
                "the materials disagree: another passage "
                f'({other.passage.source.describe()}) says "{other.quote}"',
                0.6,
            )
        )
    elif partial := _mixed_clauses(clauses, support, config):
        # A conjunction is supported only if every part is: models often
        # entail the whole when one part matches, so the parts decide.
        label, primary, (base, note) = "partially_supported", support, partial
        notes.append(note)
    elif ent >= config.support_threshold:
        label, primary, base = "supported", support, ent
    elif con >= config.contradiction_threshold:
        label, primary, base = "contradicted", contra, con
    elif ent >= config.partial_threshold and ent > con:
        label, primary, base = "partially_supported", support, 0.8 * (1.0 - con)
        notes.append(
            _adj(
                "moderate_entailment",
                f"the evidence only partly backs the claim (entailment {ent:.0%})",
                1.0,
            )
        )
    else:
        label, primary, base = "not_enough_evidence", evidence[0], 1.0 - max(ent, con)
    if label in {"supported", "partially_supported"} and (
        mismatch := number_mismatch(claim.text, primary.passage.text)
    ):
        label, base, note = _number_rule(label, mismatch, base, config)
        notes.append(note)
    notes.extend(confidence_adjustments(claim, label, primary.similarity, config))
    return _result(claim, label, base, is_conflicting, primary, notes, evidence)


def decide_learned(
    claim: Claim,
    evidence: Sequence[Evidence],
    signals: ClaimSignals,
    decision: DecisionModel,
    config: VerifierConfig,
    clauses: Sequence[ClauseScore] = (),
) -> ClaimResult:
    """The verdict from the fitted claim-level decision (see `verification.engine.decision`).

    The label and its calibrated confidence come from ``decision``; the quote
    is the window or passage that carries the verdict: the entailing one for
    SUPPORTED / PARTIALLY SUPPORTED, the anchored contradicting one for
    CONTRADICTED, the best-ranked passage otherwise. Reasons explain without
    changing the confidence (it is already calibrated).

    Args:
        claim: the claim.
        evidence: its scored passages, best retrieval rank first.
        signals: `decision.claim_signals` of its passages and windows.
        decision: the fitted model.
        config: ``review_below`` and the cue thresholds.
        clauses: for compound claims, each clause's best scores.
    """
    if not evidence:
        # Calibrated too: retrieval can miss a passage that would have settled it.
        probs = decision.probabilities(signals.features, shown=True)
        confidence = probs["not_enough_evidence"] + probs["contradicted"]
        reason = Reason("no_evidence", "no passage of the materials matched this claim")
        return _result(
            claim, "not_enough_evidence", confidence, False, None, [Adjustment(reason, 1.0)]
        )
    label, confidence, probs, guarded = decision.decide(signals)
    unit = _carrier(label, signals)
    primary = _unit_evidence(unit, evidence) if unit else evidence[0]
    notes: list[Adjustment] = []
    is_conflicting = _conflicting(signals, evidence, config)
    if is_conflicting:
        other = signals.contradicting if label != "contradicted" else signals.entailing
        if other is not None:
            notes.append(
                _adj(
                    "conflicting_evidence",
                    "the materials seem to disagree: another passage "
                    f"({evidence[other.passage_index].passage.source.describe()}) says "
                    f'"{_short(other.text)}"',
                    1.0,
                )
            )
    if guarded and probs["contradicted"] >= 0.3:
        notes.append(
            _adj(
                "unrelated_evidence",
                "a passage seemed to disagree, but it is about something else (it shares few "
                "of the claim's key terms), so it does not count against the claim",
                1.0,
            )
        )
    if label == "partially_supported" and (partial := _mixed_clauses(clauses, primary, config)):
        notes.append(partial[1])
    if label in {"supported", "partially_supported"} and (
        mismatch := number_mismatch(claim.text, primary.quote)
    ):
        notes.append(_number_rule("partially_supported", mismatch, 1.0, config)[2])
    if label != "not_enough_evidence":
        notes.extend(
            Adjustment(a.reason, 1.0)
            for a in confidence_adjustments(claim, label, primary.similarity, config)
        )
    result = _result(claim, label, confidence, is_conflicting, primary, notes, evidence)
    if confidence < config.review_below:
        review = Reason(
            "needs_review",
            f"the tool is unsure ({confidence:.0%}); a person should check this claim",
        )
        result = _with_review(result, review)
    return result


def _carrier(label: VerdictLabel, signals: ClaimSignals) -> ScoredUnit | None:
    if label in {"supported", "partially_supported"}:
        return signals.entailing
    if label == "contradicted":
        return signals.contradicting
    return None


def _unit_evidence(unit: ScoredUnit, evidence: Sequence[Evidence]) -> Evidence:
    """The unit as an `Evidence`: its own scores, its passage's source, the window as quote."""
    passage = evidence[unit.passage_index]
    quote = passage.quote if unit.text == passage.passage.text else unit.text
    return Evidence(passage.passage, passage.similarity, passage.retrieval_rank, unit.nli, quote)


def _conflicting(
    signals: ClaimSignals, evidence: Sequence[Evidence], config: VerifierConfig
) -> bool:
    entailing, contradicting = signals.entailing, signals.contradicting
    if entailing is None or contradicting is None:
        return False
    return (
        entailing.nli.entailment >= config.conflict_threshold
        and contradicting.nli.contradiction >= config.conflict_threshold
        and contradicting.anchor >= 0.5
        and evidence[entailing.passage_index].passage.passage_id
        != evidence[contradicting.passage_index].passage.passage_id
    )


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _with_review(result: ClaimResult, review: Reason) -> ClaimResult:
    reasons = (*result.reasons, review)
    explanation = explanation_text(
        label=result.label,
        confidence=result.confidence,
        quote=result.evidence_quote,
        source=result.source,
        probabilities=result.probabilities,
        similarity=result.similarity,
        reasons=reasons,
    )
    return replace(result, reasons=reasons, explanation=explanation, needs_review=True)


def _mixed_clauses(
    clauses: Sequence[ClauseScore], support: Evidence, config: VerifierConfig
) -> tuple[float, Adjustment] | None:
    """Confidence and reason when some clauses are entailed and others are not."""
    supported = [c for c in clauses if c.entailment >= config.support_threshold]
    unsupported = [c for c in clauses if c.entailment < config.support_threshold]
    if not supported or not unsupported:
        return None
    parts = [
        f'"{c.clause}"'
        + (" (contradicted)" if c.contradiction >= config.contradiction_threshold else "")
        for c in unsupported
    ]
    base = (1.0 - support.nli.contradiction) * len(supported) / len(clauses)
    message = "only part of the claim is supported; not supported: " + "; ".join(parts)
    return base, _adj("partial_support", message, 1.0)


def _number_rule(
    label: VerdictLabel,
    mismatch: tuple[set[str], set[str]],
    base: float,
    config: VerifierConfig,
) -> tuple[VerdictLabel, float, Adjustment]:
    claim_numbers, quote_numbers = mismatch
    message = (
        f"the claim states {', '.join(sorted(claim_numbers))} but the evidence states "
        f"{', '.join(sorted(quote_numbers)[:5])}"
    )
    if label == "supported" and config.number_mismatch_contradicts:
        return "contradicted", min(base, 0.7), _adj("number_mismatch", message, 1.0)
    return label, base, _adj("number_mismatch", message, 0.6)


def _result(
    claim: Claim,
    label: VerdictLabel,
    base: float,
    is_conflicting: bool,
    primary: Evidence | None,
    adjustments: Sequence[Adjustment],
    evidence: Sequence[Evidence] = (),
) -> ClaimResult:
    confidence = base
    for adjustment in adjustments:
        confidence *= adjustment.factor
    confidence = min(1.0, max(0.0, confidence))
    reasons = tuple(a.reason for a in adjustments)
    probabilities = primary.nli if primary else _NO_SCORES
    similarity = primary.similarity if primary else 0.0
    quote = primary.quote if primary else ""
    source = primary.passage.source if primary else None
    return ClaimResult(
        claim=claim,
        label=label,
        confidence=confidence,
        is_conflicting=is_conflicting,
        probabilities=probabilities,
        similarity=similarity,
        evidence_quote=quote,
        source=source,
        reasons=reasons,
        explanation=explanation_text(
            label=label,
            confidence=confidence,
            quote=quote,
            source=source,
            probabilities=probabilities,
            similarity=similarity,
            reasons=reasons,
        ),
        evidence=tuple(evidence),
    )


def _adj(code: ReasonCode, message: str, factor: float) -> Adjustment:
    return Adjustment(Reason(code=code, message=message), factor)
