"""Celery tasks: a job id in, one service call, retries owned here (STYLE.md §4).

Routes (smartnotes/celery.py): job_verify on `gpu`, the rest on `submissions`.
Failures are recorded at the task boundary: an exception that is not retried, or
that outlived its retries, fails the job (and a verify step's run) with the reason
through the tasks' `on_failure` hook, so the instructor sees it and can retry.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from canvas_pipeline.canvas import CanvasTransientError, backoff_s

_DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
}
MAX_CANVAS_RETRIES = 8
# An unexpected error is tried again this many times (3 attempts in all, like the
# fetch and verification caps), this long apart, before its failure is recorded.
MAX_UNEXPECTED_RETRIES = 2
UNEXPECTED_RETRY_S = 5


def _retry_or_fail(task, job_id: int, exc: CanvasTransientError) -> None:  # type: ignore[no-untyped-def]
    """Retry a throttled/unavailable Canvas call with backoff and jitter; give up with a reason."""
    from canvas_pipeline.services.state import job_fail

    retries = task.request.retries
    if retries >= MAX_CANVAS_RETRIES:
        job_fail(
            job_id=job_id,
            code=exc.code,
            message=f"{exc.message}; gave up after {retries + 1} tries (press Retry on the "
            "Smart Notes course page later, or run jobs_retry)",
        )
        return
    countdown = max(exc.retry_after_s or 0.0, backoff_s(retries))
    raise task.retry(countdown=countdown, exc=exc, max_retries=MAX_CANVAS_RETRIES)


def _job_failed(step: str):  # type: ignore[no-untyped-def]
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        from canvas_pipeline.services.state import job_fail_unexpected

        job_id = args[0] if args else kwargs.get("job_id")
        if job_id is not None:
            job_fail_unexpected(job_id=job_id, step=step, exc=exc)

    return on_failure


# A fetch downloads and reads at most a few files, each bounded by the input
# limits; the soft limit ends the task (the job is FAILED with the reason) well
# before the hard one ends the worker process.
FETCH_SOFT_TIME_LIMIT_S = 240
FETCH_TIME_LIMIT_S = 300


@shared_task(
    name="canvas_pipeline.job_process",
    bind=True,
    max_retries=MAX_CANVAS_RETRIES,
    on_failure=_job_failed("process"),
    soft_time_limit=FETCH_SOFT_TIME_LIMIT_S,
    time_limit=FETCH_TIME_LIMIT_S,
    **_DB_RETRY,
)
def job_process(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    from canvas_pipeline.services import jobs
    from canvas_pipeline.services.state import job_attempts_left

    try:
        jobs.job_process(job_id=job_id)
    except CanvasTransientError as exc:
        _retry_or_fail(self, job_id, exc)
    except (OperationalError, InterfaceError):
        raise  # autoretry, with backoff
    except Exception as exc:
        # Unexpected: the job was given back; try again while it has attempts left.
        if job_attempts_left(job_id=job_id):
            raise self.retry(exc=exc, countdown=UNEXPECTED_RETRY_S) from exc
        raise


@shared_task(
    name="canvas_pipeline.job_verify",
    bind=True,
    max_retries=20,
    on_failure=_job_failed("verify"),
    **_DB_RETRY,
)
def job_verify(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    from canvas_pipeline.models import SubmissionJob
    from canvas_pipeline.services import jobs
    from verification.services import run_attempts_left, run_lease_remaining_s

    try:
        outcome = jobs.job_verify(job_id=job_id)
    except (OperationalError, InterfaceError):
        raise  # autoretry, with backoff
    except Exception as exc:
        # Unexpected: the run was given back; try again while it has attempts left.
        run_id = SubmissionJob.objects.values_list("run_id", flat=True).get(pk=job_id)
        if run_id is not None and run_attempts_left(run_id=run_id):
            raise self.retry(exc=exc, countdown=UNEXPECTED_RETRY_S) from exc
        raise
    if outcome != "busy":
        return
    # Another worker holds the run's live lease: look again once it could have lapsed.
    run_id = SubmissionJob.objects.values_list("run_id", flat=True).get(pk=job_id)
    remaining_s = run_lease_remaining_s(run_id=run_id) if run_id else None
    raise self.retry(countdown=(remaining_s or 0) + 1)


@shared_task(
    name="canvas_pipeline.job_post",
    bind=True,
    max_retries=MAX_CANVAS_RETRIES,
    on_failure=_job_failed("post"),
    **_DB_RETRY,
)
def job_post(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    from canvas_pipeline.services import posting

    try:
        posting.job_post(job_id=job_id)
    except CanvasTransientError as exc:
        _retry_or_fail(self, job_id, exc)
    except (OperationalError, InterfaceError):
        raise  # autoretry, with backoff
    except Exception as exc:
        if self.request.retries < MAX_UNEXPECTED_RETRIES:
            raise self.retry(exc=exc, countdown=UNEXPECTED_RETRY_S) from exc
        raise


@shared_task(
    name="canvas_pipeline.job_correct",
    bind=True,
    max_retries=MAX_CANVAS_RETRIES,
    **_DB_RETRY,
)
def job_correct(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    from canvas_pipeline.services import corrections

    try:
        corrections.job_correct(job_id=job_id)
    except CanvasTransientError as exc:
        if self.request.retries >= MAX_CANVAS_RETRIES:
            raise  # recorded by the worker's log and Sentry; the job itself stays DONE
        countdown = max(exc.retry_after_s or 0.0, backoff_s(self.request.retries))
        raise self.retry(countdown=countdown, exc=exc) from exc


@shared_task(name="canvas_pipeline.jobs_requeue_stale")
def jobs_requeue_stale() -> int:
    from canvas_pipeline.services import maintenance

    return maintenance.jobs_requeue_stale()


@shared_task(name="canvas_pipeline.reconcile")
def reconcile() -> int:
    from canvas_pipeline.services import maintenance

    return maintenance.reconcile()


@shared_task(name="canvas_pipeline.events_prune")
def events_prune() -> int:
    from canvas_pipeline.services import maintenance

    return maintenance.events_prune()
