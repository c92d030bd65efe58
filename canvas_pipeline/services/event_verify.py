"""Live Events intake, first half: who sent this event, and is it really from them.

The body is a compact RS256 JWT when "Sign Payload" is on (kid in the Live Events
JWKS, smartnotes.jwks), plain JSON otherwise, accepted only on the installation's
secret path when it allows unsigned events. The tenant (installation) comes from
the event's root account ids, cached briefly per process.
https://canvas.instructure.com/doc/api/file.data_service_introduction.html
"""

from __future__ import annotations

import binascii
import hmac
import json
import time
from datetime import datetime
from typing import Any

import structlog
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from jwt.utils import base64url_decode

from canvas_pipeline.models import (
    CanvasInstallation,
)
from smartnotes.jwks import jwks_key_get

logger = structlog.get_logger("canvas_pipeline.services.intake")


class EventRejected(Exception):
    def __init__(self, reason: str, http_status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


# Tenants change rarely and every event needs one: keep them briefly per process.
INSTALLATION_CACHE_S = 30.0
_installation_cache: dict[str, tuple[float, CanvasInstallation | None]] = {}


def installation_cache_clear() -> None:
    """Forget cached tenants."""
    _installation_cache.clear()


def _installation_for(metadata: dict[str, Any]) -> CanvasInstallation | None:
    uuid = str(metadata.get("root_account_uuid") or "")
    guid = str(metadata.get("root_account_lti_guid") or "")
    key = f"{uuid}|{guid}"
    now = time.monotonic()
    cached = _installation_cache.get(key)
    if cached and now - cached[0] < INSTALLATION_CACHE_S and cached[1] is not None:
        return cached[1]
    query = CanvasInstallation.objects.filter(is_active=True)
    found = query.filter(root_account_uuid=uuid).first() if uuid else None
    if found is None and guid:
        found = query.filter(root_account_lti_guid=guid).first()
    if found is not None:  # unknown tenants are not cached: linking one takes effect at once
        if len(_installation_cache) > 1000:
            _installation_cache.clear()
        _installation_cache[key] = (now, found)
    return found


def event_decode(
    body: bytes, secret_token: str | None
) -> tuple[dict[str, Any], CanvasInstallation | None, bool]:
    """(payload, installation, is_signed); raises EventRejected."""
    stripped = body.strip()
    if stripped.startswith(b"{"):
        try:
            payload = json.loads(stripped)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventRejected("malformed_json", 400) from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("metadata"), dict):
            raise EventRejected("malformed_event", 400)
        installation = _installation_for(payload["metadata"])
        if installation is None:
            return payload, None, False
        # Unsigned events authenticate only by the secret path, and only when allowed.
        if not (
            installation.allow_unsigned
            and secret_token
            and hmac.compare_digest(secret_token, installation.secret_path_token)
        ):
            raise EventRejected("unsigned_not_allowed")
        return payload, installation, False
    header, payload, signing_input, signature = _jws_parts(stripped)
    if header.get("alg") != "RS256" or not header.get("kid"):
        raise EventRejected("bad_jwt_header")
    if not isinstance(payload.get("metadata"), dict):
        raise EventRejected("malformed_event", 400)
    installation = _installation_for(payload["metadata"])
    if installation is None:
        return payload, None, True
    if secret_token and not hmac.compare_digest(secret_token, installation.secret_path_token):
        raise EventRejected("wrong_secret_path")
    jwks_url = installation.live_events_jwks_url or settings.CANVAS_LIVE_EVENTS_JWKS_URL
    key = jwks_key_get(jwks_url, str(header["kid"])) if jwks_url else None
    if key is None:
        raise EventRejected("unknown_kid")
    if key.algorithm_name != "RS256" or not key.Algorithm.verify(signing_input, key.key, signature):
        raise EventRejected("bad_signature")
    return payload, installation, True


def _jws_parts(token: bytes) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Header, payload, signing input and signature of a compact JWS, parsed once.

    The signature is checked by the caller with the key the tenant's JWKS names;
    the payload is only trusted after that check."""
    try:
        signing_input, _, signature_b64 = token.rpartition(b".")
        header_b64, _, payload_b64 = signing_input.partition(b".")
        header = json.loads(base64url_decode(header_b64))
        payload = json.loads(base64url_decode(payload_b64))
        signature = base64url_decode(signature_b64)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise EventRejected("malformed_jwt", 400) from exc
    if not isinstance(header, dict) or not isinstance(payload, dict) or not signing_input:
        raise EventRejected("malformed_jwt", 400)
    return header, payload, signing_input, signature


def event_time(metadata: dict[str, Any]) -> datetime | None:
    raw = metadata.get("event_time")
    value = parse_datetime(str(raw)) if raw else None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.UTC)
    return value
