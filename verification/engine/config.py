"""Tunable settings of the engine, as frozen dataclasses with checked ranges."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields

from verification.engine.errors import ConfigError


@dataclass(frozen=True, slots=True)
class VerifierConfig:
    """Thresholds and limits for claim extraction, retrieval and verdicts.

    Probabilities are the calibrated NLI outputs of the best passage. The
    support and contradiction defaults (0.5) mean "more likely than not" under
    a calibrated model; they are not fitted to any evaluation set.

    Attributes:
        max_claims: claims checked per submission; the rest are skipped with a note.
        min_claim_words: shorter sentences are skipped as ``too_short``.
        top_k: passages scored per claim after fused retrieval.
        support_threshold: entailment at or above this gives SUPPORTED.
        contradiction_threshold: contradiction at or above this gives CONTRADICTED.
        partial_threshold: entailment at or above this (below support) gives
            PARTIALLY_SUPPORTED ("moderate entailment").
        conflict_threshold: a claim is conflicting when one passage entails it and
            another contradicts it, both at or above this.
        weak_retrieval_similarity: cosine similarity of the best evidence below
            which confidence is reduced ("weak retrieval").
        long_claim_words: claims longer than this count as over-long.
        number_mismatch_contradicts: when the best evidence entails the claim but
            every number/date in the claim differs from those in the quote, mark
            the claim CONTRADICTED instead of only lowering confidence.
        rrf_k: the reciprocal-rank-fusion constant (60 in the original paper).
        candidate_pool: candidates taken from each retriever before fusion.
        min_evidence_similarity: when no retrieved passage reaches this cosine
            similarity, the materials are not about the claim: it is NOT ENOUGH
            EVIDENCE without asking the NLI model (which, shown an unrelated
            passage, too often says "contradiction"), and no CPU is spent on it.
        evidence_margin: besides the top fused passage, only passages within this
            cosine similarity of the claim's best passage are scored; far weaker
            ones almost never decide a verdict and cost one NLI pair each.
        clause_passages: clauses of a compound claim are scored against this many
            of its best passages.
        first_pass_passages: every claim is first scored against this many of
            its best passages; the rest are scored only when none of these
            reaches ``decisive_probability`` of entailment or contradiction.
        decisive_probability: see ``first_pass_passages``; 1.0 scores every
            retrieved passage.
        window_passages: the sentences of this many of a claim's best passages
            are also scored one by one, so the sentence that settles a claim is
            judged without the rest of its passage; 0 turns windows off.
        review_below: a verdict whose calibrated confidence is below this is
            flagged ``needs_review`` ("needs a human look").
    """

    max_claims: int = 60
    min_claim_words: int = 4
    top_k: int = 3
    support_threshold: float = 0.5
    contradiction_threshold: float = 0.5
    partial_threshold: float = 0.35
    conflict_threshold: float = 0.5
    weak_retrieval_similarity: float = 0.35
    long_claim_words: int = 35
    number_mismatch_contradicts: bool = True
    rrf_k: int = 60
    candidate_pool: int = 30
    min_evidence_similarity: float = 0.15
    evidence_margin: float = 0.15
    clause_passages: int = 2
    first_pass_passages: int = 2
    decisive_probability: float = 0.8
    window_passages: int = 2
    review_below: float = 0.5

    def __post_init__(self) -> None:
        for name in (
            "min_evidence_similarity",
            "evidence_margin",
            "decisive_probability",
            "support_threshold",
            "contradiction_threshold",
            "partial_threshold",
            "conflict_threshold",
            "weak_retrieval_similarity",
            "review_below",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"VerifierConfig.{name}={value} must be between 0 and 1")
        for name in (
            "max_claims",
            "top_k",
            "rrf_k",
            "candidate_pool",
            "long_claim_words",
            "clause_passages",
            "first_pass_passages",
        ):
            value = getattr(self, name)
            if value < 1:
                raise ConfigError(f"VerifierConfig.{name}={value} must be a positive integer")
        if self.partial_threshold > self.support_threshold:
            raise ConfigError(
                f"VerifierConfig.partial_threshold={self.partial_threshold} is above "
                f"support_threshold={self.support_threshold}; lower it"
            )

    def fingerprint(self) -> str:
        """Short hash of every setting that changes a claim's result (for cache keys)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "max_claims"}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class ChunkConfig:
    """How materials are cut into passages.

    Attributes:
        max_words: a passage holds whole sentences up to about this many words.
            Short passages (2-4 sentences) suit NLI models, which are trained on
            sentence-length premises, and halve CPU time per pair compared with
            half-page chunks; one sentence longer than this is kept whole.
        overlap_sentences: sentences repeated at the start of the next passage
            so a fact split across a boundary is still found whole.
    """

    max_words: int = 64
    overlap_sentences: int = 1

    def __post_init__(self) -> None:
        if self.max_words < 10:
            raise ConfigError(f"ChunkConfig.max_words={self.max_words} must be at least 10")
        if self.overlap_sentences < 0:
            raise ConfigError(
                f"ChunkConfig.overlap_sentences={self.overlap_sentences} must be 0 or more"
            )

    def as_dict(self) -> dict[str, int]:
        """Settings as a plain dict (for corpus-version hashing)."""
        return asdict(self)
