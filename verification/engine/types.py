"""Plain data the engine takes and returns.

Everything here is a frozen, slotted dataclass with only str/int/float/bool,
tuples and nested dataclasses inside, so results can cross process boundaries
(Celery, cache, JSON) without surprises. `Report.to_dict()` produces the JSON
described by `report.schema.json`; `Report.from_dict()` reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from verification.engine.errors import ReportFormatError

VerdictLabel = Literal["supported", "partially_supported", "contradicted", "not_enough_evidence"]
VERDICT_LABELS: tuple[VerdictLabel, ...] = get_args(VerdictLabel)

SkipReason = Literal[
    "question",
    "opinion",
    "first_person_stance",
    "instruction",
    "heading",
    "citation",
    "too_short",
    "vague",
    "claim_cap",
]

MaterialErrorCode = Literal[
    "empty", "corrupt", "encrypted", "no_text", "unsupported_type", "too_large"
]

ReasonCode = Literal[
    "negation",
    "hedging",
    "number_mismatch",
    "weak_retrieval",
    "long_compound_claim",
    "conflicting_evidence",
    "partial_support",
    "moderate_entailment",
    "no_evidence",
    "unrelated_evidence",
    "needs_review",
]

REPORT_SCHEMA_VERSION = 1
REPORT_SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
"""JSON Schema (draft 2020-12) of `Report.to_dict()` output."""


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a passage comes from: file, 1-based page and paragraph, nearest heading."""

    file_name: str
    page: int | None = None
    paragraph: int | None = None
    heading: str | None = None

    def describe(self) -> str:
        """Human-readable location, e.g. ``bio.pdf, page 3, paragraph 2, section "Light"``."""
        parts = [self.file_name]
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.paragraph is not None:
            parts.append(f"paragraph {self.paragraph}")
        if self.heading:
            parts.append(f'section "{self.heading}"')
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Passage:
    """A chunk of course material, the unit that retrieval ranks and NLI reads."""

    passage_id: str
    text: str
    source: SourceLocation


@dataclass(frozen=True, slots=True)
class Claim:
    """A checkable sentence of the submission; ``text == submission[start:end]``."""

    index: int
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SkippedSentence:
    """A sentence that was not checked, and why."""

    text: str
    start: int
    end: int
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class NliScores:
    """Probabilities for one (premise, hypothesis) pair; they sum to 1."""

    entailment: float
    neutral: float
    contradiction: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """One retrieved passage for a claim, with its scores."""

    passage: Passage
    similarity: float
    retrieval_rank: int
    nli: NliScores
    quote: str


@dataclass(frozen=True, slots=True)
class Reason:
    """Why confidence was reduced (or why the verdict is what it is), in plain words."""

    code: ReasonCode
    message: str


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """The verdict for one claim: label, confidence, best evidence and reasons."""

    claim: Claim
    label: VerdictLabel
    confidence: float
    is_conflicting: bool
    probabilities: NliScores
    similarity: float
    evidence_quote: str
    source: SourceLocation | None
    reasons: tuple[Reason, ...]
    explanation: str
    evidence: tuple[Evidence, ...] = ()
    from_cache: bool = False
    needs_review: bool = False
    """The tool is unsure (low calibrated confidence): a person should check this claim."""


Verdict = ClaimResult
"""Alias: a claim's verdict is its `ClaimResult`."""


