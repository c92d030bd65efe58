"""One device call: a learning-rate / epochs sweep on a GPU, the best checkpoint exported.

Every configuration trains in parallel from the base model (one clean run each,
bf16 autocast) on a prebuilt pool (``product_pool.py``), within a wall-clock
budget. The best epoch of all runs is chosen on the tuning side only: the mean
per-source accuracy of the validation split carved from the pool (MNLI-genre,
FEVER, the FM2/WiCE tuning halves, Citation-Integrity train and their mined hard
neutrals). It is exported as the shipped fp16 model, and the shipped format's
GPU throughput is measured in the same call::

    SMARTNOTES_BASE_MODEL=.gpu/base python -m verification.training.gpu_sweep \
        --pool .gpu/pool-v2.jsonl.gz --out training-runs/sweep --export models/new --budget-min 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

# name: (learning rate, epochs, batch size, label smoothing)
SWEEP: dict[str, tuple[float, int, int, float]] = {
    "lr5e-5-e4": (5e-5, 4, 32, 0.0),
    "lr8e-5-e4-ls": (8e-5, 4, 32, 0.05),
    "lr5e-5-e6-ls": (5e-5, 6, 32, 0.05),
    "lr1.2e-4-e5-b64-ls": (1.2e-4, 5, 64, 0.05),
}


def selection_score(validation: dict) -> float:
    """Mean accuracy over the validation split's sources (no source dominates)."""
    by_source = validation["accuracy_by_source"]
    return sum(by_source.values()) / len(by_source)


def launch(pool: Path, out: Path, budget_min: float, sweep: dict) -> dict[str, subprocess.Popen]:
    processes = {}
    for name, (lr, epochs, batch, smoothing) in sweep.items():
        command = [
            sys.executable, "-m", "verification.training.train",
            "--pool", str(pool), "--out", str(out / name), "--device", "cuda", "--bf16",
            "--learning-rate", str(lr), "--epochs", str(epochs), "--batch-size", str(batch),
            "--label-smoothing", str(smoothing), "--budget-min", str(budget_min),
            "--validation-reserve-s", "10", "--threads", "3", "--checkpoint-every", "1000000",
        ]  # fmt: skip
        log = (out / f"{name}.log").open("w")
        processes[name] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    return processes


def best_checkpoint(out: Path) -> tuple[Path, list[dict]]:
    rows = []
    for path in sorted(out.glob("*/epoch-*/validation.json")):
        validation = json.loads(path.read_text())
        rows.append(
            {
                "checkpoint": str(path.parent),
                "score": selection_score(validation),
                "accuracy": validation.get("accuracy"),
                "nll": validation.get("nll"),
                "by_source": validation["accuracy_by_source"],
            }
        )
    if not rows:
        raise SystemExit("no run finished an epoch; see the logs")
    rows.sort(key=lambda r: -r["score"])
    return Path(rows[0]["checkpoint"]), rows


def gpu_throughput(model_dir: Path, batch_sizes: Sequence[int] = (128, 512, 1024)) -> dict:
    """Pairs/s of the shipped format on CUDA (bf16) at 128 tokens a pair."""
    import torch

    from verification.engine.nli import HfNliScorer

    scorer = HfNliScorer(model_dir, device="cuda", max_length=128)
    premise = " ".join(["The water cycle moves heat and water around the planet."] * 20)
    hypothesis = "Evaporation over the oceans drives most of the water cycle."
    figures = {"device": torch.cuda.get_device_name(0), "dtype": str(scorer.model.dtype)}
    for batch in batch_sizes:
        scorer.batch_size = batch
        pairs = [(premise, hypothesis)] * (batch * 8)
        scorer.score(pairs[:batch])  # warm-up
        torch.cuda.synchronize()
        started = time.perf_counter()
        scorer.score(pairs)
        torch.cuda.synchronize()
        figures[f"pairs_per_s_batch{batch}"] = len(pairs) / (time.perf_counter() - started)
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--export", type=Path, required=True)
    parser.add_argument("--budget-min", type=float, default=5.0)
    parser.add_argument("--only", action="append", default=[], help="run only these configs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    sweep = {k: v for k, v in SWEEP.items() if not args.only or k in args.only}
    started = time.monotonic()
    processes = launch(args.pool, args.out, args.budget_min, sweep)
    codes = {name: p.wait() for name, p in processes.items()}
    print(f"runs finished in {time.monotonic() - started:.0f} s: {codes}", flush=True)
    checkpoint, rows = best_checkpoint(args.out)
    for row in rows:
        print(f"{row['score']:.4f} acc {row['accuracy']:.4f} {row['checkpoint']}", flush=True)
    from verification.training.export import export

    calibration = export(checkpoint, args.export, Path("."))
    summary = {
        "chosen": str(checkpoint),
        "calibration": calibration,
        "ranking": rows,
        "codes": codes,
    }
    if os.environ.get("SKIP_GPU_THROUGHPUT") != "1":
        summary["gpu_throughput"] = gpu_throughput(args.export)
    (args.out / "sweep.json").write_text(json.dumps(summary, indent=2))
    print(
        json.dumps({k: summary[k] for k in ("chosen", "gpu_throughput") if k in summary}, indent=2)
    )


if __name__ == "__main__":
    main()
