"""Instructor overrides after the report went out reach Canvas, exactly once.

The step compares the verdicts the student was last told (the posted comment's, or
the last correction's) with the effective verdicts now. When they differ, it claims
correction n+1 (unique per job) before the Canvas PUT, like the report comment
(posting.py): a worker that dies mid-PUT leaves the claim to lapse, and whoever takes
it over first looks for the correction's marker on Canvas and adopts it. Publishers
(the Asset Processor) re-send their report with the corrected result.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone

from canvas_pipeline.canvas import CanvasError, CanvasTransientError
from canvas_pipeline.models import CommentCorrection, CommentPosting, SubmissionJob
from canvas_pipeline.services.access import with_client
from canvas_pipeline.services.extensions import corrections_publish_with_extensions
from verification.comment import (
    CORRECTION_MARKER,
    correction_marker_line,
    correction_render,
)
from verification.models import VerificationRun
from verification.reports import report_effective

logger = structlog.get_logger(__name__)

CORRECTION_CLAIM_S = 60
State = SubmissionJob.State


class CorrectionBusy(CanvasTransientError):
    """Another worker holds the job's correction claim: try again once it could lapse."""

    def __init__(self) -> None:
        super().__init__(
            "another worker is posting this correction",
            code="correction_busy",
            retry_after_s=CORRECTION_CLAIM_S,
        )


def job_correct(*, job_id: int) -> str:
    """Tell Canvas about overrides made after publishing: 'posted', 'adopted', 'none'
    (nothing changed or nothing published yet). Raises CorrectionBusy to retry later."""
    job = (
        SubmissionJob.objects.select_related("course__installation", "assignment", "run")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.run is None or job.run.status != VerificationRun.Status.DONE:
        return "none"
    if job.state == State.DONE:
        corrections_publish_with_extensions(job)
    posting = CommentPosting.objects.filter(job=job, state=CommentPosting.State.POSTED).first()
    if posting is None:
        return "none"  # not posted yet: the comment, when it goes, carries the overrides
    correction = _claim(job, posting)
    if correction is None:
        return "none"
    return _put_once(job, correction)


def _claim(job: SubmissionJob, posting: CommentPosting) -> CommentCorrection | None:
    now = timezone.now()
    expires = now + timedelta(seconds=CORRECTION_CLAIM_S)
    last = CommentCorrection.objects.filter(job=job).order_by("-revision").first()
    if last is not None and last.state == CommentCorrection.State.CLAIMED:
        taken = CommentCorrection.objects.filter(
            pk=last.pk, state=CommentCorrection.State.CLAIMED, claim_expires_at__lt=now
        ).update(claim_expires_at=expires)
        if not taken:
            raise CorrectionBusy()
        last.refresh_from_db()
        return last  # a crashed try's claim: finish it (it may already be on Canvas)
    report = report_effective(job.run)  # type: ignore[arg-type]
    told = last.verdicts if last is not None else posting.verdicts
    if not told:
        # A comment posted before verdicts were recorded said what the model said.
        told = {str(c.number): c.label for c in report.claims}
    if report.verdicts == told:
        return None
    revision = (last.revision if last is not None else 0) + 1
    marker = correction_marker_line(posting.marker, revision)
    from canvas_pipeline.services.posting import report_url_for

    text = correction_render(
        report, previous=told, report_url=report_url_for(job), marker_line=marker
    )
    try:
        with transaction.atomic():
            return CommentCorrection.objects.create(
                job=job,
                revision=revision,
                claim_expires_at=expires,
                text=text,
                marker=marker,
                verdicts=report.verdicts,
            )
    except IntegrityError as exc:
        raise CorrectionBusy() from exc  # another worker claimed revision n a moment ago


def _put_once(job: SubmissionJob, correction: CommentCorrection) -> str:
    ids = {
        "course_id": job.course.canvas_course_id,
        "assignment_id": job.assignment.canvas_assignment_id,
        "user_id": job.canvas_user_id,
    }

    def put(client) -> tuple[int | None, bool]:  # type: ignore[no-untyped-def]
        existing = _find(client.submission_get(**ids), correction.marker)
        if existing is not None:
            return existing, True
        answer = client.comment_post(**ids, attempt=job.attempt, text=correction.text)
        return _find(answer, correction.marker), False

    try:
        comment_id, found = with_client(job.course, put)
    except CanvasTransientError:
        CommentCorrection.objects.filter(pk=correction.pk).update(claim_expires_at=timezone.now())
        raise
    except CanvasError as exc:
        # Left claimed and lapsed: the next override's step tries this correction again.
        CommentCorrection.objects.filter(pk=correction.pk).update(claim_expires_at=timezone.now())
        logger.warning("canvas.correction.failed", job_id=job.pk, error=exc.message)
        return "failed"
    CommentCorrection.objects.filter(pk=correction.pk).update(
        state=CommentCorrection.State.POSTED,
        canvas_comment_id=comment_id,
        found_existing=found,
        posted_at=timezone.now(),
    )
    logger.info(
        "canvas.correction.posted", job_id=job.pk, revision=correction.revision, adopted=found
    )
    # Overrides saved while this one was on its way get the next correction.
    if report_effective(job.run).verdicts != correction.verdicts:  # type: ignore[arg-type]
        from canvas_pipeline.services.jobs import job_enqueue

        job_enqueue(job.pk, step="correct")
    return "adopted" if found else "posted"


def _find(submission: dict[str, Any], marker: str) -> int | None:
    for comment in submission.get("submission_comments") or []:
        text = comment.get("comment") or ""
        if CORRECTION_MARKER in text and marker in text:
            return int(comment["id"]) if comment.get("id") else 0
    return None


def job_correct_enqueue_for_run(*, run_id: int) -> None:
    """After an override: send the correction step for the run's published job."""
    from canvas_pipeline.services.jobs import job_enqueue

    for job_id in SubmissionJob.objects.filter(
        run_id=run_id, state__in=(State.DONE, State.POSTING)
    ).values_list("id", flat=True):
        job_enqueue(job_id, step="correct")
