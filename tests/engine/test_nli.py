"""HfNliScorer: real HF loading code on a tiny model built in the test."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from verification.engine.errors import LabelMappingError, ModelLoadError
from verification.engine.nli import HfNliScorer, label_mapping_from_config

PAIRS = [
    ("photosynthesis requires light energy from the sun .", "plants need light ."),
    ("the cat sat on the mat .", "a dog sat ."),
    ("dna is in the cell .", "cells are not dna ."),
]


def test_scores_are_probabilities_in_input_order(tiny_scorer: HfNliScorer) -> None:
    scores = tiny_scorer.score(PAIRS)
    assert len(scores) == len(PAIRS)
    for s in scores:
        assert s.entailment + s.neutral + s.contradiction == pytest.approx(1.0, abs=1e-5)
    single = [tiny_scorer.score([pair])[0] for pair in PAIRS]
    for batched, alone in zip(scores, single, strict=True):
        assert batched.entailment == pytest.approx(alone.entailment, abs=1e-4)


def test_empty_pair_list_returns_empty(tiny_scorer: HfNliScorer) -> None:
    assert tiny_scorer.score([]) == []


def test_model_version_names_directory_and_weights_hash(
    tiny_scorer: HfNliScorer, tiny_nli_dir: Path
) -> None:
    name, _, digest = tiny_scorer.model_version.partition("@")
    assert name == tiny_nli_dir.name
    assert len(digest) == 12


def test_cpu_bf16_is_chosen_explicitly_and_named_in_the_version(tiny_nli_dir: Path) -> None:
    scorer = HfNliScorer(tiny_nli_dir, device="cpu", num_threads=1, cpu_dtype="bf16")
    assert scorer.precision == "bf16"
    assert scorer.model_version.endswith("+bf16")
    for s in scorer.score(PAIRS):
        assert s.entailment + s.neutral + s.contradiction == pytest.approx(1.0, abs=1e-3)


def test_cpu_fp32_keeps_the_plain_version(tiny_scorer: HfNliScorer) -> None:
    assert tiny_scorer.precision == "fp32"
    assert "+" not in tiny_scorer.model_version


def test_auto_cpu_dtype_follows_the_processor(tiny_nli_dir: Path) -> None:
    from verification.engine.nli import cpu_supports_bf16

    scorer = HfNliScorer(tiny_nli_dir, device="cpu", num_threads=1, cpu_dtype="auto")
    assert scorer.precision == ("bf16" if cpu_supports_bf16() else "fp32")


def test_label_order_is_read_from_config(
    model_dir_with_labels: Callable[[dict[int, str]], Path],
) -> None:
    scorer = HfNliScorer(
        model_dir_with_labels({0: "CONTRADICTION", 1: "Entailment", 2: "neutral"}), device="cpu"
    )
    assert scorer.label_mapping.entailment == 1
    assert scorer.label_mapping.contradiction == 0


def test_label_name_variants_are_recognised() -> None:
    mapping = label_mapping_from_config({0: "REFUTES", 1: "NOT_ENOUGH_INFO", 2: "SUPPORTS"})
    assert (mapping.entailment, mapping.neutral, mapping.contradiction) == (2, 1, 0)


def test_two_class_model_reports_not_entailment_as_neutral(
    model_dir_with_labels: Callable[[dict[int, str]], Path],
) -> None:
    scorer = HfNliScorer(
        model_dir_with_labels({0: "entailment", 1: "not_entailment"}), device="cpu"
    )
    (scores,) = scorer.score(PAIRS[:1])
    assert scores.contradiction == 0.0
    assert scores.entailment + scores.neutral == pytest.approx(1.0, abs=1e-5)


def test_config_without_entailment_label_is_rejected(
    model_dir_with_labels: Callable[[dict[int, str]], Path],
) -> None:
    with pytest.raises(LabelMappingError, match=r"no entailment label \(found: LABEL_0"):
        HfNliScorer(model_dir_with_labels({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}))


def test_missing_model_directory_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="SMARTNOTES_NLI_MODEL"):
        HfNliScorer(tmp_path / "nowhere")


def test_calibration_temperature_is_applied_to_logits(
    model_dir_with_labels: Callable[[dict[int, str]], Path],
) -> None:
    model_dir = model_dir_with_labels({0: "entailment", 1: "neutral", 2: "contradiction"})
    (model_dir / "calibration.json").write_text(json.dumps({"temperature": 1000.0}))
    scorer = HfNliScorer(model_dir, device="cpu")
    (scores,) = scorer.score(PAIRS[:1])
    assert scorer.temperature == 1000.0
    assert scores.entailment == pytest.approx(1 / 3, abs=1e-3)


def test_gpu_failure_falls_back_to_cpu_and_is_counted(
    tiny_nli_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import torch

    scorer = HfNliScorer(tiny_nli_dir, device="cpu")
    expected = scorer.score(PAIRS)
    scorer.device = "cuda"  # pretend the model was on a GPU that now fails
    real_forward = scorer.forward
    calls = {"n": 0}

    def failing_forward(encoded):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return real_forward(encoded)

    monkeypatch.setattr(scorer, "forward", failing_forward)
    with caplog.at_level(logging.WARNING):
        scores = scorer.score(PAIRS)
    assert scorer.gpu_fallbacks == 1
    assert scorer.device == "cpu"
    assert "verification.nli.gpu_fallback" in caplog.text
    assert [s.entailment for s in scores] == pytest.approx([s.entailment for s in expected])


def test_batches_are_sorted_by_length(tiny_nli_dir: Path) -> None:
    scorer = HfNliScorer(tiny_nli_dir, device="cpu", batch_size=2)
    pairs = [
        ("the cat sat on the mat . " * 5, "a cat ."),
        ("dna .", "a cell ."),
        ("sun .", "light ."),
    ]
    batches = scorer.preprocess(pairs)
    assert [indices for indices, _ in batches] == [[2, 1], [0]]


def test_int8_on_cpu_follows_the_model_directory_and_keeps_the_scores(
    model_dir_with_labels: Callable[[dict[int, str]], Path],
) -> None:
    import torch

    model_dir = model_dir_with_labels({0: "entailment", 1: "neutral", 2: "contradiction"})
    plain = HfNliScorer(model_dir, device="cpu")
    (model_dir / "calibration.json").write_text(json.dumps({"temperature": 1.0, "cpu_int8": True}))
    quantized = HfNliScorer(model_dir, device="cpu")
    forced_off = HfNliScorer(model_dir, device="cpu", cpu_int8=False)

    assert any(
        isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in quantized.model.modules()
    )
    assert not any(
        isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in forced_off.model.modules()
    )
    assert quantized.model_version.endswith("+int8")
    assert not forced_off.model_version.endswith("+int8")
    for a, b in zip(plain.score(PAIRS), quantized.score(PAIRS), strict=True):
        assert b.entailment == pytest.approx(a.entailment, abs=0.05)
        assert b.contradiction == pytest.approx(a.contradiction, abs=0.05)
