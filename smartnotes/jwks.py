"""The one JWKS cache: platform key sets for LTI launches and Asset Processor notices,
and Canvas's Live Events key set, fetched over HTTPS and kept per process.

A key set is kept for JWKS_TTL_S; a kid it does not hold refetches it, at most every
JWKS_MIN_REFRESH_S per URL, so a rotation is picked up at once and a stream of
forged kids cannot turn into a stream of fetches.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests
import structlog
from django.conf import settings

logger = structlog.get_logger(__name__)

JWKS_TTL_S = 3600
# An unknown kid refetches the JWKS at most this often (Canvas rotates monthly).
JWKS_MIN_REFRESH_S = 30
HTTP_TIMEOUT_S = 5


class JwksUnavailable(Exception):
    """The key set could not be fetched or read, and none is cached."""


@dataclass(frozen=True)
class _Entry:
    fetched_at: float
    document: dict[str, Any]
    keys: dict[str, jwt.PyJWK]


_lock = threading.Lock()
_cache: dict[str, _Entry] = {}


def _fetch(url: str) -> _Entry:
    response = requests.get(
        url, timeout=HTTP_TIMEOUT_S, headers={"User-Agent": settings.CANVAS_USER_AGENT}
    )
    response.raise_for_status()
    document = response.json()
    if not isinstance(document, dict):
        raise ValueError("a JWKS is a JSON object")
    keys: dict[str, jwt.PyJWK] = {}
    for data in document.get("keys", []):
        try:
            key = jwt.PyJWK(data)
        except jwt.PyJWTError:
            continue  # a key type we cannot use; the others still count
        if key.key_id:
            keys[key.key_id] = key
    return _Entry(time.monotonic(), document, keys)


def _entry(url: str, *, kid: str | None = None) -> _Entry:
    now = time.monotonic()
    entry = _cache.get(url)
    if entry and now - entry.fetched_at < JWKS_TTL_S and (kid is None or kid in entry.keys):
        return entry
    if entry and now - entry.fetched_at < JWKS_MIN_REFRESH_S:
        return entry
    with _lock:
        try:
            fresh = _fetch(url)
        except (requests.RequestException, ValueError) as exc:
            logger.warning("jwks.unavailable", url=url, error=str(exc))
            if entry is not None:
                return entry
            raise JwksUnavailable(f"The key set at {url} could not be read.") from exc
        _cache[url] = fresh
    return fresh


def jwks_key_get(url: str, kid: str) -> jwt.PyJWK | None:
    """The key `kid` from the JWKS at `url`, or None (unknown, or the set is unreachable)."""
    try:
        return _entry(url, kid=kid).keys.get(kid)
    except JwksUnavailable:
        return None


def jwks_document_get(url: str, *, kid: str | None = None) -> dict[str, Any]:
    """The JWKS document at `url` (for pylti1p3); raises JwksUnavailable."""
    return _entry(url, kid=kid).document


def jwks_forget(url: str) -> None:
    """Drop one key set, so the next read fetches it (an LTI launch whose kid it lacked:
    the platform may have rotated; each such launch costs one fetch, as it needs one)."""
    _cache.pop(url, None)


def jwks_cache_clear() -> None:
    _cache.clear()
