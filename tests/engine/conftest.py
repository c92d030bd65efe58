"""Session fixtures for engine tests: a tiny real NLI model and the MiniLM embedder."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

_WORDS = (
    "the a an of to in is are was were and or not no light plant plants photosynthesis "
    "requires needs sun energy water cell cells dna protein mitochondria cat dog sat on mat "
    "1 2 3 4 5 6 7 8 9 0 . , ? ! ' - ( )"
)
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *_WORDS.split()]


def _build_model_dir(target: Path, id2label: dict[int, str]) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    target.mkdir(parents=True, exist_ok=True)
    vocab_file = target / "vocab.txt"
    vocab_file.write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True)
    tokenizer.save_pretrained(target)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=512,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    BertForSequenceClassification(config).save_pretrained(target)
    return target


@pytest.fixture(scope="session")
def tiny_nli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 3-class BERT NLI model saved in HF layout (built once)."""
    return _build_model_dir(
        tmp_path_factory.mktemp("tiny-nli"),
        {0: "entailment", 1: "neutral", 2: "contradiction"},
    )


@pytest.fixture
def model_dir_with_labels(tiny_nli_dir: Path, tmp_path: Path) -> Callable[[dict[int, str]], Path]:
    """Copy of the tiny model whose config declares the given id2label."""

    def make(id2label: dict[int, str]) -> Path:
        target = tmp_path / "model"
        if len(id2label) != 3:
            return _build_model_dir(target, id2label)
        shutil.copytree(tiny_nli_dir, target)
        config_path = target / "config.json"
        config = json.loads(config_path.read_text())
        config["id2label"] = {str(k): v for k, v in id2label.items()}
        config["label2id"] = {v: k for k, v in id2label.items()}
        config_path.write_text(json.dumps(config))
        return target

    return make


@pytest.fixture(scope="session")
def tiny_scorer(tiny_nli_dir: Path):  # type: ignore[no-untyped-def]
    """`HfNliScorer` over the tiny model, on CPU, loaded once."""
    from verification.engine.nli import HfNliScorer

    return HfNliScorer(tiny_nli_dir, device="cpu", batch_size=4, num_threads=1, cpu_dtype="fp32")


@pytest.fixture(scope="session")
def minilm_embedder():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2 embedder from the offline package, loaded once."""
    from verification.engine.retrieval import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(device="cpu")
