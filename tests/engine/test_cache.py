"""Claim cache keys, LRU behaviour, tiers and hit/miss counters."""

from __future__ import annotations

from tests.engine.helpers import make_claim, make_result
from verification.engine.cache import (
    LruClaimCache,
    TieredClaimCache,
    claim_cache_key,
    decode_result,
    encode_result,
)

VERSIONS = {"corpus_version": "c1", "model_version": "m1", "config_fingerprint": "f1"}


class DictBackend:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.ttls: list[int] = []

    def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    def set(self, key: str, value: bytes, ttl_s: int) -> None:
        self.data[key] = value
        self.ttls.append(ttl_s)


def test_key_ignores_case_spacing_and_final_period() -> None:
    assert claim_cache_key("Cells divide.", **VERSIONS) == claim_cache_key(
        "  cells   DIVIDE", **VERSIONS
    )


def test_key_changes_with_corpus_model_or_config() -> None:
    base = claim_cache_key("Cells divide.", **VERSIONS)
    for name in VERSIONS:
        assert claim_cache_key("Cells divide.", **{**VERSIONS, name: "other"}) != base


def test_lru_counts_hits_and_misses() -> None:
    cache = LruClaimCache()
    cache.set("a", b"1")
    assert (cache.get("a"), cache.get("b")) == (b"1", None)
    assert (cache.hits, cache.misses) == (1, 1)


def test_lru_evicts_least_recently_used() -> None:
    cache = LruClaimCache(max_entries=2)
    cache.set("a", b"1")
    cache.set("b", b"2")
    cache.get("a")
    cache.set("c", b"3")
    assert cache.get("b") is None
    assert cache.get("a") == b"1"


def test_tiered_cache_fills_lru_from_backend() -> None:
    backend = DictBackend()
    backend.data["k"] = b"v"
    lru = LruClaimCache()
    cache = TieredClaimCache(lru, backend)
    assert cache.get("k") == b"v"
    assert lru.get("k") == b"v"
    assert (cache.hits, cache.misses, cache.backend_hits) == (1, 0, 1)


def test_tiered_cache_writes_both_tiers_with_ttl() -> None:
    backend = DictBackend()
    cache = TieredClaimCache(LruClaimCache(), backend, ttl_s=60)
    cache.set("k", b"v")
    assert backend.data == {"k": b"v"}
    assert backend.ttls == [60]
    assert cache.lru.get("k") == b"v"


def test_cached_result_is_reattached_to_the_new_claim_position() -> None:
    result = make_result("supported", 0.8, index=0)
    moved = make_claim(result.claim.text, index=7)
    restored = decode_result(encode_result(result), moved)
    assert restored is not None
    assert restored.claim == moved
    assert restored.from_cache
    assert restored.label == "supported"


def test_unreadable_cached_bytes_are_a_miss() -> None:
    assert decode_result(b"not json", make_claim()) is None
