"""One comment per attempt, exactly once.

1. The CommentPosting row is the claim, written before the Canvas PUT; unique
   constraints (job; installation+submission+attempt) allow one per attempt.
2. A claim has a lease; a worker that dies mid-PUT leaves it to lapse.
3. Whoever takes a claim first reads the attempt's comments: one carrying our
   REPORT_MARKER means an earlier try did post (and died before recording it),
   so it is adopted instead of posted again.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from canvas_pipeline.canvas import CanvasError, CanvasTransientError
from canvas_pipeline.models import CommentPosting, SubmissionJob
from canvas_pipeline.services.access import with_client
from canvas_pipeline.services.extensions import publish_with_extensions
from canvas_pipeline.services.jobs import job_enqueue
from canvas_pipeline.services.state import job_fail, job_state_set
from smartnotes.errors import ApplicationError
from verification.comment import comment_render
from verification.models import VerificationRun
from verification.reports import report_effective

logger = structlog.get_logger(__name__)

POSTING_CLAIM_S = 60
State = SubmissionJob.State


def report_url_for(job: SubmissionJob) -> str:
    """The comment's "Full report" link: a Canvas launch of this tool (decision 0010).

    Canvas's external_tools/retrieve launches the tool whose URL matches `url` in the
    course, as the person who clicked: the report opens for whoever Canvas says they
    are, with no Smart Notes session and no token in the link."""
    from django.urls import reverse

    target = settings.SMARTNOTES_BASE_URL + reverse("canvas_pipeline:report", args=[job.public_id])
    canvas = job.course.installation.api_url.rstrip("/")
    query = urlencode({"url": target})
    return f"{canvas}/courses/{job.course.canvas_course_id}/external_tools/retrieve?{query}"


def comment_text(job: SubmissionJob) -> tuple[str, str, dict[str, str]]:
    """(comment, marker id, verdicts told) for the job's finished run: the effective
    report (instructor overrides applied), honouring the course's minimum confidence."""
    from verification.engine.report_text import REPORT_MARKER, report_marker_id
    from verification.engine.types import Report

    run = VerificationRun.objects.get(pk=job.run_id)
    marker = report_marker_id(Report.from_dict(run.report))
    report = report_effective(run, extra_notes=[str(n) for n in job.notes or []])
    text = comment_render(
        report,
        report_url=report_url_for(job),
        marker_line=f"{REPORT_MARKER}{marker}]",
        min_confidence=job.course.min_confidence,
    )
    return text, marker, report.verdicts


def job_post(*, job_id: int) -> bool:
    """Post the job's comment, or hold it when the course wants instructor review."""
    job = SubmissionJob.objects.select_related("course").filter(pk=job_id).first()
    if job is None or job.state != State.POSTING:
        return False
    if publish_with_extensions(job):
        return True
    approved = CommentPosting.objects.filter(job_id=job_id).exists()
    if (job.course.hold_for_review or not job.course.auto_post) and not approved:
        job_state_set(job_id, State.HELD, from_states=(State.POSTING,), lease_expires_at=None)
        logger.info("canvas.job.held", job_id=job_id)
        return True
    return comment_post(job_id=job_id)


def _claim_posting(
    job: SubmissionJob, text: str, marker: str, verdicts: dict[str, str]
) -> CommentPosting | None:
    now = timezone.now()
    expires = now + timedelta(seconds=POSTING_CLAIM_S)
    posting = CommentPosting.objects.filter(job_id=job.pk).first()
    if posting is None:
        try:
            with transaction.atomic():
                return CommentPosting.objects.create(
                    job=job,
                    installation_id=job.installation_id,
                    canvas_submission_id=job.canvas_submission_id,
                    attempt=job.attempt,
                    claim_expires_at=expires,
                    text=text,
                    marker=marker,
                    verdicts=verdicts,
                )
        except IntegrityError:
            return None  # claimed a moment ago by another worker
    if posting.state == CommentPosting.State.POSTED:
        return posting
    taken = CommentPosting.objects.filter(
        pk=posting.pk, state=CommentPosting.State.CLAIMED, claim_expires_at__lt=now
    ).update(claim_expires_at=expires, text=text, marker=marker, verdicts=verdicts)
    if not taken:
        return None
    posting.refresh_from_db()
    return posting


