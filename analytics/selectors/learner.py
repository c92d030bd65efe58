"""Reads for a learner's own pages. Every query is filtered by the launch's
course and the learner's Canvas user id (CourseScope), never by URL ids alone."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min, QuerySet

from analytics.access import CourseScope
from analytics.categories import category_counts, reason_codes
from analytics.charts import Point
from analytics.selectors.common import (
    LABELS,
    LEARNER_STATES,
    PEER_MINIMUM,
    VerdictCount,
    claim_counts,
    claims_for_jobs,
    job_counts,
    jobs_verified,
    percentile,
    share,
    verdict_counts,
)
from canvas_pipeline.models import SubmissionJob


def _mine(scope: CourseScope, *, latest_only: bool) -> QuerySet[SubmissionJob]:
    if not scope.canvas_user_id:
        return SubmissionJob.objects.none()
    return jobs_verified(
        scope.course,
        states=LEARNER_STATES,
        canvas_user_id=scope.canvas_user_id,
        latest_only=latest_only,
        scope=scope,
    )


def feedback_list_for_learner(scope: CourseScope) -> list[SubmissionJob]:
    """Every verified submission of the learner in this course, newest first, with counts."""
    jobs = (
        _mine(scope, latest_only=False)
        .select_related("assignment")
        .annotate(**claim_counts())
        .order_by("-received_at", "-id")
    )
    return list(jobs)


def feedback_get_for_learner(scope: CourseScope, public_id: Any) -> SubmissionJob:
    from analytics.selectors.access import report_get_for_viewer

    return report_get_for_viewer(scope, public_id)


@dataclass
class LearnerAnalytics:
    total: int = 0
    accuracy: float | None = None
    counts: list[VerdictCount] = field(default_factory=list)
    trend: list[Point] = field(default_factory=list)
    class_trend: list[Point] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # per assignment, for the table
    categories: list[tuple[str, str, int]] = field(default_factory=list)
    to_review: list[dict[str, Any]] = field(default_factory=list)
    peers: dict[str, Any] | None = None  # None below PEER_MINIMUM classmates


def learner_analytics(scope: CourseScope) -> LearnerAnalytics:
    mine = _mine(scope, latest_only=True)
    out = LearnerAnalytics()
    per_assignment = list(
        mine.values("assignment_id", "assignment__name", "assignment__canvas_assignment_id")
        .annotate(**claim_counts(), first=Min("received_at"))
        .order_by("first", "assignment_id")
    )
    if not per_assignment:
        return out
    totals = {k: sum(r[k] for r in per_assignment) for k in ("total", *LABELS)}
    out.total = totals["total"]
    out.accuracy = share(totals["supported"], totals["total"])
    out.counts = verdict_counts(totals)
    out.peers, class_by_assignment = _peers(scope, [r["assignment_id"] for r in per_assignment])
    for row in per_assignment:
        name = row["assignment__name"] or f"Assignment {row['assignment__canvas_assignment_id']}"
        acc = share(row["supported"], row["total"])
        class_acc = class_by_assignment.get(row["assignment_id"])
        out.trend.append(Point(name, acc))
        out.class_trend.append(Point(name, class_acc))
        out.rows.append({"name": name, "accuracy": acc, "class_accuracy": class_acc, **row})
    if not any(p.value is not None for p in out.class_trend):
        out.class_trend = []
    mistakes = list(
        claims_for_jobs(mine)
        .filter(effective__in=("contradicted", "partially_supported"))
        .values("text", "effective", "detail__reasons")
    )
    out.categories = category_counts(
        (m["text"], reason_codes({"reasons": m["detail__reasons"]})) for m in mistakes
    )
    out.to_review = _to_review(mine)
    return out


def _to_review(mine: QuerySet[SubmissionJob]) -> list[dict[str, Any]]:
    """The learner's contradicted claims with their evidence: the improvement path."""
    return list(
        claims_for_jobs(mine)
        .filter(effective="contradicted")
        .values(
            "id",
            "text",
            "confidence",
            "evidence_quote",
            "evidence_source",
            "detail__explanation",
            "run__created_at",
        )
        .order_by("-run__created_at", "claim_index")[:50]
    )


def _peers(
    scope: CourseScope, assignment_ids: list[int]
) -> tuple[dict[str, Any] | None, dict[int, float | None]]:
    """Class average and top-10% threshold, only with >= PEER_MINIMUM classmates.

    Only aggregates leave this function; no other student's row does.
    """
    class_jobs = jobs_verified(scope.course, states=LEARNER_STATES)
    per_job = job_counts(class_jobs)
    totals: dict[str, dict[str, int]] = {}
    for row in per_job:
        mine = totals.setdefault(row["canvas_user_id"], {"total": 0, "supported": 0})
        mine["total"] += row["total"]
        mine["supported"] += row["supported"]
    per_student = [{"canvas_user_id": uid, **t} for uid, t in totals.items() if t["total"] > 0]
    classmates = [r for r in per_student if r["canvas_user_id"] != scope.canvas_user_id]
    if len(classmates) < PEER_MINIMUM:
        return None, {}
    accuracies = [r["supported"] / r["total"] for r in per_student]
    peers = {
        "students": len(per_student),
        "average": sum(accuracies) / len(accuracies),
        "top10": percentile(accuracies, 90),
    }
    # Per-assignment class average, only where PEER_MINIMUM classmates submitted it.
    by_assignment: dict[int, float | None] = {}
    wanted = set(assignment_ids)
    groups: dict[int, list[dict[str, Any]]] = {}
    for row in per_job:
        if row["assignment_id"] in wanted:
            groups.setdefault(row["assignment_id"], []).append(row)
    for assignment_id, rows in groups.items():
        others = {r["canvas_user_id"] for r in rows} - {scope.canvas_user_id}
        if len(others) >= PEER_MINIMUM:
            total = sum(r["total"] for r in rows)
            by_assignment[assignment_id] = share(sum(r["supported"] for r in rows), total)
    return peers, by_assignment
