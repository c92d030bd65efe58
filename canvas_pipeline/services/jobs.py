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
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from canvas_pipeline.canvas import CanvasError, CanvasPermanentError, CanvasTransientError
from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services.access import with_client
from canvas_pipeline.services.extensions import attempt_text_from_extensions, failure_notify
from verification.models import VerificationRun

logger = structlog.get_logger(__name__)

JOB_LEASE_S = 120
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

    task = {"process": tasks.job_process, "verify": tasks.job_verify, "post": tasks.job_post}[step]

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


def _set_state(
    job_id: int, state: str, *, from_states: tuple[str, ...] | None = None, **fields: Any
) -> bool:
    now = timezone.now()
    query = SubmissionJob.objects.filter(pk=job_id)
    if from_states is not None:
        query = query.filter(state__in=from_states)
    return query.update(state=state, state_changed_at=now, **fields) == 1


def job_fail(*, job_id: int, code: str, message: str) -> None:
    _set_state(
        job_id,
        State.FAILED,
        error_code=code[:64],
        error_message=message,
        finished_at=timezone.now(),
        lease_expires_at=None,
    )
    logger.warning("canvas.job.failed", job_id=job_id, error_code=code, error=message)
    failure_notify(job_id=job_id, code=code, message=message)


def _claim(job_id: int, *, from_state: str, to_state: str, **fields: Any) -> datetime | None:
    """Take the job: in `from_state`, or in `to_state` with a lapsed lease (a dead worker).

    Returns the lease's expiry, which doubles as a fencing token: the holder's
    final update matches it, so a holder whose lease was taken over writes nothing."""
    now = timezone.now()
    lease = now + timedelta(seconds=JOB_LEASE_S)
    taken = SubmissionJob.objects.filter(
        Q(state=from_state) | Q(state=to_state, lease_expires_at__lt=now), pk=job_id
    ).update(state=to_state, state_changed_at=now, lease_expires_at=lease, **fields)
    return lease if taken == 1 else None


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
    from celery.exceptions import SoftTimeLimitExceeded
    from django.db.models import F

    from verification.services import ApplicationError

    lease = _claim(
        job_id,
        from_state=State.RECEIVED,
        to_state=State.FETCHING,
        fetch_started_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if lease is None:
        return False
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
        _set_state(job_id, State.RECEIVED, from_states=(State.FETCHING,), lease_expires_at=None)
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

    job = SubmissionJob.objects.filter(pk=job_id).only("state", "run_id").first()
    if job is None or job.run_id is None or job.state not in (State.QUEUED, State.VERIFYING):
        return "skip"
    _set_state(
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
        if _set_state(
            job_id, State.POSTING, from_states=(State.VERIFYING,), posting_started_at=timezone.now()
        ):
            job_enqueue(job_id, step="post")
    return "done"
