"""The verification pipeline: claims -> cache -> retrieval -> NLI -> verdicts -> report."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from verification.engine.cache import ClaimCache, claim_cache_key, decode_result, encode_result
from verification.engine.claims import extract_claims
from verification.engine.config import VerifierConfig
from verification.engine.decision import (
    DecisionModel,
    ScoredUnit,
    TermWeights,
    anchor,
    claim_signals,
    key_terms,
)
from verification.engine.explain import (
    LIMITATIONS,
    best_quote,
    claim_core,
    evidence_windows,
    split_clauses,
)
from verification.engine.nli import NliPair, NliScorer
from verification.engine.retrieval import (
    CorpusIndex,
    Embedder,
    RetrievalHit,
    build_index,
    retrieve,
)
from verification.engine.types import (
    Claim,
    ClaimResult,
    Evidence,
    MaterialError,
    NliScores,
    Passage,
    Report,
)
from verification.engine.verdicts import ClauseScore, decide, decide_learned

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float], None]
"""``progress(stage, fraction)``: stage name and overall completion in [0, 1]."""

ResultsCallback = Callable[[Sequence[ClaimResult]], None]
"""``on_results(results)``: claims just decided, most important first (see `Verifier.verify`)."""

# Progressive results: the first wave is small so a reader sees verdicts within a
# second or two; later waves are larger because each wave is one NLI batch series.
_FIRST_WAVE = 3
_LATER_WAVE = 8

_SCORING_CHUNKS = 8


_TERM_WEIGHTS_KEPT = 64


@dataclass(frozen=True, slots=True)
class _Job:
    claim: Claim
    evidence_passages: tuple[tuple[Passage, float, int], ...]
    clauses: tuple[str, ...]
    windows: tuple[tuple[int, str], ...] = ()
    """(position in evidence_passages, sentence) for the best passages' sentences."""
    hypothesis: str = ""
    """What the NLI model reads: the claim without an appended aside (see `claim_core`)."""


