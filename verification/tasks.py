"""Celery tasks: ids in, one service call, retries owned here (STYLE.md §4).

Failures are recorded at the task boundary (HackSoft's `on_failure` pattern): an
exception that is not retried, or one that outlived its retries, fails the run
with the reason, so no run is left `running` by an error nobody expected.
"""

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

# Wait before trying a run again after an unexpected error (MAX_RUN_ATTEMPTS in all).
UNEXPECTED_RETRY_S = 5


def run_task_failed(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
    """`on_failure` of every task that executes a run: the run is FAILED with the reason."""
    from verification.services import run_fail_unexpected

    run_id = args[0] if args else kwargs.get("run_id")
    if run_id is not None:
        run_fail_unexpected(run_id=run_id, exc=exc)


# The options of every task that executes a run (this one, drafts.run_execute).
RUN_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
    "on_failure": run_task_failed,
}


def run_execute_attempt(task: Any, run_id: int) -> None:
    """One delivery of a run to `task` (a bound run task): execute it, and own the retries."""
    from verification import services

    try:
        done = services.run_execute(run_id=run_id)
    except (OperationalError, InterfaceError):
        raise  # autoretry_for, with backoff
    except Exception as exc:
        # Unexpected: the run was given back; try again while it has attempts left.
        if services.run_attempts_left(run_id=run_id):
            raise task.retry(exc=exc, countdown=UNEXPECTED_RETRY_S) from exc
        raise
    if done:
        return
    # Another worker holds a live lease: look again once it could have lapsed,
    # so a run whose worker was killed is finished without waiting for the sweeper.
    remaining_s = services.run_lease_remaining_s(run_id=run_id)
    if remaining_s is not None:
        raise task.retry(countdown=remaining_s + 1, max_retries=20)


@shared_task(name="verification.run_execute", **RUN_TASK_OPTIONS)
def run_execute(self: Any, run_id: int) -> None:
    run_execute_attempt(self, run_id)


@shared_task(name="verification.runs_requeue_stale")
def runs_requeue_stale() -> int:
    from verification import services

    return services.runs_requeue_stale()


def _claim_check_failed(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
    from smartnotes.errors import unexpected_error_message
    from verification.claim_check import answer_store

    check_id = args[0] if args else kwargs.get("check_id")
    if check_id is not None:
        # The instructor is waiting: say so at once rather than let the wait time out.
        message = unexpected_error_message(exc).replace("this submission", "this sentence")
        answer_store(check_id=check_id, ok=False, code="claim_check_failed", message=message)


# No retries: someone is waiting, and a check is cheap to ask again.
@shared_task(
    name="verification.claim_check",
    soft_time_limit=30,
    time_limit=60,
    on_failure=_claim_check_failed,
)
def claim_check(check_id: str) -> None:
    from verification import claim_check as service

    service.claim_check_execute(check_id=check_id)
