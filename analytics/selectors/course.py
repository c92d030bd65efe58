"""Reads for instructor and TA pages, always scoped to the launch's Canvas course."""

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import Lower, Trim
from django.http import Http404

from analytics.charts import Point
from analytics.clustering import Cluster, cluster_texts
from analytics.models import ClaimOverride
from analytics.selectors.common import (
    LABELS,
    STAFF_STATES,
    State,
    VerdictCount,
    claim_counts,
    course_runs,
    effective_label,
    jobs_verified,
    share,
    summed_counts,
    verdict_counts,
)
from canvas_pipeline.models import CanvasAssignment, CanvasCourse, SubmissionJob
from canvas_pipeline.selectors import WAITING_STATES, jobs_throughput_per_s
from lti_tool.models import LtiContext, Membership
from verification.models import ClaimResult, Material

PENDING_STATES = (State.RECEIVED, State.FETCHING, State.QUEUED, State.VERIFYING, State.POSTING)
HISTOGRAM_BINS = 10
PROCESSING_LIMIT = 50
MISCONCEPTIONS_CACHE_S = 3600


def assignment_list_for_course(course: CanvasCourse | None) -> list[CanvasAssignment]:
    if course is None:
        return []
    return list(course.assignments.order_by("created_at", "id"))


def assignment_get_for_course(course: CanvasCourse | None, assignment_id: int) -> CanvasAssignment:
    assignment = (
        CanvasAssignment.objects.filter(course=course, pk=assignment_id).first() if course else None
    )
    if assignment is None:
        raise Http404("No such assignment in this course")
    return assignment


def student_names_for_context(context: LtiContext) -> dict[str, str]:
    """Canvas user id -> display name, from the course roster (launches and NRPS)."""
    return {
        cid: name or f"Student {cid}"
        for cid, name in Membership.objects.filter(context=context)
        .exclude(user__canvas_user_id="")
        .values_list("user__canvas_user_id", "user__name")
    }


@dataclass
class ClassOverview:
    students: list[dict[str, Any]] = field(default_factory=list)
    histogram: list[tuple[str, int]] = field(default_factory=list)
    counts: list[VerdictCount] = field(default_factory=list)
    total_claims: int = 0
    accuracy: float | None = None
    assignments: list[dict[str, Any]] = field(default_factory=list)
    trend: list[Point] = field(default_factory=list)
    misconceptions: list[Cluster] = field(default_factory=list)
    error_rate: dict[str, Any] = field(default_factory=dict)


def class_overview(
    course: CanvasCourse | None, context: LtiContext, *, assignment_id: int | None = None
) -> ClassOverview:
    out = ClassOverview()
    jobs = jobs_verified(course, states=STAFF_STATES, assignment_id=assignment_id)
    out.students = rows = student_rows(jobs, context)
    out.histogram = _histogram([r["accuracy"] for r in rows if r["accuracy"] is not None])
    totals = _sum(rows)
    out.total_claims = totals["total"]
    out.accuracy = share(totals["supported"], totals["total"])
    out.counts = verdict_counts(totals)
    if assignment_id is None:
        out.assignments = _assignments(course, jobs)
        out.trend = [Point(a["name"], a["accuracy"]) for a in out.assignments]
    # Cached until a submission is counted or a verdict overridden (the version changes).
    latest = ClaimOverride.objects.filter(course=course).aggregate(at=Max("updated_at"))["at"]
    submissions = sum(r["submissions"] for r in rows)
    version = f"{submissions}-{totals['contradicted']}-{latest.timestamp() if latest else 0}"
    key = f"analytics:misconceptions:{course.pk if course else 0}:{assignment_id}:{version}"
    out.misconceptions = cache.get_or_set(
        key, lambda: _misconceptions(course, assignment_id), MISCONCEPTIONS_CACHE_S
    )
    out.error_rate = override_error_rate(course)
    return out