class Verifier:
    """Checks submissions against an indexed corpus.

    Args:
        scorer: an `NliScorer` such as `HfNliScorer`.
        embedder: an `Embedder` such as `SentenceTransformerEmbedder`.
        config: thresholds and limits.
        cache: optional `ClaimCache` (`LruClaimCache`, `TieredClaimCache`).
        decision: the fitted claim-level decision (`load_decision(model_dir)`);
            without one, the threshold rules of `verdicts.decide` apply.

    Example:
        >>> verifier = Verifier(HfNliScorer(path), SentenceTransformerEmbedder())  # doctest: +SKIP
        >>> index = verifier.index(ingest_materials(files).passages)  # doctest: +SKIP
        >>> report = verifier.verify(essay_text, index)  # doctest: +SKIP
    """

    def __init__(
        self,
        scorer: NliScorer,
        embedder: Embedder,
        config: VerifierConfig | None = None,
        cache: ClaimCache | None = None,
        decision: DecisionModel | None = None,
    ) -> None:
        self.scorer = scorer
        self.embedder = embedder
        self.config = config or VerifierConfig()
        self.cache = cache
        self.decision = decision
        self._term_weights: dict[str, TermWeights] = {}

    def index(self, passages: Sequence[Passage]) -> CorpusIndex:
        """Build the reusable index of a corpus (see `build_index`)."""
        return build_index(passages, self.embedder)

    def verify(
        self,
        text: str,
        index: CorpusIndex,
        *,
        material_errors: Sequence[MaterialError] = (),
        progress: ProgressCallback | None = None,
        on_results: ResultsCallback | None = None,
    ) -> Report:
        """Verify every claim of a submission against the corpus.

        Args:
            text: the submission as plain text (claim offsets refer to it).
            index: from `index()` or `CorpusIndex.from_bytes`.
            material_errors: ingest errors to carry into the report.
            progress: called as ``progress(stage, fraction)`` with stages
                ``claims``, ``retrieval``, ``scoring``, ``verdicts``, ``done``.
            on_results: when given, claims are decided in waves and each wave's
                results are passed on as soon as they exist: cached claims
                first, then the most important claims (those the materials
                address most closely, see `importance`) a few at a time, then
                the rest. The verdicts are the same as without it.

        Returns:
            A `Report` with one result per claim (in text order), skipped
            sentences, notes, limitations, versions and per-stage timings in ms.

        Raises:
            IndexFormatError: the index was built with another embedder.
        """
        timings: dict[str, float] = {}
        report_progress = progress or (lambda stage, fraction: None)
        report_progress("claims", 0.0)
        with _timed(timings, "claims_ms"):
            extraction = extract_claims(text, self.config)
        with _timed(timings, "cache_ms"):
            cached, pending = self._lookup(extraction.claims, index)
        report_progress("retrieval", 0.1)
        with _timed(timings, "retrieval_ms"):
            jobs = self._retrieve(pending, index)
        if on_results is not None and cached:
            on_results(sorted(cached, key=lambda r: r.claim.index))
        waves = _waves(jobs) if on_results is not None else [list(jobs)]
        fresh: list[ClaimResult] = []
        pairs_scored = 0
        done = 0
        for wave in waves:
            start = 0.15 + 0.8 * done / max(1, len(jobs))
            done += len(wave)
            end = 0.15 + 0.8 * done / max(1, len(jobs))
            with _timed(timings, "nli_ms"):
                scores = self._score_jobs(wave, report_progress, start=start, end=end)
            with _timed(timings, "verdicts_ms"):
                decided = self._decide(wave, scores, index)
                self._store(decided, index)
            pairs_scored += len(scores)
            fresh.extend(decided)
            if on_results is not None and decided:
                on_results(decided)
        report_progress("verdicts", 0.95)
        results = sorted([*cached, *fresh], key=lambda r: r.claim.index)
        notes = list(extraction.notes)
        if not index.passages:
            notes.append("No course-material passages were available, so nothing could be checked.")
        timings["total_ms"] = sum(timings.values())
        logger.info(
            "verification.verify.finished",
            extra={"claims": len(results), "pairs": pairs_scored, "cached": len(cached), **timings},
        )
        report_progress("done", 1.0)
        return Report(
            claims=tuple(results),
            skipped=extraction.skipped,
            notes=tuple(notes),
            material_errors=tuple(material_errors),
            limitations=LIMITATIONS,
            model_version=self.model_version,
            corpus_version=index.corpus_version,
            timings_ms=timings,
        )

    @property
    def model_version(self) -> str:
        """The NLI weights and, when fitted, the claim-level decision that made the verdicts."""
        decision = f"+decision.{self.decision.version}" if self.decision else ""
        return self.scorer.model_version + decision

    def _key(self, claim: Claim, index: CorpusIndex) -> str:
        return claim_cache_key(
            claim.text,
            corpus_version=index.corpus_version,
            model_version=self.model_version,
            config_fingerprint=self.config.fingerprint(),
        )

    def _lookup(
        self, claims: Sequence[Claim], index: CorpusIndex
    ) -> tuple[list[ClaimResult], list[Claim]]:
        if self.cache is None:
            return [], list(claims)
        cached: list[ClaimResult] = []
        pending: list[Claim] = []
        for claim in claims:
            value = self.cache.get(self._key(claim, index))
            result = decode_result(value, claim) if value is not None else None
            if result is None:
                pending.append(claim)
            else:
                cached.append(result)
        return cached, pending

    def _store(self, results: Sequence[ClaimResult], index: CorpusIndex) -> None:
        if self.cache is not None:
            for result in results:
                self.cache.set(self._key(result.claim, index), encode_result(result))

    def _retrieve(self, claims: Sequence[Claim], index: CorpusIndex) -> list[_Job]:
        hits = retrieve(
            index,
            [c.text for c in claims],
            self.embedder,
            top_k=self.config.top_k,
            candidate_pool=self.config.candidate_pool,
            rrf_k=self.config.rrf_k,
        )
        jobs = []
        weights = self._weights(index) if self.decision is not None and claims else None
        for claim, claim_hits in zip(claims, hits, strict=True):
            passages = tuple(
                (index.passages[h.passage_index], h.similarity, h.rank)
                for h in worth_scoring(claim_hits, self.config)
            )
            # Windows only feed the fitted decision; the rules read whole passages.
            windowed = passages[: self.config.window_passages] if self.decision else ()
            windows = tuple(
                (position, sentence)
                for position, (passage, _, _) in enumerate(windowed)
                for sentence in evidence_windows(passage.text)
            )
            clauses = tuple(split_clauses(claim.text))
            hypothesis = claim_core(claim.text, weights.frequency) if weights else claim.text
            jobs.append(_Job(claim, passages, clauses, windows, hypothesis))
        return jobs

    def _score_jobs(
        self,
        jobs: Sequence[_Job],
        progress: ProgressCallback,
        *,
        start: float = 0.15,
        end: float = 0.95,
    ) -> dict[NliPair, NliScores]:
        """NLI scores of the pairs the verdicts need, in two passes.

        First each claim against its best ``first_pass_passages`` passages (and
        its clauses against ``clause_passages``); then the remaining passages,
        only for claims the first pass left undecided (no entailment or
        contradiction at ``decisive_probability``). A claim its best passages
        settle rarely changes with weaker ones, and each skipped pair is CPU time.
        """
        first = self.config.first_pass_passages
        pairs: list[NliPair] = []
        for job in jobs:
            premises = [passage.text for passage, _, _ in job.evidence_passages]
            pairs.extend((premise, job.hypothesis) for premise in premises[:first])
            pairs.extend((sentence, job.hypothesis) for _, sentence in job.windows)
            for clause in job.clauses:
                premises_for_clause = premises[: self.config.clause_passages]
                pairs.extend((premise, clause) for premise in premises_for_clause)
        middle = start + (end - start) * 0.75
        scores = self._score(pairs, progress, start=start, end=middle)
        later: list[NliPair] = []
        for job in jobs:
            premises = [passage.text for passage, _, _ in job.evidence_passages]
            if len(premises) > first and not self._decisive(job, premises[:first], scores):
                later.extend((premise, job.hypothesis) for premise in premises[first:])
        scores.update(self._score(later, progress, start=middle, end=end))
        return scores

    def _decisive(
        self, job: _Job, premises: Sequence[str], scores: dict[NliPair, NliScores]
    ) -> bool:
        threshold = self.config.decisive_probability
        return any(
            max(scores[(p, job.hypothesis)].entailment, scores[(p, job.hypothesis)].contradiction)
            >= threshold
            for p in premises
        )

    def _score(
        self, pairs: Sequence[NliPair], progress: ProgressCallback, *, start: float, end: float
    ) -> dict[NliPair, NliScores]:
        unique = sorted(set(pairs), key=lambda pair: (len(pair[0]) + len(pair[1]), pair))
        if not unique:
            return {}
        # Chunks of similar length keep batches tight and let the progress bar
        # move while a long submission is scored.
        chunk = max(1, -(-len(unique) // _SCORING_CHUNKS))
        scores: dict[NliPair, NliScores] = {}
        for offset in range(0, len(unique), chunk):
            batch = unique[offset : offset + chunk]
            scores.update(zip(batch, self.scorer.score(batch), strict=True))
            done = min(1.0, (offset + chunk) / len(unique))
            progress("scoring", round(start + (end - start) * done, 4))
        return scores

    def _weights(self, index: CorpusIndex) -> TermWeights:
        weights = self._term_weights.get(index.corpus_version)
        if weights is None:
            if len(self._term_weights) >= _TERM_WEIGHTS_KEPT:
                self._term_weights.clear()
            weights = TermWeights([p.text for p in index.passages])
            self._term_weights[index.corpus_version] = weights
        return weights

    def _decide(
        self, jobs: Sequence[_Job], scores: dict[NliPair, NliScores], index: CorpusIndex
    ) -> list[ClaimResult]:
        results = []
        weights = self._weights(index) if self.decision is not None else None
        for job in jobs:
            evidence = [
                Evidence(
                    passage,
                    similarity,
                    rank,
                    scores[(passage.text, job.hypothesis)],
                    best_quote(passage.text, job.hypothesis),
                )
                for passage, similarity, rank in job.evidence_passages
                if (passage.text, job.hypothesis) in scores
            ]
            best = job.evidence_passages[: self.config.clause_passages]
            clause_premises = [passage.text for passage, _, _ in best]
            clauses = []
            for clause in job.clauses:
                clause_scores = [scores[(premise, clause)] for premise in clause_premises]
                entailment = max((s.entailment for s in clause_scores), default=0.0)
                contradiction = max((s.contradiction for s in clause_scores), default=0.0)
                clauses.append(ClauseScore(clause, entailment, contradiction))
            if self.decision is None or weights is None:
                results.append(decide(job.claim, evidence, self.config, clauses))
                continue
            units = _scored_units(job, evidence, scores, weights)
            signals = claim_signals(job.claim.text, units, [c.entailment for c in clauses])
            results.append(
                decide_learned(job.claim, evidence, signals, self.decision, self.config, clauses)
            )
        return results


def importance(job_claim: Claim, best_similarity: float) -> float:
    """How soon a claim's verdict should reach a reader waiting for progressive results.

    Claims the materials address closely come first (their verdict is most
    likely to say something), and among them claims with a number or a date,
    which students most often get wrong. A claim with no evidence in reach is
    not enough evidence at no cost and can wait.

    Example:
        >>> from verification.engine.types import Claim
        >>> dated = Claim(0, "Rome fell in 476.", 0, 17)
        >>> plain = Claim(1, "Rome fell slowly.", 18, 35)
        >>> importance(dated, 0.6) > importance(plain, 0.6) > importance(plain, 0.0)
        True
    """
    has_number = any(ch.isdigit() for ch in job_claim.text)
    return best_similarity * (1.25 if has_number else 1.0)


def _waves(jobs: Sequence[_Job]) -> list[list[_Job]]:
    """Jobs in order of `importance`, cut into a small first wave and larger later ones."""
    ranked = sorted(
        jobs,
        key=lambda job: (
            -importance(job.claim, max((s for _, s, _ in job.evidence_passages), default=0.0)),
            job.claim.index,
        ),
    )
    waves = [ranked[:_FIRST_WAVE]]
    waves.extend(ranked[i : i + _LATER_WAVE] for i in range(_FIRST_WAVE, len(ranked), _LATER_WAVE))
    return [wave for wave in waves if wave]


def _scored_units(
    job: _Job, evidence: Sequence[Evidence], scores: dict[NliPair, NliScores], weights: TermWeights
) -> list[ScoredUnit]:
    """Every scored passage and window of a claim, with its anchoring, best passage first."""
    terms = key_terms(job.hypothesis)
    units = [
        ScoredUnit(i, e.passage.text, e.similarity, e.nli, anchor(terms, e.passage.text, weights))
        for i, e in enumerate(evidence)
    ]
    for position, sentence in job.windows:
        nli = scores.get((sentence, job.hypothesis))
        if nli is not None and position < len(evidence):
            similarity = evidence[position].similarity
            units.append(
                ScoredUnit(position, sentence, similarity, nli, anchor(terms, sentence, weights))
            )
    return units


def worth_scoring(hits: Sequence[RetrievalHit], config: VerifierConfig) -> list[RetrievalHit]:
    """The retrieved passages worth an NLI pair: none when nothing reaches
    ``min_evidence_similarity``, else the top fused hit and those within
    ``evidence_margin`` of the best similarity (in retrieval order).

    Example:
        >>> hits = [RetrievalHit(0, 0.62, 1, 0.03), RetrievalHit(1, 0.31, 2, 0.02)]
        >>> [h.passage_index for h in worth_scoring(hits, VerifierConfig())]
        [0]
    """
    best = max((h.similarity for h in hits), default=0.0)
    if best < config.min_evidence_similarity:
        return []
    return [
        h for i, h in enumerate(hits) if i == 0 or h.similarity >= best - config.evidence_margin
    ]


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + (time.perf_counter() - start) * 1000.0
