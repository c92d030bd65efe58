"""One submission's report as the dashboards show it: the essay cut at claim
offsets, the claims (effective verdicts, most important first), verdict counts."""

from dataclasses import dataclass
from typing import Any

from analytics.selectors.common import LABEL_NAMES, LABELS, VerdictCount, effective_label
from canvas_pipeline.models import SubmissionJob
from verification.engine.explain import LIMITATIONS
from verification.models import ClaimResult
from verification.selectors import EssaySegment, essay_segments

_IMPORTANCE = ("contradicted", "partially_supported", "not_enough_evidence", "supported")


@dataclass(frozen=True)
class Report:
    job: SubmissionJob
    segments: list[EssaySegment]
    claims: list[ClaimResult]  # each with .effective (the verdict shown)
    counts: list[VerdictCount]
    limitations: str
    notes: list[str]


def report_for_job(job: SubmissionJob) -> Report:
    """The report of a job already scoped by the caller (see analytics.access)."""
    run = job.run
    claims = list(
        ClaimResult.objects.filter(run_id=job.run_id)
        .select_related("override", "override__created_by")
        .annotate(effective=effective_label())
        .order_by("claim_index")
    )
    tally = dict.fromkeys(LABELS, 0)
    for claim in claims:
        tally[claim.effective] = tally.get(claim.effective, 0) + 1
    ordered = sorted(
        claims,
        key=lambda c: (not c.is_conflicting, _IMPORTANCE.index(c.effective), c.confidence),
    )
    report: dict[str, Any] = (run.report if run else None) or {}
    return Report(
        job=job,
        segments=essay_segments(text=run.submission_text if run else "", claims=claims),
        claims=ordered,
        counts=[VerdictCount(label, LABEL_NAMES[label], tally[label]) for label in LABELS],
        limitations=str(report.get("limitations") or LIMITATIONS),
        notes=[str(n) for n in (report.get("notes") or [])] + [str(n) for n in (job.notes or [])],
    )
