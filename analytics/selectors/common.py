"""Shared read helpers: which jobs count, the effective (overridden) verdict, and
per-label counts computed by the database."""

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from canvas_pipeline.models import CanvasCourse, SubmissionJob
from verification.models import ClaimResult, VerificationRun
from verification.presentation import LABEL_COLOURS, LABEL_NAMES, LABELS
from verification.reports import VerdictCount, effective_label

__all__ = ["LABELS", "LABEL_COLOURS", "LABEL_NAMES", "VerdictCount", "effective_label"]
State = SubmissionJob.State
# Reports a student may see: held reports stay hidden until the instructor approves
# (who may open which report is decided in analytics.selectors.access).
LEARNER_STATES = (State.DONE,)
# Verified reports, for instructors (held ones included).
STAFF_STATES = (State.DONE, State.POSTING, State.HELD)
PEER_MINIMUM = 5


def claim_counts(prefix: str = "run__claims__") -> dict[str, Any]:
    """Aggregates for .annotate()/.aggregate(): total claims and one count per verdict."""
    eff = effective_label(prefix)
    count_of = prefix.removesuffix("__") or "id"
    counts: dict[str, Any] = {"total": Count(count_of)}
    for label in LABELS:
        counts[label] = Count(count_of, filter=Exact(eff, label))
    return counts


def jobs_verified(
    course: CanvasCourse | None,
    *,
    states: tuple[str, ...],
    canvas_user_id: str | None = None,
    assignment_id: int | None = None,
    latest_only: bool = True,
    scope: Any = None,
) -> QuerySet[SubmissionJob]:
    """Jobs of a course with a finished run, optionally one student's or one assignment's.

    latest_only keeps one attempt per student and assignment (the newest), so a
    resubmission replaces the earlier attempt in analytics instead of counting twice.
    """
    if course is None:
        return SubmissionJob.objects.none()
    filters = Q(course=course, state__in=states, run__status=VerificationRun.Status.DONE)
    if canvas_user_id is not None:
        filters &= Q(canvas_user_id=canvas_user_id)
    if assignment_id is not None:
        filters &= Q(assignment_id=assignment_id)
    jobs = SubmissionJob.objects.filter(filters)
    if scope is not None:  # a CourseScope: only reports its person may open
        from analytics.selectors.access import reports_visible_to

        jobs = jobs.filter(pk__in=reports_visible_to(scope).values("pk"))
    if latest_only:
        newer = SubmissionJob.objects.filter(
            course=course,
            assignment_id=OuterRef("assignment_id"),
            canvas_user_id=OuterRef("canvas_user_id"),
            attempt__gt=OuterRef("attempt"),
            state__in=states,
            run__status=VerificationRun.Status.DONE,
        )
        jobs = jobs.filter(~Exists(newer))
    return jobs


def claims_for_jobs(jobs: QuerySet[SubmissionJob]) -> QuerySet[ClaimResult]:
    """Claims of the runs of `jobs`, each annotated with its effective verdict."""
    # A literal id list: with the latest-attempt subquery inline, the planner re-runs
    # it for every claim row. Callers pass one student's jobs, so the list is short.
    run_ids = [r for r in jobs.values_list("run_id", flat=True) if r is not None]
    return ClaimResult.objects.filter(run_id__in=run_ids).annotate(effective=effective_label())


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def verdict_counts(row: dict[str, Any]) -> list[VerdictCount]:
    return [VerdictCount(label, LABEL_NAMES[label], int(row.get(label) or 0)) for label in LABELS]


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (pct in 0..100) of a small list."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


def job_counts(jobs: QuerySet[SubmissionJob]) -> list[dict[str, Any]]:
    """Effective verdict counts per job, for class-wide pages: one row per submission
    read from RunVerdictCounts (kept by analytics.services.run_counts_sync; the view
    syncs before it reads), so 300 x 10 x 40 is 3,000 rows, not 120,000 claims."""
    fields = {label: Coalesce(F(f"run__verdict_counts__{label}"), 0) for label in LABELS}
    # No datetimes per row: decoding 3,000 of them costs more than the query.
    return list(
        jobs.values("id", "run_id", "canvas_user_id", "assignment_id").annotate(
            total=Coalesce(F("run__verdict_counts__total"), 0), **fields
        )
    )


def summed_counts() -> dict[str, Any]:
    """Aggregates over jobs: total and per-verdict sums of their runs' stored counts."""
    return {name: Coalesce(Sum(f"run__verdict_counts__{name}"), 0) for name in ("total", *LABELS)}


def course_runs(course_ids: set[int] | list[int], **filters: Any) -> QuerySet[SubmissionJob]:
    """Run ids of a course's jobs, as a subquery the planner hash-joins."""
    return SubmissionJob.objects.filter(
        course_id__in=course_ids, run__isnull=False, **filters
    ).values("run_id")
