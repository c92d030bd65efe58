"""Ship a training checkpoint: fp16 safetensors, tokenizer, calibration.json.

    python -m verification.training.export training-runs/run2/epoch-2 \
        --out models/smartnotes-nli-minilm-l6

The temperature is fitted on the run's validation split (carved from the
training pool). Weights are stored in float16 to halve the size, while
``config.json`` says ``float32`` so that plain ``from_pretrained`` upcasts
them on load: float16 matmuls on CPU are slow or unsupported.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from verification.training.calibrate import calibration_summary, fit_temperature

MAX_WEIGHTS_BYTES = 60 * 1024 * 1024


def validation_logits(checkpoint: Path, data_root: Path) -> np.ndarray:
    """Saved validation logits of an epoch checkpoint, or recomputed for a step checkpoint."""
    saved = checkpoint / "validation_logits.npy"
    if saved.exists():
        return np.load(saved)
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from verification.training.datasets import load_training_pool, split_train_validation
    from verification.training.train import TrainConfig, encode, predict_logits

    config = TrainConfig(**json.loads((checkpoint.parent / "config.json").read_text()))
    pool = load_training_pool(data_root, fever_neutrals=config.fever_neutrals, seed=config.seed)
    _, val = split_train_validation(pool, config.validation_fraction, config.seed)
    tokenizer = AutoTokenizer.from_pretrained(checkpoint, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(checkpoint, local_files_only=True)
    logits = predict_logits(
        model, encode(tokenizer, val, config.max_length), tokenizer.pad_token_id, 128
    )
    np.save(saved, logits)
    return logits


def export(checkpoint: Path, out: Path, data_root: Path, *, cpu_int8: bool = False) -> dict:
    """Write the shipped model directory and return the calibration summary.

    ``cpu_int8`` records that CPU inference may quantize the linear layers to
    int8 (see verification.engine.nli.quantize_int8); pass it only after
    `evaluate --int8` matched the float32 figures."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    labels = json.loads((checkpoint.parent / "validation_labels.json").read_text())
    logits = validation_logits(checkpoint, data_root)
    temperature = fit_temperature(logits, labels)
    summary = calibration_summary(logits, labels, temperature)
    summary["fitted_on"] = "validation split carved from the training pool (seeded, group-aware)"
    summary["checkpoint"] = f"{checkpoint.parent.name}/{checkpoint.name}"
    summary["cpu_int8"] = cpu_int8

    model = AutoModelForSequenceClassification.from_pretrained(
        checkpoint, local_files_only=True, dtype=torch.float32
    )
    tokenizer = AutoTokenizer.from_pretrained(checkpoint, local_files_only=True)
    out.mkdir(parents=True, exist_ok=True)
    model.half().save_pretrained(out)
    tokenizer.save_pretrained(out)
    config_path = out / "config.json"
    config = json.loads(config_path.read_text())
    config["dtype"] = "float32"
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    (out / "calibration.json").write_text(json.dumps(summary, indent=2) + "\n")
    size = (out / "model.safetensors").stat().st_size
    if size > MAX_WEIGHTS_BYTES:
        raise ValueError(f"model.safetensors is {size} bytes, over the {MAX_WEIGHTS_BYTES} limit")
    return summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--out", type=Path, default=Path("models/smartnotes-nli-minilm-l6"))
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument(
        "--cpu-int8", action="store_true", help="approve int8 CPU inference (after evaluating it)"
    )
    args = parser.parse_args(argv)
    summary = export(args.checkpoint, args.out, args.data, cpu_int8=args.cpu_int8)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
