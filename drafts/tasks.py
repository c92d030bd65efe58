"""Celery tasks of the draft check, named `drafts.*` (routed to the `realtime` queue:
a student waiting on a draft never queues behind a burst of submissions)."""

from typing import Any

from celery import shared_task

from verification.tasks import RUN_TASK_OPTIONS, run_execute_attempt


@shared_task(name="drafts.run_execute", **RUN_TASK_OPTIONS)
def run_execute(self: Any, run_id: int) -> None:
    """A draft's run, through the same run execution (and retry rules) as every run."""
    run_execute_attempt(self, run_id)


@shared_task(name="drafts.prune")
def prune() -> int:
    """Delete drafts past their course's retention (nightly, from beat)."""
    from drafts import services

    return services.drafts_prune()
