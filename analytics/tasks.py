"""Analytics tasks: low priority (`analytics` queue), ids in, one service call.

Counting a finished report's verdicts here keeps that work off the submission path;
the dashboards still count anything not yet counted when they are opened, so a lost
or late message costs a slower page, never a wrong number."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="analytics.run_counts_sync",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=5,
)
def run_counts_sync(course_id: int) -> int:
    from analytics import services
    from canvas_pipeline.models import CanvasCourse

    return services.run_counts_sync(course=CanvasCourse.objects.filter(pk=course_id).first())
