"""Reads for the instructor views and the dashboards: jobs, their status, queue
position and projected wait, and whether Canvas must be reconnected."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from canvas_pipeline.models import CanvasCourse, CanvasToken, SubmissionJob
from lti_tool.models import LtiContext

State = SubmissionJob.State
WAITING_STATES = (State.RECEIVED, State.FETCHING, State.QUEUED)
THROUGHPUT_WINDOW_S = 900


def course_get_for_context(context: LtiContext | None) -> CanvasCourse | None:
    """The Canvas course of an LTI context (linked, or found by the Canvas course id)."""
    if context is None:
        return None
    course = CanvasCourse.objects.filter(lti_context=context).select_related("installation").first()
    if course is not None or not context.canvas_course_id.isdigit():
        return course
    return (
        CanvasCourse.objects.filter(
            installation__platform_id=context.platform_id,
            canvas_course_id=int(context.canvas_course_id),
        )
        .select_related("installation")
        .first()
    )


def job_list_for_course(course: CanvasCourse, *, limit: int = 200) -> QuerySet[SubmissionJob]:
    return (
        SubmissionJob.objects.filter(course=course)
        .select_related("assignment", "posting")
        .order_by("-received_at")[:limit]
    )


def job_get_for_course(course: CanvasCourse, public_id: Any) -> SubmissionJob | None:
    return SubmissionJob.objects.filter(course=course, public_id=public_id).first()


def jobs_throughput_per_s(*, window_s: int = THROUGHPUT_WINDOW_S) -> float:
    """Jobs verified per second recently, across installations (they share the gpu queue)."""
    since = timezone.now() - timedelta(seconds=window_s)
    done = SubmissionJob.objects.filter(
        state__in=(State.DONE, State.HELD), verify_started_at__gte=since
    ).count()
    return done / window_s


def job_queue_position(job: SubmissionJob) -> int | None:
    """Jobs ahead of this one (1 = next), or None when it is not waiting."""
    if job.state not in WAITING_STATES:
        return None
    ahead = SubmissionJob.objects.filter(
        state__in=(*WAITING_STATES, State.VERIFYING), received_at__lt=job.received_at
    ).count()
    return ahead + 1


def job_status(job: SubmissionJob) -> dict[str, Any]:
    """What the instructor sees for one job (JSON-ready)."""
    position = job_queue_position(job)
    wait_s = None
    if position is not None:
        throughput = jobs_throughput_per_s()
        wait_s = round(position / throughput) if throughput > 0 else None
    stamps = (
        "received_at",
        "fetch_started_at",
        "queued_at",
        "verify_started_at",
        "posting_started_at",
        "finished_at",
    )
    return {
        "id": str(job.public_id),
        "state": job.state,
        "submission_id": job.canvas_submission_id,
        "user_id": job.canvas_user_id,
        "attempt": job.attempt,
        "assignment_id": job.assignment.canvas_assignment_id,
        "source": job.source,
        "error_code": job.error_code,
        "error_message": job.error_message,
        "notes": job.notes,
        "queue_position": position,
        "projected_wait_s": wait_s,
        "can_retry": job.state == State.FAILED,
        "can_approve": job.state == State.HELD,
        **{
            name: (getattr(job, name).isoformat() if getattr(job, name) else None)
            for name in stamps
        },
    }


def course_needs_reconnect(course: CanvasCourse) -> bool:
    """True when the course's Canvas connection must be renewed by the instructor."""
    if course.canvas_token_id is None:
        return not course.installation.api_token_encrypted
    return CanvasToken.objects.filter(
        pk=course.canvas_token_id, state=CanvasToken.State.NEEDS_RECONNECT
    ).exists()
