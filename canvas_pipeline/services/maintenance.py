"""Periodic safety nets: the stale-job sweeper (every minute), the nightly
reconciliation that finds attempts whose event never arrived, and the nightly
prune of stored events past their retention."""

from __future__ import annotations

import operator
from datetime import timedelta
from functools import reduce
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from canvas_pipeline.canvas import CanvasError
from canvas_pipeline.ids import canvas_id_relative
from canvas_pipeline.models import (
    CanvasAssignment,
    CanvasCourse,
    LiveEvent,
    SubmissionJob,
)
from canvas_pipeline.services.access import with_client
from canvas_pipeline.services.intake import CHECKED_TYPES, job_get_or_create
from canvas_pipeline.services.jobs import STALE_RECEIVED_S, job_enqueue, job_lti_ids_set
from canvas_pipeline.services.state import (
    MAX_JOB_ATTEMPTS,
    jobs_fail_exhausted,
    jobs_fail_stuck_posting,
)
from lti_tool.models import LtiUser
from verification.models import VerificationRun

logger = structlog.get_logger(__name__)
State = SubmissionJob.State


def jobs_requeue_stale(*, received_older_than_s: float = STALE_RECEIVED_S) -> int:
    """Re-send every job whose message was lost or whose worker died, up to the attempt
    caps: a job or run out of attempts is FAILED with the reason instead."""
    from verification.services import MAX_RUN_ATTEMPTS, runs_fail_exhausted

    jobs_fail_exhausted()
    jobs_fail_stuck_posting()
    # A run failed here moves its job to FAILED when the verify step below sees it.
    runs_fail_exhausted()
    now = timezone.now()
    old = now - timedelta(seconds=received_older_than_s)
    sent = 0
    steps = {
        "process": Q(state=State.RECEIVED, state_changed_at__lte=old)
        | Q(state=State.FETCHING, lease_expires_at__lt=now, attempts__lt=MAX_JOB_ATTEMPTS),
        # A verification whose message was lost, or whose worker died (run lease lapsed).
        "verify": Q(state=State.QUEUED, state_changed_at__lte=old)
        | Q(
            state=State.VERIFYING,
            run__status=VerificationRun.Status.RUNNING,
            run__lease_expires_at__lt=now,
            run__attempts__lt=MAX_RUN_ATTEMPTS,
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


EVENTS_PRUNE_BATCH = 5000


def events_prune() -> int:
    """Delete stored Live Events older than CANVAS_EVENT_RETENTION_DAYS, in short
    batches.

    Their jobs stay, so a late duplicate of a pruned event still finds its
    attempt's job; events this old are refused as expired anyway."""
    days = settings.CANVAS_EVENT_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        # A batch at a time keeps each DELETE's locks and WAL short at any backlog.
        ids = list(
            LiveEvent.objects.filter(received_at__lt=cutoff).values_list("id", flat=True)[
                :EVENTS_PRUNE_BATCH
            ]
        )
        if not ids:
            break
        deleted += LiveEvent.objects.filter(id__in=ids).delete()[0]
    if deleted:
        logger.info("canvas.events.pruned", count=deleted, older_than_days=days)
    return deleted


def reconcile(*, lookback_h: int | None = None) -> int:
    """Create (and enqueue) a job for every recent attempt Canvas has and no job has."""
    hours = lookback_h or settings.CANVAS_RECONCILE_LOOKBACK_H
    since = (timezone.now() - timedelta(hours=hours)).isoformat()
    created = 0
    _assignments_discover()
    assignments = CanvasAssignment.objects.filter(
        is_enabled=True,
        canvas_assignment_id__isnull=False,  # a row known only from notices has no REST listing
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
    never sent an event are found too, and record each assignment's LTI id."""
    for course in CanvasCourse.objects.filter(
        is_enabled=True, installation__is_active=True
    ).select_related("installation"):
        try:
            found = with_client(
                course,
                lambda client, c=course: client.assignments_list(course_id=c.canvas_course_id),
            )
        except CanvasError as exc:
            logger.warning(
                "canvas.reconcile.assignments_failed", course_id=course.pk, error=exc.message
            )
            continue
        _assignments_merge(course, found)


def _assignments_merge(course: CanvasCourse, found: list[dict[str, Any]]) -> None:
    """New rows for new assignments; an existing row learns the id it lacks. A row an
    Asset Processor notice created knows only the LTI id; one a Live Event or this sweep
    created may lack it, and reconciled jobs need it to share the notices' key (0006)."""
    rows = list(CanvasAssignment.objects.filter(course=course))
    by_canvas_id = {r.canvas_assignment_id: r for r in rows if r.canvas_assignment_id is not None}
    by_lti_id = {r.lti_assignment_id: r for r in rows if r.lti_assignment_id}
    new = []
    for item in found:
        canvas_id, lti_id = item["id"], item.get("lti_context_id") or ""
        row, lti_row = by_canvas_id.get(canvas_id), by_lti_id.get(lti_id)
        if row is None and lti_row is None:
            new.append(
                CanvasAssignment(
                    course=course, canvas_assignment_id=canvas_id, lti_assignment_id=lti_id
                )
            )
        elif row is None and lti_row is not None and lti_row.canvas_assignment_id is None:
            _assignment_ids_fill(lti_row, canvas_assignment_id=canvas_id)
        elif row is not None and lti_id and not row.lti_assignment_id and lti_row is None:
            _assignment_ids_fill(row, lti_assignment_id=lti_id)
        elif row is not None and lti_row is not None and row.pk != lti_row.pk:
            # Two rows for one assignment (jobs on both): left as they are, reported.
            logger.warning(
                "canvas.reconcile.assignment_split", canvas_row=row.pk, lti_row=lti_row.pk
            )
    CanvasAssignment.objects.bulk_create(new, ignore_conflicts=True)


def _assignment_ids_fill(row: CanvasAssignment, **ids: Any) -> None:
    """Set ids the row lacks; a row that gained them meanwhile is left alone."""
    empty = {name: ("" if name == "lti_assignment_id" else None) for name in ids}
    try:
        with transaction.atomic():
            CanvasAssignment.objects.filter(pk=row.pk, **empty).update(**ids)
    except IntegrityError:  # another row of the course holds the id (a concurrent intake)
        logger.warning("canvas.reconcile.assignment_id_taken", assignment_id=row.pk, **ids)


def _reconcile_submission(assignment: CanvasAssignment, submission: dict, since: str) -> int:
    created = 0
    canvas_user_id = canvas_id_relative(submission["user_id"], shard=0)
    lti_ids: dict[str, str] | None = None
    versions = submission.get("submission_history") or [submission]
    for version in versions:
        attempt = version.get("attempt")
        if not attempt or not version.get("submitted_at") or version["submitted_at"] < since:
            continue
        if version.get("submission_type") not in CHECKED_TYPES:
            continue
        if lti_ids is None:
            lti_ids = _lti_ids_for(assignment, canvas_user_id)
        created += _reconcile_attempt(
            assignment,
            lti_ids,
            canvas_submission_id=int(submission["id"]) % 10**13,
            canvas_user_id=canvas_user_id,
            attempt=int(attempt),
            submission_type=str(version.get("submission_type") or ""),
        )
    return created


def _lti_ids_for(assignment: CanvasAssignment, canvas_user_id: str) -> dict[str, str]:
    """The attempt's LTI key when both halves are known, else {}.

    The assignment's LTI id comes from its row (Live Events, notices, the assignments
    API). The student's is the launch `sub` (what notices send as for_user.user_id),
    from a launch or roster sync that recorded the Canvas user id, else the id an
    earlier Live Event or notice for this Canvas user carried. Canvas's submissions
    API has no LTI user id, so a student known to neither stays without one."""
    if not assignment.lti_assignment_id or not canvas_user_id:
        return {}
    installation = assignment.course.installation
    lti_user_id = (
        LtiUser.objects.filter(platform_id=installation.platform_id, canvas_user_id=canvas_user_id)
        .exclude(sub="")
        .order_by("-updated_at")
        .values_list("sub", flat=True)
        .first()
    ) or (
        SubmissionJob.objects.filter(installation=installation, canvas_user_id=canvas_user_id)
        .exclude(lti_user_id="")
        .order_by("-received_at")
        .values_list("lti_user_id", flat=True)
        .first()
    )
    if not lti_user_id:
        return {}
    return {"lti_assignment_id": assignment.lti_assignment_id, "lti_user_id": lti_user_id}


def _reconcile_attempt(assignment: CanvasAssignment, lti_ids: dict[str, str], **fields: Any) -> int:
    """1 when a job was created for the attempt. A job an Asset Processor notice created
    first is adopted instead, so the attempt keeps one job (0006)."""
    job = _job_adopt(assignment, lti_ids, **fields)
    created = False
    if job is None:
        # A notice creating the job after the look above makes the insert hit the
        # LTI key; job_get_or_create then returns that job.
        job, created = job_get_or_create(
            installation=assignment.course.installation,
            course=assignment.course,
            assignment=assignment,
            source=SubmissionJob.Source.RECONCILIATION,
            **fields,
            **lti_ids,
        )
    if job is not None and not created and lti_ids:
        _job_lti_ids_fill(job, lti_ids)
    return int(created)


def _job_adopt(
    assignment: CanvasAssignment, lti_ids: dict[str, str], **fields: Any
) -> SubmissionJob | None:
    """The attempt's job a notice created (no Canvas submission id yet), found by the LTI
    key or by assignment, Canvas user and attempt; it learns its Canvas submission id,
    as intake does when a Live Event follows a notice."""
    keys = [Q(**lti_ids)] if lti_ids else []
    if fields["canvas_user_id"]:
        keys.append(
            Q(
                assignment=assignment,
                canvas_user_id=fields["canvas_user_id"],
                canvas_submission_id=None,
            )
        )
    if not keys:
        return None
    same_attempt = reduce(operator.or_, keys)
    job = (
        SubmissionJob.objects.filter(
            same_attempt,
            installation_id=assignment.course.installation_id,
            attempt=fields["attempt"],
        )
        .order_by("pk")
        .first()
    )
    if job is None or job.canvas_submission_id is not None:
        return job
    try:
        with transaction.atomic():
            SubmissionJob.objects.filter(pk=job.pk, canvas_submission_id=None).update(
                canvas_submission_id=fields["canvas_submission_id"]
            )
    except IntegrityError:  # a job without the LTI key holds the Canvas id: both are kept
        logger.warning("canvas.reconcile.attempt_split", job_id=job.pk)
    return job


def _job_lti_ids_fill(job: SubmissionJob, lti_ids: dict[str, str]) -> None:
    """An older job of the attempt without LTI ids gets them, so a later notice finds it."""
    if job.lti_user_id and job.lti_assignment_id:
        return
    if not job_lti_ids_set(job.pk, lti_ids):  # _job_adopt saw no holder a moment ago
        logger.warning("canvas.reconcile.lti_key_taken", job_id=job.pk)