def comment_post(*, job_id: int) -> bool:
    """Claim, check Canvas for an earlier copy, PUT, record. False when another worker has it."""
    job = SubmissionJob.objects.select_related("course__installation", "assignment").get(pk=job_id)
    text, marker, verdicts = comment_text(job)
    posting = _claim_posting(job, text, marker, verdicts)
    if posting is None:
        return False
    if posting.state != CommentPosting.State.POSTED:
        try:
            comment_id, found = with_client(job.course, lambda c: _put_once(c, job, posting.text))
        except CanvasTransientError:
            # Give the claim back: the retry re-reads the comments, so a PUT that did
            # land before a timeout is adopted, not repeated.
            CommentPosting.objects.filter(pk=posting.pk).update(claim_expires_at=timezone.now())
            raise
        except CanvasError as exc:
            CommentPosting.objects.filter(pk=posting.pk).update(claim_expires_at=timezone.now())
            job_fail(job_id=job_id, code=exc.code, message=exc.message)
            return True
        except Exception:
            # Unexpected: give the claim back for the task's retry (which adopts a
            # comment that did land, by its marker).
            CommentPosting.objects.filter(pk=posting.pk).update(claim_expires_at=timezone.now())
            raise
        CommentPosting.objects.filter(pk=posting.pk).update(
            state=CommentPosting.State.POSTED,
            canvas_comment_id=comment_id,
            found_existing=found,
            posted_at=timezone.now(),
        )
    job_state_set(
        job_id,
        State.DONE,
        from_states=(State.POSTING,),
        finished_at=timezone.now(),
        lease_expires_at=None,
        error_code="",
        error_message="",
    )
    logger.info("canvas.comment.posted", job_id=job_id, submission_id=job.canvas_submission_id)
    # An override saved while the comment was on its way: the correction step tells it.
    if comment_text(job)[2] != CommentPosting.objects.get(pk=posting.pk).verdicts:
        job_enqueue(job_id, step="correct")
    return True


def _our_comment(submission: dict, attempt: int) -> int | None:
    from verification.engine import find_marker

    for comment in submission.get("submission_comments") or []:
        if comment.get("attempt") in (None, attempt) and find_marker(comment.get("comment") or ""):
            return int(comment["id"]) if comment.get("id") else 0
    return None


def _put_once(client, job: SubmissionJob, text: str) -> tuple[int | None, bool]:  # type: ignore[no-untyped-def]
    ids = {
        "course_id": job.course.canvas_course_id,
        "assignment_id": job.assignment.canvas_assignment_id,
        "user_id": job.canvas_user_id,
    }
    existing = _our_comment(client.submission_get(**ids), job.attempt)
    if existing is not None:
        logger.warning("canvas.comment.already_there", job_id=job.pk, comment_id=existing)
        return existing, True
    answer = client.comment_post(**ids, attempt=job.attempt, text=text)
    return _our_comment(answer, job.attempt), False


def job_approve(*, job_id: int, user) -> SubmissionJob:  # type: ignore[no-untyped-def]
    """Post a held comment (the instructor approved it). `user` is an lti_tool LtiUser."""
    job = SubmissionJob.objects.select_related("course").get(pk=job_id)
    if job.state != State.HELD:
        raise ApplicationError("Only comments held for review can be approved.", code="not_held")
    text, marker, verdicts = comment_text(job)
    with transaction.atomic():
        try:
            with transaction.atomic():
                CommentPosting.objects.create(
                    job=job,
                    installation_id=job.installation_id,
                    canvas_submission_id=job.canvas_submission_id,
                    attempt=job.attempt,
                    claim_expires_at=timezone.now(),  # free for the posting task to take
                    text=text,
                    marker=marker,
                    verdicts=verdicts,
                    approved_by=user,
                )
        except IntegrityError:
            CommentPosting.objects.filter(job=job).update(approved_by=user)
        if job_state_set(
            job_id, State.POSTING, from_states=(State.HELD,), posting_started_at=timezone.now()
        ):
            job_enqueue(job_id, step="post")
    logger.info("canvas.job.approved", job_id=job_id, user_id=getattr(user, "pk", None))
    job.refresh_from_db()
    return job


def job_retry(*, job_id: int) -> SubmissionJob:
    """Start a FAILED job again: from posting when its run is done, else from the fetch."""
    job = SubmissionJob.objects.select_related("run").get(pk=job_id)
    if job.state != State.FAILED:
        raise ApplicationError("Only failed jobs can be retried.", code="not_failed")
    reset = {
        "error_code": "",
        "error_message": "",
        "finished_at": None,
        "lease_expires_at": None,
        "attempts": 0,  # an instructor's retry starts a fresh set of attempts
    }
    with transaction.atomic():
        if job.run is not None and job.run.status == VerificationRun.Status.DONE:
            job_state_set(
                job_id,
                State.POSTING,
                from_states=(State.FAILED,),
                posting_started_at=timezone.now(),
                **reset,
            )
            job_enqueue(job_id, step="post")
        else:
            job_state_set(job_id, State.RECEIVED, from_states=(State.FAILED,), run=None, **reset)
            job_enqueue(job_id, step="process")
    logger.info("canvas.job.retried", job_id=job_id)
    job.refresh_from_db()
    return job
