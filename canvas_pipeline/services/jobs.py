"""The job of one submission attempt: fetch -> verify -> post one comment.

Every step claims its job with one conditional UPDATE (state, lease) before it
works, so a redelivered or duplicated message finds nothing to do. Transient
Canvas errors give the claim back and raise for the task to retry; permanent
ones mark the job FAILED with the reason the instructor sees.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from canvas_pipeline.canvas import CanvasError, CanvasPermanentError, CanvasTransientError
from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services.access import with_client
from canvas_pipeline.services.extensions import attempt_text_from_extensions
from canvas_pipeline.services.state import (
    JOB_LEASE_S,
    MAX_JOB_ATTEMPTS,
    job_claim,
    job_fail,
    job_state_set,
    jobs_fail_exhausted,
)
from smartnotes.errors import ApplicationError
from verification.models import VerificationRun

logger = structlog.get_logger(__name__)

# A RECEIVED job whose message never arrived is re-sent after this long.
STALE_RECEIVED_S = 60
ATTACHMENT_EXTENSIONS = (
    ".pdf", ".docx", ".xlsx", ".rtf", ".txt", ".md", ".markdown", ".html", ".htm", ".csv",
)  # fmt: skip
ATTACHMENT_TYPES = "PDF, DOCX, XLSX, RTF, HTML, Markdown, CSV and text"
State = SubmissionJob.State


# After a failed publish, skip publishing for this long: during a broker outage each
# request would otherwise wait for its own connection attempt (up to the connect timeout).
BROKER_BACKOFF_S = 5.0
_broker_down_until = 0.0


def job_enqueue(job_id: int, *, step: str) -> None:
    """Send the job's next step once the current transaction commits.

    A broker outage must not fail the request or the step that wrote the row:
    the row is already saved and jobs_requeue_stale sends it again."""
    from canvas_pipeline import tasks

    task = {
        "process": tasks.job_process,
        "verify": tasks.job_verify,
        "post": tasks.job_post,
        "correct": tasks.job_correct,
    }[step]

    def send() -> None:
        global _broker_down_until
        if time.monotonic() < _broker_down_until:
            logger.warning("canvas.job.enqueue_skipped", job_id=job_id, step=step)
            return
        try:
            task.apply_async((job_id,), retry=False)
        except (KombuOperationalError, OSError) as exc:
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_S
            logger.warning("canvas.job.enqueue_failed", job_id=job_id, step=step, error=str(exc))

    transaction.on_commit(send, robust=True)


def job_lti_ids_set(job_id: int, lti_ids: dict[str, str]) -> bool:
    """Give a job without an LTI user id the attempt's LTI key (Asset Processor
    notices find jobs by it). False when another job already holds the key."""
    try:
        with transaction.atomic():
            SubmissionJob.objects.filter(
                pk=job_id,
                lti_user_id="",
                lti_assignment_id__in=("", lti_ids["lti_assignment_id"]),
            ).update(**lti_ids)
    except IntegrityError:
        return False
    return True


class LeaseLost(Exception):
    """Another delivery took the job while this one was fetching."""


class JobLease:
    """A fetch's lease on its job, renewed between downloads and reads, so a long
    fetch keeps the job instead of being redelivered and thrown away."""

    def __init__(self, job_id: int, expires_at: datetime) -> None:
        self.job_id = job_id
        self.expires_at = expires_at

    def renew(self) -> None:
        renewed = timezone.now() + timedelta(seconds=JOB_LEASE_S)
        if not SubmissionJob.objects.filter(
            pk=self.job_id, state=State.FETCHING, lease_expires_at=self.expires_at
        ).update(lease_expires_at=renewed):
            raise LeaseLost(self.job_id)
        self.expires_at = renewed


def job_process(*, job_id: int) -> bool:
    """Fetch the attempt from Canvas, extract its text and create the verification run."""
    lease = job_claim(
        job_id,
        from_state=State.RECEIVED,
        to_state=State.FETCHING,
        max_attempts=MAX_JOB_ATTEMPTS,
        fetch_started_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if lease is None:
        jobs_fail_exhausted(job_ids=[job_id])
        return False
    try:
        return _fetch(job_id, lease)
    except Exception as exc:
        # Give the claim back: the task's retry takes it at once. An unexpected error
        # uses up one of MAX_JOB_ATTEMPTS; a throttled or unavailable Canvas does not
        # (its retries are capped by the task's MAX_CANVAS_RETRIES).
        refund = {"attempts": F("attempts") - 1} if isinstance(exc, CanvasTransientError) else {}
        job_state_set(
            job_id, State.RECEIVED, from_states=(State.FETCHING,), lease_expires_at=None, **refund
        )
        raise


def _fetch(job_id: int, lease: datetime) -> bool:
    from celery.exceptions import SoftTimeLimitExceeded

    job = SubmissionJob.objects.select_related("course__installation", "assignment").get(pk=job_id)
    holder = JobLease(job_id, lease)
    try:
        text, notes = attempt_text_from_extensions(job) or with_client(
            job.course, lambda client: _attempt_text(client, job, holder)
        )
    except LeaseLost:
        return False
    except SoftTimeLimitExceeded:
        job_fail(
            job_id=job_id,
            code="fetch_time_limit",
            message="Reading this attempt took longer than the time limit; its files may be "
            "too large or damaged.",
        )
        return True
    except ApplicationError as exc:
        job_fail(job_id=job_id, code=exc.code, message=exc.message)
        return True
    except CanvasTransientError:
        raise
    except CanvasError as exc:
        job_fail(job_id=job_id, code=exc.code, message=exc.message)
        return True
    corpus = job.course.corpus
    if corpus is None:
        job_fail(
            job_id=job_id,
            code="no_materials",
            message="This course has no materials yet; add them (Smart Notes course page > "
            "Settings > Course materials) and press Retry on the course page.",
        )
        return True
    if not text.strip():
        job_fail(
            job_id=job_id, code="no_text", message=" ".join(notes) or "The attempt holds no text."
        )
        return True
    from verification.services import essay_length_check, run_create

    try:
        essay_length_check(text)
    except ApplicationError as exc:
        job_fail(job_id=job_id, code=exc.code, message=exc.message)
        return True
    with transaction.atomic():
        run = run_create(
            corpus=corpus, text=text, source=VerificationRun.Source.CANVAS, enqueue=False
        )
        moved = SubmissionJob.objects.filter(
            pk=job_id, state=State.FETCHING, lease_expires_at=holder.expires_at
        ).update(
            state=State.QUEUED,
            state_changed_at=timezone.now(),
            run=run,
            notes=notes,
            queued_at=timezone.now(),
            lease_expires_at=None,
        )
        if not moved:
            # Our lease lapsed and another delivery took the job: keep no orphan run.
            transaction.set_rollback(True)
            return False
        job_enqueue(job_id, step="verify")
    logger.info("canvas.job.fetched", job_id=job_id, run_id=run.pk, chars=len(text))
    return True


def _attempt_of(submission: dict[str, Any], attempt: int) -> dict[str, Any]:
    for version in submission.get("submission_history") or []:
        if version.get("attempt") == attempt:
            return dict(version)
    if submission.get("attempt") == attempt:
        return submission
    raise CanvasPermanentError(
        f"Canvas has no attempt {attempt} of this submission", code="attempt_not_found"
    )


def _attempt_text(client, job: SubmissionJob, lease: JobLease) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """The attempt's text and notes about what could not be read.

    Raises ApplicationError when a text entry is past the limits."""
    from verification.services import UploadedMaterial, submission_text_from_upload

    submission = client.submission_get(
        course_id=job.course.canvas_course_id,
        assignment_id=job.assignment.canvas_assignment_id,
        user_id=job.canvas_user_id,
    )
    version = _attempt_of(submission, job.attempt)
    kind = version.get("submission_type") or job.submission_type
    lease.renew()
    if kind == "online_text_entry":
        body = version.get("body") or ""
        if not body.strip():
            return "", []
        # The same reader, limits and messages as an uploaded .html file.
        return submission_text_from_upload(
            UploadedMaterial("The text entry", body.encode(), "text/html")
        ), []
    if kind == "online_upload":
        return _attachments_text(client, version.get("attachments") or [], lease)
    raise CanvasPermanentError(
        f"Submissions of type {kind} are not checked.", code="unsupported_submission_type"
    )


def _attachments_text(
    client, attachments: list[dict[str, Any]], lease: JobLease
) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    from verification.engine import MaterialFile, MaterialReadError, document_text
    from verification.limits import input_limits

    limit = settings.CANVAS_ATTACHMENT_MAX_BYTES
    limits = input_limits()
    texts: list[str] = []
    notes: list[str] = []
    for attachment in attachments[: limits.files_max]:
        name = str(attachment.get("display_name") or attachment.get("filename") or "file")
        if not name.lower().endswith(ATTACHMENT_EXTENSIONS):
            notes.append(f"{name} was not checked: only {ATTACHMENT_TYPES} files are read.")
            continue
        if int(attachment.get("size") or 0) > limit:
            notes.append(f"{name} was not checked: it is larger than {limit // 1024 // 1024} MB.")
            continue
        try:
            data = client.file_download(str(attachment["url"]), max_bytes=limit)
        except CanvasPermanentError as exc:
            notes.append(f"{name} could not be downloaded: {exc.message}.")
            continue
        lease.renew()
        material = MaterialFile(name=name, data=data, content_type=attachment.get("content-type"))
        try:
            texts.append(document_text(material, limits))
        except MaterialReadError as exc:
            notes.append(f"{name} could not be read: {exc.message}.")
            continue
        finally:
            lease.renew()
    if len(attachments) > limits.files_max:
        notes.append(
            f"Only the first {limits.files_max} files were checked (the limit per attempt)."
        )
    return "\n\n".join(t for t in texts if t.strip()), notes


def job_verify(*, job_id: int) -> str:
    """Run the job's verification here (gpu queue); 'done', 'busy' or 'skip'.

    'busy' means another worker holds the run's live lease: retry later."""
    from verification.services import run_execute

    job = SubmissionJob.objects.filter(pk=job_id).only("state", "run_id", "course_id").first()
    if job is None or job.run_id is None or job.state not in (State.QUEUED, State.VERIFYING):
        return "skip"
    job_state_set(
        job_id,
        State.VERIFYING,
        from_states=(State.QUEUED,),
        verify_started_at=timezone.now(),
    )
    run_execute(run_id=job.run_id)
    run = VerificationRun.objects.only("status", "error_code", "error_message").get(pk=job.run_id)
    if run.status == VerificationRun.Status.FAILED:
        job_fail(job_id=job_id, code=f"verify_{run.error_code}"[:64], message=run.error_message)
        return "done"
    if run.status != VerificationRun.Status.DONE:
        return "busy"
    with transaction.atomic():
        if job_state_set(
            job_id, State.POSTING, from_states=(State.VERIFYING,), posting_started_at=timezone.now()
        ):
            job_enqueue(job_id, step="post")
            _counts_enqueue(course_id=job.course_id)
    return "done"


def _counts_enqueue(*, course_id: int | None) -> None:
    """Count the finished report's verdicts on the low-priority analytics queue."""
    from analytics.tasks import run_counts_sync as run_counts_sync_task

    if course_id is None:
        return

    def send() -> None:
        try:
            run_counts_sync_task.delay(course_id)
        except KombuOperationalError:
            # The dashboards count on their next view; the comment must not wait.
            logger.warning("canvas_pipeline.counts_enqueue_failed", course_id=course_id)

    transaction.on_commit(send)
