"""Thin tasks: a job id in, one service call (STYLE.md §4). The job's fetch, verify
and post steps are canvas_pipeline's tasks."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from canvas_pipeline.canvas import CanvasTransientError

_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError, CanvasTransientError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="asset_processor.reports_processing", **_RETRY)
def reports_processing(job_id: int) -> None:
    from asset_processor.publishing import reports_processing_post

    reports_processing_post(job_id=job_id)


@shared_task(name="asset_processor.reports_publish", **_RETRY)
def reports_publish(job_id: int) -> None:
    from asset_processor.publishing import reports_final_post

    reports_final_post(job_id=job_id)