def _sum(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {k: sum(r[k] for r in rows) for k in ("total", *LABELS)}


def student_rows(jobs: QuerySet[SubmissionJob], context: LtiContext) -> list[dict[str, Any]]:
    """One row per student: submissions, verdict counts, accuracy, last submission,
    grouped by the database over the per-run counts (RunVerdictCounts)."""
    names = student_names_for_context(context)
    rows = list(
        jobs.values("canvas_user_id").annotate(
            submissions=Count("id"), last_received=Max("received_at"), **summed_counts()
        )
    )
    for row in rows:
        row["name"] = names.get(row["canvas_user_id"], f"Student {row['canvas_user_id']}")
        row["accuracy"] = share(row["supported"], row["total"])
    return sorted(rows, key=lambda r: r["name"].lower())


def _histogram(accuracies: list[float]) -> list[tuple[str, int]]:
    bins = [0] * HISTOGRAM_BINS
    for acc in accuracies:
        bins[min(int(acc * HISTOGRAM_BINS), HISTOGRAM_BINS - 1)] += 1
    width = 100 // HISTOGRAM_BINS
    # An en dash: the typographic range sign, read as "to" by screen readers.
    return [(f"{i * width}\u2013{(i + 1) * width}%", n) for i, n in enumerate(bins)]


def _assignments(
    course: CanvasCourse | None, jobs: QuerySet[SubmissionJob]
) -> list[dict[str, Any]]:
    grouped = {
        row.pop("assignment_id"): row
        for row in jobs.values("assignment_id").annotate(
            students=Count("canvas_user_id", distinct=True), **summed_counts()
        )
    }
    rows = []
    for assignment in assignment_list_for_course(course):
        if assignment.pk in grouped:
            row = {
                "assignment_id": assignment.pk,
                "name": str(assignment),
                **grouped[assignment.pk],
            }
            row["accuracy"] = share(row["supported"], row["total"])
            rows.append(row)
    return rows


def _misconceptions(
    course: CanvasCourse | None, assignment_id: int | None, *, groups: int = 300
) -> list[Cluster]:
    """Most frequently contradicted claims, near-duplicates merged (analytics.clustering).

    Counts every verified attempt (a misconception a student later fixed was still made).
    """
    if course is None:
        return []
    filters: dict[str, Any] = {"state__in": STAFF_STATES}
    if assignment_id is not None:
        filters["assignment_id"] = assignment_id
    exact = (
        ClaimResult.objects.filter(run_id__in=course_runs([course.pk], **filters))
        # The plain label test lets the planner drop most rows before the override join.
        .filter(Q(label="contradicted") | Q(override__label="contradicted"))
        .annotate(effective=effective_label())
        .filter(effective="contradicted")
        .annotate(norm=Lower(Trim("text")))
        .values("norm")
        # No COUNT(DISTINCT): it forces a sort-based GroupAggregate; a hash one is 5x faster.
        .annotate(n=Count("id"), text=Min("text"))
        .order_by("-n", "norm")[:groups]
    )
    return cluster_texts(((r["text"], r["n"], r["n"]) for r in exact), limit=10)


def override_error_rate(course: CanvasCourse | None) -> dict[str, Any]:
    """Overrides so far and the share where the instructor said the model was wrong."""
    if course is None:
        return {"reviewed": 0, "wrong": 0, "rate": None}
    row = ClaimOverride.objects.filter(course=course).aggregate(
        reviewed=Count("id"), wrong=Count("id", filter=Q(is_model_correct=False))
    )
    return {**row, "rate": share(row["wrong"], row["reviewed"])}


def processing_for_course(
    course: CanvasCourse | None, *, assignment_id: int | None = None
) -> dict[str, Any]:
    """Counts per job state and the jobs still in flight or failed, with queue
    position, projected wait and failure reason."""
    if course is None:
        return {"states": [], "jobs": []}
    jobs = SubmissionJob.objects.filter(course=course)
    if assignment_id is not None:
        jobs = jobs.filter(assignment_id=assignment_id)
    states = list(jobs.values("state").annotate(n=Count("id")).order_by("state"))
    active = (
        jobs.filter(state__in=(*PENDING_STATES, State.FAILED))
        .select_related("assignment")
        .order_by("received_at")[:PROCESSING_LIMIT]
    )
    return {"states": states, "jobs": _statuses(list(active))}


def _statuses(jobs: list[SubmissionJob]) -> list[dict[str, Any]]:
    """canvas_pipeline.selectors.job_status for many jobs, with the queue read once
    (job_status costs two queries per job). Same position and wait rules."""
    if not jobs:
        return []
    rows = [{**job_status_base(j), "job": j} for j in jobs]
    if any(r["state"] in WAITING_STATES for r in rows):
        queue = sorted(
            SubmissionJob.objects.filter(state__in=(*WAITING_STATES, State.VERIFYING)).values_list(
                "received_at", flat=True
            )
        )
        throughput = jobs_throughput_per_s()
        for row in rows:
            if row["state"] in WAITING_STATES:
                position = bisect_left(queue, row["job"].received_at) + 1
                row["queue_position"] = position
                row["projected_wait_s"] = round(position / throughput) if throughput > 0 else None
    return rows


def job_status_base(job: SubmissionJob) -> dict[str, Any]:
    """The fields of job_status that need no query (position and wait filled by the caller)."""
    return {
        "id": str(job.public_id),
        "state": job.state,
        "submission_id": job.canvas_submission_id,
        "user_id": job.canvas_user_id,
        "attempt": job.attempt,
        "error_code": job.error_code,
        "error_message": job.error_message,
        "queue_position": None,
        "projected_wait_s": None,
        "can_retry": job.state == State.FAILED,
    }


def held_count_for_course(course: CanvasCourse | None, *, assignment_id: int | None = None) -> int:
    if course is None:
        return 0
    jobs = SubmissionJob.objects.filter(course=course, state=State.HELD)
    if assignment_id is not None:
        jobs = jobs.filter(assignment_id=assignment_id)
    return jobs.count()


def held_jobs_for_course(
    course: CanvasCourse | None, *, assignment_id: int | None = None
) -> list[SubmissionJob]:
    """Reports held for review, oldest first, with verdict counts."""
    if course is None:
        return []
    jobs = jobs_verified(
        course, states=(State.HELD,), assignment_id=assignment_id, latest_only=False
    )
    return list(
        jobs.select_related("assignment")
        .annotate(**claim_counts())
        .order_by("assignment_id", "received_at")
    )


def review_queue_for_course(
    course: CanvasCourse | None, context: LtiContext
) -> list[dict[str, Any]]:
    """Held reports grouped by assignment: [{assignment, jobs: [(job, student name)]}]."""
    names = student_names_for_context(context)
    groups: dict[int, dict[str, Any]] = {}
    for job in held_jobs_for_course(course):
        group = groups.setdefault(job.assignment_id, {"assignment": job.assignment, "jobs": []})
        name = names.get(job.canvas_user_id, f"Student {job.canvas_user_id}")
        group["jobs"].append((job, name))
    return list(groups.values())


def job_get_for_course(course: CanvasCourse | None, public_id: Any) -> SubmissionJob:
    job = (
        SubmissionJob.objects.filter(course=course, public_id=public_id)
        .select_related("assignment", "run", "course")
        .first()
        if course
        else None
    )
    if job is None:
        raise Http404("No such submission in this course")
    return job


def student_jobs_for_course(scope: Any, canvas_user_id: str) -> list[SubmissionJob]:
    """All verified submissions of one student of the scope's course, newest first."""
    jobs = list(
        jobs_verified(
            scope.course,
            states=STAFF_STATES,
            canvas_user_id=canvas_user_id,
            latest_only=False,
            scope=scope,
        )
        .select_related("assignment")
        .annotate(**claim_counts())
        .order_by("-received_at")
    )
    if not jobs:
        raise Http404("No results for this student in this course")
    return jobs


def claim_get_for_course(
    course: CanvasCourse | None, claim_id: int
) -> tuple[ClaimResult, SubmissionJob]:
    """A claim and its job, only when the job belongs to this course."""
    claim = ClaimResult.objects.filter(pk=claim_id).first()
    job = (
        SubmissionJob.objects.filter(course=course, run_id=claim.run_id).first()
        if claim is not None and course is not None
        else None
    )
    if claim is None or job is None:
        raise Http404("No such claim in this course")
    return claim, job


def materials_for_course(course: CanvasCourse | None) -> list[Material]:
    if course is None or course.corpus_id is None:
        return []
    return list(
        Material.objects.filter(corpus_id=course.corpus_id).defer("data").order_by("-created_at")
    )
