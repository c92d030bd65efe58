"""Dense + BM25 retrieval with the real MiniLM embedder, and index persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from verification.engine.errors import IndexFormatError, ModelLoadError
from verification.engine.retrieval import (
    CorpusIndex,
    SentenceTransformerEmbedder,
    build_index,
    retrieve,
)
from verification.engine.types import Passage, SourceLocation

TEXTS = [
    "Photosynthesis requires light energy from the sun.",
    "Mitochondria produce ATP, the energy currency of the cell.",
    "The French Revolution began in 1789 with the storming of the Bastille.",
    "Water boils at 100 degrees Celsius at sea level.",
]


@pytest.fixture(scope="module")
def index(minilm_embedder: SentenceTransformerEmbedder) -> CorpusIndex:
    passages = [
        Passage(f"p{i}", t, SourceLocation("notes.txt", paragraph=i + 1))
        for i, t in enumerate(TEXTS)
    ]
    return build_index(passages, minilm_embedder)


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("Plants need sunlight to make their food.", "p0"),
        ("ATP is made by mitochondria.", "p1"),
        ("The revolution in France started in 1789.", "p2"),
    ],
)
def test_right_passage_is_ranked_first(
    index: CorpusIndex, minilm_embedder: SentenceTransformerEmbedder, claim: str, expected: str
) -> None:
    (hits,) = retrieve(index, [claim], minilm_embedder, top_k=2)
    assert index.passages[hits[0].passage_index].passage_id == expected
    assert hits[0].rank == 1
    assert hits[0].similarity > hits[1].similarity


def test_index_round_trips_through_bytes(
    index: CorpusIndex, minilm_embedder: SentenceTransformerEmbedder
) -> None:
    restored = CorpusIndex.from_bytes(
        index.to_bytes(), embedder_version=minilm_embedder.model_version
    )
    assert restored.passages == index.passages
    assert restored.corpus_version == index.corpus_version
    np.testing.assert_array_equal(restored.embeddings, index.embeddings)


def test_index_from_another_embedder_is_rejected(index: CorpusIndex) -> None:
    with pytest.raises(IndexFormatError, match="rebuild it"):
        CorpusIndex.from_bytes(index.to_bytes(), embedder_version="other-model@123")


def test_garbage_index_bytes_are_rejected() -> None:
    with pytest.raises(IndexFormatError, match="unreadable"):
        CorpusIndex.from_bytes(b"not an index")


def test_corpus_version_changes_with_content(
    index: CorpusIndex, minilm_embedder: SentenceTransformerEmbedder
) -> None:
    changed = build_index(
        [*index.passages[:-1], Passage("p3", "Ice melts.", SourceLocation("n"))], minilm_embedder
    )
    assert changed.corpus_version != index.corpus_version


def test_missing_embedding_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        SentenceTransformerEmbedder(tmp_path / "missing")
