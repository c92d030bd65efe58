"""Celery tasks for the LTI side: ids in, one service call."""

import requests
from celery import shared_task


@shared_task(
    name="lti_tool.roster_sync",
    autoretry_for=(requests.ConnectionError, requests.Timeout),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def roster_sync(context_id: int) -> int:
    """Mirror a course roster from NRPS; safe to run twice (upserts)."""
    from lti_tool.advantage import roster_sync as roster_sync_service
    from lti_tool.models import LtiContext

    context = LtiContext.objects.select_related("platform").filter(pk=context_id).first()
    if context is None or not context.nrps_url:
        return 0
    return roster_sync_service(context=context)
