"""Process-wide engine objects: loaded lazily on the first task, once per
process (never in a prefork parent), and shared by every run in that process."""

import threading
from functools import cache

import structlog
from django.conf import settings
from django.core.cache import cache as django_cache

from ops.metrics import CLAIM_CACHE_TOTAL

logger = structlog.get_logger(__name__)
_lock = threading.Lock()


class DjangoCacheBackend:
    """The engine's cache backend over Django's cache (Redis in production).

    A cache outage must never fail a verification, so errors read as misses."""

    def get(self, key: str) -> bytes | None:
        try:
            value = django_cache.get(f"claim:{key}")
        except Exception:  # noqa: BLE001 - redis-py raises several unrelated types
            logger.warning("verification.cache.unavailable", op="get")
            return None
        CLAIM_CACHE_TOTAL.labels(result="hit" if value is not None else "miss").inc()
        return value

    def set(self, key: str, value: bytes, ttl_s: int) -> None:
        try:
            django_cache.set(f"claim:{key}", value, ttl_s)
        except Exception:  # noqa: BLE001
            logger.warning("verification.cache.unavailable", op="set")


def verifier_config():  # type: ignore[no-untyped-def]
    from verification.engine import VerifierConfig

    return VerifierConfig(max_claims=settings.SMARTNOTES_MAX_CLAIMS)


@cache
def verifier_get():  # type: ignore[no-untyped-def]
    """The process's Verifier (NLI scorer + embedder + claim cache)."""
    from verification.engine import (
        HfNliScorer,
        LruClaimCache,
        SentenceTransformerEmbedder,
        TieredClaimCache,
        Verifier,
    )

    with _lock:
        scorer = HfNliScorer(settings.SMARTNOTES_NLI_MODEL, device=settings.SMARTNOTES_NLI_DEVICE)
        embedder = SentenceTransformerEmbedder()
        claim_cache = TieredClaimCache(
            LruClaimCache(max_entries=4096),
            DjangoCacheBackend(),
            ttl_s=settings.SMARTNOTES_CLAIM_CACHE_TTL_S,
        )
        verifier = Verifier(scorer, embedder, config=verifier_config(), cache=claim_cache)
    logger.info(
        "verification.model.loaded", model_version=scorer.model_version, device=scorer.device
    )
    return verifier
