"""Celery tasks: ids in, one service call, retries owned here (STYLE.md §4)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="verification.run_execute",
    bind=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def run_execute(self, run_id: int) -> None:  # type: ignore[no-untyped-def]
    from verification import services

    if services.run_execute(run_id=run_id):
        return
    # Another worker holds a live lease: look again once it could have lapsed,
    # so a run whose worker was killed is finished without waiting for the sweeper.
    remaining_s = services.run_lease_remaining_s(run_id=run_id)
    if remaining_s is not None:
        raise self.retry(countdown=remaining_s + 1, max_retries=20)


@shared_task(name="verification.runs_requeue_stale")
def runs_requeue_stale() -> int:
    from verification import services

    return services.runs_requeue_stale()
