"""A job's state changes: every step claims, moves and fails jobs through these.

Public so other apps (asset_processor) move jobs the same way; a step's claim is one
conditional UPDATE (state, lease), so a redelivered or duplicated message finds
nothing to do (STYLE.md §4).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from django.db.models import Q
from django.utils import timezone

from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services.extensions import failure_notify
from smartnotes.errors import attempts_exhausted_message, unexpected_error_message

logger = structlog.get_logger(__name__)

State = SubmissionJob.State
JOB_LEASE_S = 120
# Deliveries of the fetch step that may claim one job; past it, a job whose worker
# keeps dying is FAILED with the reason instead of being sent again.
MAX_JOB_ATTEMPTS = 3
# The posting step's cap: Canvas retries (MAX_CANVAS_RETRIES, backoff up to 5 min) end
# well within it, so a job still posting after this long is stuck, not waiting.
POSTING_MAX_S = 2 * 3600
UNFINISHED_STATES = (
    State.RECEIVED,
    State.FETCHING,
    State.QUEUED,
    State.VERIFYING,
    State.POSTING,
)


def job_state_set(
    job_id: int, state: str, *, from_states: tuple[str, ...] | None = None, **fields: Any
) -> bool:
    """Move the job to `state` (only from `from_states` when given); True when it moved."""
    now = timezone.now()
    query = SubmissionJob.objects.filter(pk=job_id)
    if from_states is not None:
        query = query.filter(state__in=from_states)
    return query.update(state=state, state_changed_at=now, **fields) == 1


def job_claim(
    job_id: int, *, from_state: str, to_state: str, max_attempts: int | None = None, **fields: Any
) -> datetime | None:
    """Take the job: in `from_state`, or in `to_state` with a lapsed lease (a dead worker)
    and, with `max_attempts`, attempts left.

    Returns the lease's expiry, which doubles as a fencing token: the holder's
    final update matches it, so a holder whose lease was taken over writes nothing."""
    now = timezone.now()
    lease = now + timedelta(seconds=JOB_LEASE_S)
    fresh = Q(state=from_state)
    lapsed = Q(state=to_state, lease_expires_at__lt=now)
    if max_attempts is not None:
        fresh &= Q(attempts__lt=max_attempts)
        lapsed &= Q(attempts__lt=max_attempts)
    taken = SubmissionJob.objects.filter(fresh | lapsed, pk=job_id).update(
        state=to_state, state_changed_at=now, lease_expires_at=lease, **fields
    )
    return lease if taken == 1 else None


def job_fail(
    *, job_id: int, code: str, message: str, from_states: tuple[str, ...] | None = None
) -> bool:
    """Mark the job FAILED with the reason the instructor sees; listeners hear of it."""
    failed = job_state_set(
        job_id,
        State.FAILED,
        from_states=from_states,
        error_code=code[:64],
        error_message=message,
        finished_at=timezone.now(),
        lease_expires_at=None,
    )
    if not failed:
        return False
    logger.warning("canvas.job.failed", job_id=job_id, error_code=code, error=message)
    failure_notify(job_id=job_id, code=code, message=message)
    return True


def job_fail_unexpected(*, job_id: int, step: str, exc: BaseException) -> bool:
    """The task boundary's failure path for a job step an exception stopped: its run
    (verify step) and the job are FAILED with the reason, a posting claim is given back."""
    from canvas_pipeline.models import CommentPosting
    from verification.services import run_fail_unexpected

    job = SubmissionJob.objects.filter(pk=job_id).only("run_id").first()
    if job is None:
        return False
    if step == "verify" and job.run_id is not None:
        run_fail_unexpected(run_id=job.run_id, exc=exc)
    if step == "post":
        CommentPosting.objects.filter(job_id=job_id, state=CommentPosting.State.CLAIMED).update(
            claim_expires_at=timezone.now()
        )
    logger.error("canvas.job.crashed", job_id=job_id, step=step, error=repr(exc)[:500])
    # verify_*: the code the Asset Processor's failure listener reports to the platform.
    code = "verify_internal_error" if step == "verify" else "internal_error"
    return job_fail(
        job_id=job_id,
        code=code,
        message=unexpected_error_message(exc),
        from_states=UNFINISHED_STATES,
    )


def jobs_fail_exhausted(*, job_ids: list[int] | None = None) -> int:
    """Fail jobs whose fetch has no attempts left: FETCHING with a lapsed lease (the
    worker died each time) or RECEIVED again after errors (the sweeper stops sending
    them); the number failed."""
    query = SubmissionJob.objects.filter(
        Q(state=State.FETCHING, lease_expires_at__lt=timezone.now()) | Q(state=State.RECEIVED),
        attempts__gte=MAX_JOB_ATTEMPTS,
    )
    if job_ids is not None:
        query = query.filter(pk__in=job_ids)
    ids = list(query.values_list("id", flat=True)[:500])
    failed = 0
    for job_id in ids:
        failed += job_fail(
            job_id=job_id,
            code="attempts_exhausted",
            message=attempts_exhausted_message(MAX_JOB_ATTEMPTS),
            from_states=(State.FETCHING, State.RECEIVED),
        )
    return failed


def job_attempts_left(*, job_id: int) -> int:
    """Fetch attempts a job given back after an error has left (0: fail it)."""
    attempts = (
        SubmissionJob.objects.filter(pk=job_id, state=State.RECEIVED)
        .values_list("attempts", flat=True)
        .first()
    )
    return 0 if attempts is None else max(0, MAX_JOB_ATTEMPTS - attempts)


def jobs_fail_stuck_posting() -> int:
    """Fail POSTING jobs older than POSTING_MAX_S whose comment claim is not live (the
    sweeper stops sending them); the number failed."""
    now = timezone.now()
    ids = list(
        SubmissionJob.objects.filter(
            state=State.POSTING, posting_started_at__lt=now - timedelta(seconds=POSTING_MAX_S)
        )
        .exclude(posting__claim_expires_at__gt=now)
        .values_list("id", flat=True)[:500]
    )
    failed = 0
    for job_id in ids:
        failed += job_fail(
            job_id=job_id,
            code="posting_stuck",
            message=(
                f"Smart Notes could not post the comment to Canvas within {POSTING_MAX_S // 3600} "
                "hours (the posting step kept stopping). Retry it; if it fails again, send this "
                "message to your Smart Notes administrator."
            ),
            from_states=(State.POSTING,),
        )
    return failed
