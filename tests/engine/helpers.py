"""Builders for engine data used across tests."""

from __future__ import annotations

from verification.engine.types import (
    Claim,
    ClaimResult,
    Evidence,
    NliScores,
    Passage,
    Reason,
    Report,
    SourceLocation,
    VerdictLabel,
)


def make_claim(text: str = "Photosynthesis requires light energy.", index: int = 0) -> Claim:
    return Claim(index=index, text=text, start=0, end=len(text))


def make_evidence(
    text: str,
    *,
    entailment: float = 0.0,
    contradiction: float = 0.0,
    similarity: float = 0.7,
    rank: int = 1,
    passage_id: str | None = None,
) -> Evidence:
    passage = Passage(
        passage_id=passage_id or f"p{rank}",
        text=text,
        source=SourceLocation("bio.pdf", page=rank, paragraph=1, heading="Light"),
    )
    scores = NliScores(entailment, 1.0 - entailment - contradiction, contradiction)
    return Evidence(passage, similarity, rank, scores, text)


def make_result(
    label: VerdictLabel, confidence: float, index: int, *, is_conflicting: bool = False
) -> ClaimResult:
    evidence = make_evidence("Photosynthesis requires light energy from the sun.", entailment=0.9)
    return ClaimResult(
        claim=make_claim(f"Claim number {index} is about light.", index),
        label=label,
        confidence=confidence,
        is_conflicting=is_conflicting,
        probabilities=evidence.nli,
        similarity=0.7,
        evidence_quote=evidence.quote,
        source=evidence.passage.source,
        reasons=(Reason("negation", "the claim contains a negation"),),
        explanation="Supported.",
        evidence=(evidence,),
    )


def make_report(results: list[ClaimResult]) -> Report:
    return Report(
        claims=tuple(results),
        skipped=(),
        notes=(),
        material_errors=(),
        limitations="Limits.",
        model_version="tiny@abc",
        corpus_version="c1",
        timings_ms={"total_ms": 1.0},
    )
