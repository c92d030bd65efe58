"""HfNliScorer on CUDA (skipped without a GPU)."""

from __future__ import annotations

from pathlib import Path

import pytest

from verification.engine.nli import HfNliScorer

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

PAIRS = [("the cat sat on the mat .", "a cat sat ."), ("dna is in the cell .", "cells .")]


def test_auto_device_picks_cuda_with_half_precision(tiny_nli_dir: Path) -> None:
    scorer = HfNliScorer(tiny_nli_dir)
    assert scorer.device == "cuda"
    assert next(scorer.model.parameters()).dtype in {torch.bfloat16, torch.float16}
    assert scorer.batch_size == 128


def test_cuda_scores_match_cpu_scores(tiny_nli_dir: Path) -> None:
    cpu = HfNliScorer(tiny_nli_dir, device="cpu").score(PAIRS)
    gpu = HfNliScorer(tiny_nli_dir, device="cuda").score(PAIRS)
    for a, b in zip(cpu, gpu, strict=True):
        assert a.entailment == pytest.approx(b.entailment, abs=2e-2)