@dataclass(frozen=True, slots=True)
class MaterialError:
    """A course-material file that could not be read; the others still are."""

    file_name: str
    code: str
    """One of `MaterialErrorCode`; typed ``str`` so stored rows can be passed back in."""
    message: str


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one verification run produced."""

    claims: tuple[ClaimResult, ...]
    skipped: tuple[SkippedSentence, ...]
    notes: tuple[str, ...]
    material_errors: tuple[MaterialError, ...]
    limitations: str
    model_version: str
    corpus_version: str
    timings_ms: Mapping[str, float] = field(default_factory=dict)

    def counts(self) -> dict[VerdictLabel, int]:
        """Number of claims per verdict label, every label present."""
        counts: dict[VerdictLabel, int] = dict.fromkeys(VERDICT_LABELS, 0)
        for result in self.claims:
            counts[result.label] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary matching ``report.schema.json``.

        Example:
            >>> import json
            >>> json.dumps(report.to_dict())  # doctest: +SKIP
        """
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "model_version": self.model_version,
            "corpus_version": self.corpus_version,
            "counts": dict(self.counts()),
            "claims": [_claim_result_to_dict(r) for r in self.claims],
            "skipped": [_skipped_to_dict(s) for s in self.skipped],
            "notes": list(self.notes),
            "material_errors": [_material_error_to_dict(e) for e in self.material_errors],
            "limitations": self.limitations,
            "timings_ms": dict(self.timings_ms),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Rebuild a report from ``to_dict()`` output.

        Raises:
            ReportFormatError: a key is missing or has the wrong type; the message
                names the key. Validate against ``report.schema.json`` first for
                a full list of problems.
        """
        try:
            return cls(
                claims=tuple(claim_result_from_dict(c) for c in data["claims"]),
                skipped=tuple(_skipped_from_dict(s) for s in data["skipped"]),
                notes=tuple(str(n) for n in data["notes"]),
                material_errors=tuple(
                    _material_error_from_dict(e) for e in data["material_errors"]
                ),
                limitations=str(data["limitations"]),
                model_version=str(data["model_version"]),
                corpus_version=str(data["corpus_version"]),
                timings_ms={str(k): float(v) for k, v in data.get("timings_ms", {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ReportFormatError(
                f"report dictionary is malformed ({exc!r}); pass the output of "
                "Report.to_dict() or a document valid against report.schema.json"
            ) from exc


def _source_to_dict(source: SourceLocation) -> dict[str, Any]:
    return {
        "file_name": source.file_name,
        "page": source.page,
        "paragraph": source.paragraph,
        "heading": source.heading,
        "description": source.describe(),
    }


def _source_from_dict(data: Mapping[str, Any]) -> SourceLocation:
    return SourceLocation(
        file_name=str(data["file_name"]),
        page=data.get("page"),
        paragraph=data.get("paragraph"),
        heading=data.get("heading"),
    )


def _nli_to_dict(scores: NliScores) -> dict[str, float]:
    return {
        "entailment": scores.entailment,
        "neutral": scores.neutral,
        "contradiction": scores.contradiction,
    }


def _nli_from_dict(data: Mapping[str, Any]) -> NliScores:
    return NliScores(
        entailment=float(data["entailment"]),
        neutral=float(data["neutral"]),
        contradiction=float(data["contradiction"]),
    )


def _evidence_to_dict(evidence: Evidence) -> dict[str, Any]:
    return {
        "passage_id": evidence.passage.passage_id,
        "passage_text": evidence.passage.text,
        "source": _source_to_dict(evidence.passage.source),
        "similarity": evidence.similarity,
        "retrieval_rank": evidence.retrieval_rank,
        "probabilities": _nli_to_dict(evidence.nli),
        "quote": evidence.quote,
    }


def _evidence_from_dict(data: Mapping[str, Any]) -> Evidence:
    passage = Passage(
        passage_id=str(data["passage_id"]),
        text=str(data["passage_text"]),
        source=_source_from_dict(data["source"]),
    )
    return Evidence(
        passage=passage,
        similarity=float(data["similarity"]),
        retrieval_rank=int(data["retrieval_rank"]),
        nli=_nli_from_dict(data["probabilities"]),
        quote=str(data["quote"]),
    )


def claim_result_to_dict(result: ClaimResult) -> dict[str, Any]:
    """One claim result as a JSON-ready dictionary (the ``claims[]`` item of a report)."""
    return _claim_result_to_dict(result)


def _claim_result_to_dict(result: ClaimResult) -> dict[str, Any]:
    return {
        "index": result.claim.index,
        "text": result.claim.text,
        "start": result.claim.start,
        "end": result.claim.end,
        "label": result.label,
        "confidence": result.confidence,
        "is_conflicting": result.is_conflicting,
        "probabilities": _nli_to_dict(result.probabilities),
        "similarity": result.similarity,
        "evidence_quote": result.evidence_quote,
        "source": None if result.source is None else _source_to_dict(result.source),
        "reasons": [{"code": r.code, "message": r.message} for r in result.reasons],
        "explanation": result.explanation,
        "evidence": [_evidence_to_dict(e) for e in result.evidence],
        "from_cache": result.from_cache,
        "needs_review": result.needs_review,
    }


def claim_result_from_dict(data: Mapping[str, Any]) -> ClaimResult:
    """Inverse of ``claim_result_to_dict``.

    Raises:
        KeyError, TypeError, ValueError: on malformed input (``Report.from_dict``
            wraps these in ``ReportFormatError``).
    """
    label = str(data["label"])
    if label not in VERDICT_LABELS:
        raise ValueError(f"unknown verdict label {label!r}; expected one of {VERDICT_LABELS}")
    source = data.get("source")
    return ClaimResult(
        claim=Claim(
            index=int(data["index"]),
            text=str(data["text"]),
            start=int(data["start"]),
            end=int(data["end"]),
        ),
        label=label,
        confidence=float(data["confidence"]),
        is_conflicting=bool(data["is_conflicting"]),
        probabilities=_nli_from_dict(data["probabilities"]),
        similarity=float(data["similarity"]),
        evidence_quote=str(data["evidence_quote"]),
        source=None if source is None else _source_from_dict(source),
        reasons=tuple(
            Reason(code=cast(ReasonCode, str(r["code"])), message=str(r["message"]))
            for r in data["reasons"]
        ),
        explanation=str(data["explanation"]),
        evidence=tuple(_evidence_from_dict(e) for e in data.get("evidence", [])),
        from_cache=bool(data.get("from_cache", False)),
        needs_review=bool(data.get("needs_review", False)),
    )


def _skipped_to_dict(skipped: SkippedSentence) -> dict[str, Any]:
    return {
        "text": skipped.text,
        "start": skipped.start,
        "end": skipped.end,
        "reason": skipped.reason,
    }


def _skipped_from_dict(data: Mapping[str, Any]) -> SkippedSentence:
    return SkippedSentence(
        text=str(data["text"]),
        start=int(data["start"]),
        end=int(data["end"]),
        reason=cast(SkipReason, str(data["reason"])),
    )


def _material_error_to_dict(error: MaterialError) -> dict[str, str]:
    return {"file_name": error.file_name, "code": error.code, "message": error.message}


def _material_error_from_dict(data: Mapping[str, Any]) -> MaterialError:
    code = str(data["code"])
    if code not in get_args(MaterialErrorCode):
        raise ValueError(f"unknown material error code {code!r}")
    return MaterialError(
        str(data["file_name"]), cast(MaterialErrorCode, code), str(data["message"])
    )
