"""Claim-result cache: an in-process LRU, optionally in front of a shared backend.

Keys combine the normalised claim text with the corpus version, the NLI model
version and the verifier-config fingerprint, so a change to any of them is a
miss. Values are JSON bytes of a claim result without its position, so a hit
can be reused for the same sentence at another place or in another submission.
The Django glue plugs Redis (or the Django cache) in as the backend.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol

from verification.engine.text import normalise_for_matching
from verification.engine.types import (
    Claim,
    ClaimResult,
    claim_result_from_dict,
    claim_result_to_dict,
)

KEY_PREFIX = "sn:claim:v1:"


class ClaimCache(Protocol):
    """Byte store for cached claim results, with hit/miss counters for metrics."""

    hits: int
    misses: int

    def get(self, key: str) -> bytes | None:
        """The value for ``key``, or None."""
        ...

    def set(self, key: str, value: bytes) -> None:
        """Store ``value`` under ``key``."""
        ...


class CacheBackend(Protocol):
    """A shared store such as Redis or the Django cache (wrapped by the glue)."""

    def get(self, key: str) -> bytes | None:
        """The value for ``key``, or None."""
        ...

    def set(self, key: str, value: bytes, ttl_s: int) -> None:
        """Store ``value`` for ``ttl_s`` seconds."""
        ...


def claim_cache_key(
    claim_text: str, *, corpus_version: str, model_version: str, config_fingerprint: str
) -> str:
    """Cache key for a claim: normalised text + corpus, model and config versions.

    Example:
        >>> a = claim_cache_key("Cells divide.", corpus_version="c", model_version="m",
        ...                     config_fingerprint="f")
        >>> a == claim_cache_key("  cells   DIVIDE ", corpus_version="c", model_version="m",
        ...                      config_fingerprint="f")
        True
    """
    material = "\x1f".join(
        (normalise_for_matching(claim_text), corpus_version, model_version, config_fingerprint)
    )
    return KEY_PREFIX + hashlib.sha256(material.encode()).hexdigest()


def encode_result(result: ClaimResult) -> bytes:
    """JSON bytes of a claim result (its claim position is replaced on decode)."""
    return json.dumps(claim_result_to_dict(result), separators=(",", ":")).encode()


def decode_result(value: bytes, claim: Claim) -> ClaimResult | None:
    """A cached result re-attached to ``claim``; None if the bytes are unreadable."""
    try:
        data: Mapping[str, Any] = json.loads(value)
        result = claim_result_from_dict(data)
    except (ValueError, KeyError, TypeError):
        return None
    return replace(result, claim=claim, from_cache=True)


class LruClaimCache:
    """Thread-safe in-process LRU of claim results.

    Args:
        max_entries: entries kept before the least recently used is dropped.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The value for ``key`` (marking it recently used), or None; counts hit/miss."""
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def set(self, key: str, value: bytes) -> None:
        """Store ``value``, evicting the least recently used entry when full."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class TieredClaimCache:
    """LRU first, then a shared backend; backend hits are copied into the LRU.

    ``hits``/``misses`` count lookups of this cache as a whole; the LRU's and
    backend's own figures are ``lru.hits`` and ``backend_hits``.

    Args:
        lru: the in-process tier.
        backend: any object with ``get(key) -> bytes | None`` and
            ``set(key, value, ttl_s)``.
        ttl_s: lifetime of entries in the backend.
    """

    def __init__(self, lru: LruClaimCache, backend: CacheBackend, *, ttl_s: int = 7 * 86400):
        self.lru = lru
        self.backend = backend
        self.ttl_s = ttl_s
        self.hits = 0
        self.misses = 0
        self.backend_hits = 0

    def get(self, key: str) -> bytes | None:
        """LRU, then backend; None when neither has ``key``."""
        value = self.lru.get(key)
        if value is None:
            value = self.backend.get(key)
            if value is not None:
                self.backend_hits += 1
                self.lru.set(key, value)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def set(self, key: str, value: bytes) -> None:
        """Write to both tiers."""
        self.lru.set(key, value)
        self.backend.set(key, value, self.ttl_s)
