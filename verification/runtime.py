"""Process-wide engine objects: loaded lazily on the first task, once per
process (never in a prefork parent), and shared by every run in that process."""

import threading
from functools import cache

import structlog
from django.conf import settings
from django.core.cache import cache as django_cache

from ops import heartbeat
from ops.metrics import CLAIM_CACHE_TOTAL, GPU_FALLBACKS_TOTAL

logger = structlog.get_logger(__name__)
_lock = threading.Lock()


class DjangoCacheBackend:
    """The engine's cache backend over Django's cache (Redis in production).

    A cache outage must never fail a verification, so errors read as misses."""

    def get(self, key: str) -> bytes | None:
        try:
            return django_cache.get(f"claim:{key}")
        except Exception:
            logger.warning("verification.cache.unavailable", op="get")
            return None

    def set(self, key: str, value: bytes, ttl_s: int) -> None:
        try:
            django_cache.set(f"claim:{key}", value, ttl_s)
        except Exception:
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
        load_decision,
    )

    with _lock:
        scorer = HfNliScorer(
            settings.SMARTNOTES_NLI_MODEL,
            device=settings.SMARTNOTES_NLI_DEVICE,
            cpu_int8={"auto": None, "on": True, "off": False}[settings.SMARTNOTES_NLI_CPU_INT8],
            cpu_dtype=settings.SMARTNOTES_NLI_CPU_DTYPE,
            num_threads=settings.SMARTNOTES_NLI_CPU_THREADS or None,
        )
        embedder = SentenceTransformerEmbedder()
        claim_cache = TieredClaimCache(
            LruClaimCache(max_entries=4096),
            DjangoCacheBackend(),
            ttl_s=settings.SMARTNOTES_CLAIM_CACHE_TTL_S,
        )
        verifier = Verifier(
            scorer,
            embedder,
            config=verifier_config(),
            cache=claim_cache,
            decision=load_decision(settings.SMARTNOTES_NLI_MODEL),
        )
    device = f"{scorer.device} ({scorer.precision})"
    logger.info("verification.model.loaded", model_version=verifier.model_version, device=device)
    # /health/ready/ shows what each worker loaded: weights, decision, device and precision.
    heartbeat.beat(model_version=verifier.model_version[:255], model_device=device[:32])
    return verifier


_exported = {"hits": 0, "misses": 0, "gpu_fallbacks": 0}


def metrics_export(verifier) -> None:  # type: ignore[no-untyped-def]
    """Move the engine's plain counters into Prometheus (called after each run)."""
    current = {
        "hits": verifier.cache.hits if verifier.cache else 0,
        "misses": verifier.cache.misses if verifier.cache else 0,
        "gpu_fallbacks": getattr(verifier.scorer, "gpu_fallbacks", 0),
    }
    with _lock:
        deltas = {k: current[k] - _exported[k] for k in current}
        _exported.update(current)
    CLAIM_CACHE_TOTAL.labels(result="hit").inc(max(0, deltas["hits"]))
    CLAIM_CACHE_TOTAL.labels(result="miss").inc(max(0, deltas["misses"]))
    GPU_FALLBACKS_TOTAL.inc(max(0, deltas["gpu_fallbacks"]))
