"""Canvas API access: which token a course uses, OAuth2 refresh before expiry,
"reconnect Canvas" on failure, and the per-installation concurrency limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import structlog
from django.db import transaction
from django.utils import timezone

from canvas_pipeline import crypto
from canvas_pipeline.canvas import (
    CanvasAuthError,
    CanvasClient,
    CanvasPermanentError,
    CanvasTransientError,
    oauth_token_request,
)
from canvas_pipeline.models import ApiSlot, CanvasCourse, CanvasInstallation, CanvasToken

logger = structlog.get_logger(__name__)

# Refresh this long before the access token expires (Canvas tokens live 1 hour).
REFRESH_MARGIN_S = 300
API_SLOT_LEASE_S = 120


def token_store(
    *,
    installation: CanvasInstallation,
    lti_user_id: int | None,
    data: dict,
    canvas_user_id: str = "",
) -> CanvasToken:
    """Save (encrypted) the answer of Canvas's token endpoint for one user."""
    expires_in = data.get("expires_in")
    fields = {
        "access_token_encrypted": crypto.encrypt(str(data["access_token"])),
        "expires_at": timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None,
        "state": CanvasToken.State.ACTIVE,
        "last_error": "",
    }
    if data.get("refresh_token"):
        fields["refresh_token_encrypted"] = crypto.encrypt(str(data["refresh_token"]))
    user = data.get("user") or {}
    if canvas_user_id or user.get("id"):
        fields["canvas_user_id"] = str(canvas_user_id or user.get("id"))
    token, _ = CanvasToken.objects.update_or_create(
        installation=installation, lti_user_id=lti_user_id, defaults=fields
    )
    return token


def token_refresh(*, token: CanvasToken) -> CanvasToken:
    """Use the refresh token; on refusal mark the token "needs reconnect" and raise."""
    installation = token.installation
    refresh = crypto.decrypt(token.refresh_token_encrypted)
    if not refresh or not installation.oauth_client_id:
        token_mark_reconnect(token=token, reason="no refresh token or developer key")
        raise CanvasAuthError("Reconnect Canvas: the token expired", code="canvas_reconnect")
    try:
        data = oauth_token_request(
            installation.api_url,
            {
                "grant_type": "refresh_token",
                "client_id": installation.oauth_client_id,
                "client_secret": crypto.decrypt(installation.oauth_client_secret_encrypted),
                "refresh_token": refresh,
            },
        )
    except CanvasAuthError as exc:
        token_mark_reconnect(token=token, reason=exc.message)
        raise CanvasAuthError(
            "Reconnect Canvas: refreshing the token failed", code="canvas_reconnect"
        ) from exc
    logger.info("canvas.token.refreshed", token_id=token.pk)
    return token_store(installation=installation, lti_user_id=token.lti_user_id, data=data)


def token_mark_reconnect(*, token: CanvasToken, reason: str) -> None:
    CanvasToken.objects.filter(pk=token.pk).update(
        state=CanvasToken.State.NEEDS_RECONNECT, last_error=reason[:1000]
    )
    logger.warning("canvas.token.needs_reconnect", token_id=token.pk, reason=reason)


def _token_for(course: CanvasCourse, *, force_refresh: bool = False) -> str:
    token = course.canvas_token
    if token is not None:
        token.refresh_from_db()
        if token.state == CanvasToken.State.NEEDS_RECONNECT:
            raise CanvasAuthError(
                "Reconnect Canvas: the instructor's Canvas connection has lapsed",
                code="canvas_reconnect",
            )
        expiring = token.expires_at is not None and token.expires_at <= timezone.now() + timedelta(
            seconds=REFRESH_MARGIN_S
        )
        if expiring or force_refresh:
            token = token_refresh(token=token)
        return crypto.decrypt(token.access_token_encrypted)
    admin_token = crypto.decrypt(course.installation.api_token_encrypted)
    if admin_token:
        return admin_token
    raise CanvasPermanentError(
        "No Canvas API token: an instructor must connect Canvas, or an admin set one with "
        "canvas_connect --api-token",
        code="no_canvas_token",
    )


def client_for_course(course: CanvasCourse, *, force_refresh: bool = False) -> CanvasClient:
    return CanvasClient(
        course.installation.api_url, _token_for(course, force_refresh=force_refresh)
    )


def with_client(course: CanvasCourse, call):  # type: ignore[no-untyped-def]
    """call(client) with a course's client; a 401 refreshes an OAuth token once."""
    with api_slot(installation_id=course.installation_id):
        try:
            return call(client_for_course(course))
        except CanvasAuthError:
            if course.canvas_token_id is None:
                raise
            return call(client_for_course(course, force_refresh=True))


@contextmanager
def api_slot(*, installation_id: int) -> Iterator[None]:
    """Hold one of the installation's `max_concurrent_requests` API slots.

    Slots are lease rows updated with one conditional UPDATE each, so they work
    across processes and hosts; a crashed holder's lease lapses."""
    installation = CanvasInstallation.objects.only("max_concurrent_requests").get(
        pk=installation_id
    )
    limit = max(1, installation.max_concurrent_requests)
    holder = uuid.uuid4().hex
    now = timezone.now()
    existing = set(
        ApiSlot.objects.filter(installation_id=installation_id).values_list("slot", flat=True)
    )
    missing = [
        ApiSlot(installation_id=installation_id, slot=n) for n in range(limit) if n not in existing
    ]
    if missing:
        ApiSlot.objects.bulk_create(missing, ignore_conflicts=True)
    taken = None
    for slot in range(limit):
        with transaction.atomic():
            updated = (
                ApiSlot.objects.filter(installation_id=installation_id, slot=slot)
                .filter(models_q_free(now))
                .update(holder=holder, expires_at=now + timedelta(seconds=API_SLOT_LEASE_S))
            )
        if updated:
            taken = slot
            break
    if taken is None:
        raise CanvasTransientError(
            f"all {limit} Canvas API slots of this installation are busy",
            code="api_slots_busy",
            retry_after_s=1.0,
        )
    try:
        yield
    finally:
        ApiSlot.objects.filter(installation_id=installation_id, slot=taken, holder=holder).update(
            holder="", expires_at=None
        )


def models_q_free(now):  # type: ignore[no-untyped-def]
    from django.db.models import Q

    return Q(expires_at__isnull=True) | Q(expires_at__lt=now)
