"""Periodic safety nets: the stale-job sweeper (every minute) and the nightly
reconciliation that finds attempts whose event never arrived."""

from __future__ import annotations

from datetime import timedelta

import structlog
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from canvas_pipeline.canvas import CanvasError
from canvas_pipeline.ids import canvas_id_relative
from canvas_pipeline.models import CanvasAssignment, SubmissionJob
from canvas_pipeline.services.access import with_client
from canvas_pipeline.services.intake import CHECKED_TYPES, job_get_or_create
from canvas_pipeline.services.jobs import STALE_RECEIVED_S, job_enqueue
from verification.models import VerificationRun

logger = structlog.get_logger(__name__)
State = SubmissionJob.State


def jobs_requeue_stale(*, received_older_than_s: float = STALE_RECEIVED_S) -> int:
    """Re-send every job whose message was lost or whose worker died."""
    now = timezone.now()
    old = now - timedelta(seconds=received_older_than_s)
    sent = 0
    steps = {
        "process": Q(state=State.RECEIVED, state_changed_at__lte=old)
        | Q(state=State.FETCHING, lease_expires_at__lt=now),
        # A verification whose message was lost, or whose worker died (run lease lapsed).
        "verify": Q(state=State.QUEUED, state_changed_at__lte=old)
        | Q(
            state=State.VERIFYING,
            run__status=VerificationRun.Status.RUNNING,
            run__lease_expires_at__lt=now,
        )
        | Q(state=State.VERIFYING, state_changed_at__lte=old)
        & ~Q(run__status=VerificationRun.Status.RUNNING),
        "post": Q(state=State.POSTING, state_changed_at__lte=old)
        & ~Q(posting__claim_expires_at__gt=now),
    }
    for step, condition in steps.items():
        ids = list(SubmissionJob.objects.filter(condition).values_list("id", flat=True)[:500])
        for job_id in ids:
            job_enqueue(job_id, step=step)
        sent += len(ids)
    if sent:
        logger.info("canvas.jobs.requeued", count=sent)
    return sent


def reconcile(*, lookback_h: int | None = None) -> int:
    """Create (and enqueue) a job for every recent attempt Canvas has and no job has."""
    hours = lookback_h or settings.CANVAS_RECONCILE_LOOKBACK_H
    since = (timezone.now() - timedelta(hours=hours)).isoformat()
    created = 0
    _assignments_discover()
    assignments = CanvasAssignment.objects.filter(
        is_enabled=True,
        course__is_enabled=True,
        course__installation__is_active=True,
    ).select_related("course__installation")
    for assignment in assignments:
        course = assignment.course
        try:
            submissions = with_client(
                course,
                lambda client, a=assignment: client.submissions_list(
                    course_id=a.course.canvas_course_id,
                    assignment_id=a.canvas_assignment_id,
                    submitted_since=since,
                ),
            )
        except CanvasError as exc:
            logger.warning(
                "canvas.reconcile.failed", assignment_id=assignment.pk, error=exc.message
            )
            continue
        for submission in submissions:
            created += _reconcile_submission(assignment, submission, since)
    logger.info("canvas.reconcile.finished", created=created)
    return created


def _assignments_discover() -> None:
    """Add assignment rows for enabled courses, so attempts of an assignment that
    never sent an event are found too."""
    from canvas_pipeline.models import CanvasCourse

    for course in CanvasCourse.objects.filter(
        is_enabled=True, installation__is_active=True
    ).select_related("installation"):
        try:
            ids = with_client(
                course, lambda client, c=course: client.assignment_ids(course_id=c.canvas_course_id)
            )
        except CanvasError as exc:
            logger.warning(
                "canvas.reconcile.assignments_failed", course_id=course.pk, error=exc.message
            )
            continue
        CanvasAssignment.objects.bulk_create(
            [CanvasAssignment(course=course, canvas_assignment_id=i) for i in ids],
            ignore_conflicts=True,
        )


def _reconcile_submission(assignment: CanvasAssignment, submission: dict, since: str) -> int:
    created = 0
    versions = submission.get("submission_history") or [submission]
    for version in versions:
        attempt = version.get("attempt")
        if not attempt or not version.get("submitted_at") or version["submitted_at"] < since:
            continue
        if version.get("submission_type") not in CHECKED_TYPES:
            continue
        _, was_created = job_get_or_create(
            installation=assignment.course.installation,
            course=assignment.course,
            assignment=assignment,
            canvas_submission_id=int(submission["id"]) % 10**13,
            canvas_user_id=canvas_id_relative(submission["user_id"], shard=0),
            attempt=int(attempt),
            submission_type=str(version.get("submission_type") or ""),
            source=SubmissionJob.Source.RECONCILIATION,
        )
        created += int(was_created)
    return created
