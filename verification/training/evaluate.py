"""Evaluate an NLI model directory on the held-out sets, before and after calibration.

    python -m verification.training.evaluate models/smartnotes-nli-minilm-l6 \
        --data /work/shared/data --out var/eval/report.json

Logits are computed once per set; ECE is reported with temperature 1 and with
the temperature in ``<model>/calibration.json`` (or ``--temperature``).
Also measures CPU pairs/s at 64 and 128 tokens.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from verification.training.calibrate import softmax
from verification.training.eval_datasets import EVAL_SETS
from verification.training.evaluation import evaluate_rows, flatten_pairs, format_report


class LogitScorer:
    """Plain-transformers NLI logits in (entailment, neutral, contradiction) order."""

    def __init__(
        self, model_dir: Path, max_length: int = 128, batch_size: int = 64, int8: bool = False
    ) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            model_dir, local_files_only=True, dtype=torch.float32
        ).eval()
        if int8:  # exactly what HfNliScorer runs on CPU with cpu_int8
            from verification.engine.nli import quantize_int8

            self.model = quantize_int8(self.model)
        label2id = {k.lower(): v for k, v in self.model.config.label2id.items()}
        self.order = [label2id[k] for k in ("entailment", "neutral", "contradiction")]
        self.max_length = max_length
        self.batch_size = batch_size

    def logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Logits for (premise, hypothesis) pairs; batches are formed by length."""
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = np.zeros((len(pairs), 3), dtype=np.float32)
        with self.torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                enc = self.tokenizer(
                    [pairs[i][0] for i in idx],
                    [pairs[i][1] for i in idx],
                    truncation="only_first",
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                )
                logits = self.model(**enc).logits.float().numpy()
                out[idx] = logits[:, self.order]
        return out


def pairs_per_second(scorer: LogitScorer, tokens: int, n: int = 128, batch_size: int = 32) -> float:
    """Throughput on pairs padded/truncated to exactly ``tokens`` tokens."""
    torch = scorer.torch
    ids = torch.randint(1000, 20000, (batch_size, tokens))
    batch = {
        "input_ids": ids,
        "token_type_ids": torch.zeros_like(ids),
        "attention_mask": torch.ones_like(ids),
    }
    with torch.inference_mode():
        scorer.model(**batch)
        started = time.perf_counter()
        for _ in range(n // batch_size):
            scorer.model(**batch)
    return (n // batch_size) * batch_size / (time.perf_counter() - started)


def evaluate_all(
    scorer: LogitScorer,
    data_root: Path,
    temperature: float,
    *,
    sets: Sequence[str],
    max_rows: int = 0,
    on_result: Callable[[dict[str, dict]], None] | None = None,
) -> dict[str, dict]:
    """Evaluate each set; ``max_rows`` keeps a seeded random sample of larger sets."""
    results: dict[str, dict] = {}
    for name in sets:
        rows = EVAL_SETS[name](data_root)
        total_rows = len(rows)
        if max_rows and len(rows) > max_rows:
            rows = random.Random(0).sample(rows, max_rows)  # noqa: S311 (seeded sample)
        pairs = flatten_pairs(rows)
        started = time.perf_counter()
        logits = scorer.logits(pairs)
        rate = len(pairs) / (time.perf_counter() - started)
        raw = evaluate_rows(rows, [tuple(p) for p in softmax(logits).tolist()])
        cal = evaluate_rows(rows, [tuple(p) for p in softmax(logits / temperature).tolist()])
        results[name] = {
            "raw": raw,
            "calibrated": cal,
            "pairs": len(pairs),
            "rows_in_set": total_rows,
            "pairs_per_s": rate,
        }
        print(format_report(name, cal, rate), flush=True)
        print(
            f"  ECE before calibration {raw['ece']:.4f}, after (T={temperature:.3f}) "
            f"{cal['ece']:.4f}",
            flush=True,
        )
        if on_result is not None:
            on_result(results)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--temperature", type=float)
    parser.add_argument("--max-rows", type=int, default=0, help="seeded sample per set")
    parser.add_argument("--sets", nargs="*", choices=sorted(EVAL_SETS), default=list(EVAL_SETS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--int8", action="store_true", help="evaluate the int8 CPU model")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    temperature = args.temperature
    if temperature is None:
        calibration = args.model / "calibration.json"
        temperature = (
            json.loads(calibration.read_text())["temperature"] if calibration.exists() else 1.0
        )
    scorer = LogitScorer(args.model, int8=args.int8)
    results: dict[str, object] = {
        "temperature": temperature,
        "format": "int8 (dynamic, linear layers)" if args.int8 else "float32",
    }
    if not args.skip_speed:
        results["pairs_per_s"] = {t: pairs_per_second(scorer, t) for t in (64, 128)}
        print(f"CPU pairs/s: {results['pairs_per_s']}", flush=True)

    def write(sets: dict[str, dict]) -> None:
        results["sets"] = sets
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=2))

    evaluate_all(
        scorer, args.data, temperature, sets=args.sets, max_rows=args.max_rows, on_result=write
    )


if __name__ == "__main__":
    main()
