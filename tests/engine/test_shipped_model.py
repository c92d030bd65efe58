"""The model shipped in models/smartnotes-nli-minilm-l6: layout, labels, size and behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "smartnotes-nli-minilm-l6"
MAX_WEIGHTS_BYTES = 60 * 1024 * 1024

pytestmark = pytest.mark.skipif(
    not (MODEL_DIR / "config.json").exists(), reason=f"no shipped model at {MODEL_DIR}"
)


@pytest.fixture(scope="module")
def shipped():
    """Tokenizer and model loaded offline with plain transformers (loaded once)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(MODEL_DIR, local_files_only=True)
    model.eval()
    return tokenizer, model, torch


def _probs(shipped, premise: str, hypothesis: str) -> dict[str, float]:
    tokenizer, model, torch = shipped
    enc = tokenizer(
        premise, hypothesis, truncation="only_first", max_length=128, return_tensors="pt"
    )
    with torch.inference_mode():
        probs = model(**enc).logits.float().softmax(-1)[0].tolist()
    return {model.config.id2label[i].lower(): p for i, p in enumerate(probs)}


def test_config_declares_the_three_nli_labels():
    config = json.loads((MODEL_DIR / "config.json").read_text())
    assert {k.lower(): v for k, v in config["label2id"].items()} == {
        "entailment": 0,
        "neutral": 1,
        "contradiction": 2,
    }
    assert {int(k): v.lower() for k, v in config["id2label"].items()} == {
        0: "entailment",
        1: "neutral",
        2: "contradiction",
    }


def test_weights_are_float16_safetensors_within_the_size_limit():
    from safetensors import safe_open

    weights = MODEL_DIR / "model.safetensors"
    assert weights.stat().st_size <= MAX_WEIGHTS_BYTES
    with safe_open(weights, framework="pt") as f:
        dtypes = {str(f.get_slice(name).get_dtype()) for name in f.keys()}  # noqa: SIM118
    assert dtypes == {"F16"}


def test_calibration_temperature_is_positive():
    calibration = json.loads((MODEL_DIR / "calibration.json").read_text())
    assert 0.0 < calibration["temperature"] < 10.0


def test_loads_offline_in_float32_for_cpu(shipped):
    _, model, torch = shipped
    assert model.dtype == torch.float32
    assert model.config.num_labels == 3


def test_double_negation_paraphrase_is_entailment_not_contradiction(shipped):
    probs = _probs(
        shipped,
        premise="Photosynthesis requires light energy from the sun.",
        hypothesis="Photosynthesis doesn't work without light.",
    )
    assert max(probs, key=probs.get) == "entailment"
    assert probs["entailment"] > probs["contradiction"]


def test_direct_contradiction_is_contradiction(shipped):
    probs = _probs(
        shipped,
        premise="Photosynthesis requires light energy from the sun.",
        hypothesis="Photosynthesis works without any light.",
    )
    assert max(probs, key=probs.get) == "contradiction"


def test_unrelated_evidence_is_neutral(shipped):
    probs = _probs(
        shipped,
        premise="The Eiffel Tower was completed in 1889 for the World's Fair in Paris.",
        hypothesis="Mitochondria produce most of the cell's energy.",
    )
    assert max(probs, key=probs.get) == "neutral"
