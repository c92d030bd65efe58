"""Live Events intake: verify, map to an installation, ignore what is irrelevant,
persist what matters with an idempotency key, enqueue on commit. Runs inside the
HTTP request, so it does a handful of indexed queries and nothing else.

Canvas Live Events over HTTPS: the body is a compact RS256 JWT when "Sign
Payload" is on (kid in the Live Events JWKS), plain JSON otherwise. Verification
(signature, tenant) is event_verify's, persistence (job, event row) event_persist's;
this module decides what is relevant and ties the two together.
https://canvas.instructure.com/doc/api/file.data_service_introduction.html
https://canvas.instructure.com/doc/api/file.data_service_canvas_submission.html
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from canvas_pipeline.services.event_persist import (
    CHECKED_TYPES,
    event_persist,
    job_get_or_create,
    target_cache_clear,
)
from canvas_pipeline.services.event_result import IntakeResult, intake_result
from canvas_pipeline.services.event_verify import (
    EventRejected,
    event_decode,
    event_time,
)
from canvas_pipeline.services.event_verify import (
    installation_cache_clear as _installation_cache_clear,
)
from smartnotes.jwks import jwks_cache_clear, jwks_key_get

# Re-exported: callers and tests reach these through intake.
__all__ = [
    "CHECKED_TYPES",
    "IntakeResult",
    "event_intake",
    "installation_cache_clear",
    "job_get_or_create",
    "jwks_cache_clear",
    "jwks_key_get",
]

SUBMISSION_EVENTS = frozenset({"submission_created", "submission_updated"})
SUBMITTED_STATES = frozenset({"submitted", "pending_review", "graded"})
EVENT_FUTURE_SKEW_S = 300


def installation_cache_clear() -> None:
    """Forget cached tenants and course settings (tests; after bulk changes)."""
    _installation_cache_clear()
    target_cache_clear()


def event_intake(*, body: bytes, secret_token: str | None = None) -> IntakeResult:
    """Verify and persist one Live Event; enqueue its job when it creates one."""
    if len(body) > settings.CANVAS_EVENT_MAX_BYTES:
        return intake_result("rejected", "too_large", 413)
    try:
        payload, installation, is_signed = event_decode(body, secret_token)
    except EventRejected as exc:
        return intake_result("rejected", exc.reason, exc.http_status)
    if installation is None:
        return intake_result("ignored", "unknown_tenant", 202)
    metadata = payload["metadata"]
    data = payload.get("body") if isinstance(payload.get("body"), dict) else {}
    reason = _irrelevance(metadata, data)
    if reason:
        return intake_result("ignored", reason, 202)
    try:
        return event_persist(installation, payload, metadata, data, is_signed=is_signed)
    except ValueError:
        return intake_result("rejected", "bad_ids", 400)


def _irrelevance(metadata: dict[str, Any], data: dict[str, Any]) -> str:
    """Why an event is ignored, or "" when it matters. No queries."""
    if metadata.get("event_name") not in SUBMISSION_EVENTS:
        return "event_name"
    if metadata.get("context_type") != "Course" or not metadata.get("context_id"):
        return "not_a_course"
    if data.get("workflow_state") not in SUBMITTED_STATES or not data.get("submitted_at"):
        return "not_submitted"
    if not data.get("submission_id") or not data.get("assignment_id") or not data.get("user_id"):
        return "missing_ids"
    if not str(data.get("attempt") or "").isdigit():
        return "no_attempt"
    sent_at = event_time(metadata)
    now = timezone.now()
    if sent_at is None:
        return "no_event_time"
    if sent_at < now - timedelta(seconds=settings.CANVAS_EVENT_MAX_AGE_S):
        return "expired"
    if sent_at > now + timedelta(seconds=EVENT_FUTURE_SKEW_S):
        return "from_the_future"
    return ""
