"""The effective report: the one place that decides the verdict a person sees.

A claim's verdict is the instructor's override when there is one, else the model's
(ClaimOverride, analytics app, reached through the `override` relation so this
module imports no other app). The Canvas comment, the correction comment, the Asset
Report, the learner, instructor, Canvas, Asset Processor and demo pages, the CSV
export and the analytics counts all read it from here: `report_effective` for one
run, `effective_label` for queries over many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.db.models.functions import Coalesce

from verification.models import ClaimResult, VerificationRun
from verification.presentation import (
    LABEL_NAMES,
    LABELS,
    claim_number,
    importance_key,
)
from verification.selectors import EssaySegment, essay_segments


def effective_label(prefix: str = "") -> Coalesce:
    """The effective verdict as a query expression (annotate/filter/aggregate):
    the instructor's override, else the model's label."""
    return Coalesce(F(f"{prefix}override__label"), F(f"{prefix}label"))


@dataclass(frozen=True)
class VerdictCount:
    label: str
    name: str
    count: int


@dataclass(frozen=True)
class EffectiveReport:
    """One run's report as everyone sees it. `claims` are ClaimResult rows, most
    important first, each with `.effective` (the verdict shown), `.number` (the same
    in the comment, every page and the export) and `.is_corrected`."""

    run: VerificationRun
    claims: list[ClaimResult]
    counts: list[VerdictCount]
    segments: list[EssaySegment]
    notes: list[str]
    limitations: str
    skipped: list[dict[str, Any]] = field(default_factory=list)
    material_errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.claims)

    @property
    def corrected(self) -> list[ClaimResult]:
        return [c for c in self.claims if c.is_corrected]

    @property
    def conflicting(self) -> int:
        return sum(1 for c in self.claims if c.is_conflicting)

    def count_of(self, label: str) -> int:
        return next((c.count for c in self.counts if c.label == label), 0)

    @property
    def verdicts(self) -> dict[str, str]:
        """Effective verdict per claim number (as text keys, JSON-ready)."""
        return {str(c.number): c.effective for c in self.claims}


def _decorated(claim: ClaimResult) -> ClaimResult:
    # No override row: Django's RelatedObjectDoesNotExist is an AttributeError.
    override = getattr(claim, "override", None)
    claim.number = claim_number(claim.claim_index)
    claim.is_corrected = bool(override and not override.is_model_correct)
    return claim


def _claims_decorated(run_id: int, order: str) -> list[ClaimResult]:
    return [
        _decorated(c)
        for c in ClaimResult.objects.filter(run_id=run_id)
        .select_related("override", "override__created_by")
        # `effective` is declared on ClaimResult for its readers; django-stubs sees a redefinition.
        .annotate(effective=effective_label())  # type: ignore[no-redef,unused-ignore]
        .order_by(order)
    ]


def claims_arrived(run_id: int) -> list[ClaimResult]:
    """The claims decided so far, in the order the worker stored them (a running run's
    progress: the most important first, wave by wave), with their effective verdicts."""
    return _claims_decorated(run_id, "id")


def claims_effective(run_id: int) -> list[ClaimResult]:
    """The run's claims with their effective verdicts, most important first."""
    claims = _claims_decorated(run_id, "claim_index")
    return sorted(
        claims,
        key=lambda c: importance_key(
            label=c.effective,
            is_conflicting=c.is_conflicting,
            confidence=c.confidence,
            claim_index=c.claim_index,
            is_corrected=c.is_corrected,
        ),
    )


def report_effective(
    run: VerificationRun, *, extra_notes: list[str] | None = None
) -> EffectiveReport:
    """The run's report with every instructor override applied (see module docstring)."""
    claims = claims_effective(run.pk)
    tally = dict.fromkeys(LABELS, 0)
    for claim in claims:
        tally[claim.effective] = tally.get(claim.effective, 0) + 1
    data: dict[str, Any] = run.report or {}
    return EffectiveReport(
        run=run,
        claims=claims,
        counts=[VerdictCount(label, LABEL_NAMES[label], tally[label]) for label in LABELS],
        segments=essay_segments(text=run.submission_text, claims=claims),
        notes=[str(n) for n in (data.get("notes") or [])] + list(extra_notes or []),
        limitations=str(data.get("limitations") or _default_limitations()),
        skipped=list(data.get("skipped") or []),
        material_errors=list(data.get("material_errors") or []),
    )


def _default_limitations() -> str:
    from verification.engine.explain import LIMITATIONS

    return LIMITATIONS
