"""NLI pairs/s at a fixed pair length through the scorer, float32 and bfloat16 side by side.

    python -m bench.nli_throughput                  # 128 tokens, batch 64, 2 threads
    python -m bench.nli_throughput --tokens 64 --rounds 5

Each round times every precision once, in turn, so a noisy shared machine
slows both alike; the median of the rounds is printed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from verification.engine.nli import HfNliScorer, cpu_supports_bf16

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "smartnotes-nli-minilm-l6"


def pairs_of_length(scorer: HfNliScorer, tokens: int, count: int) -> list[tuple[str, str]]:
    """``count`` (premise, claim) pairs that tokenize to exactly ``tokens`` tokens."""
    claim = "Evaporation over the oceans drives most of the water cycle."
    words = ("Energy from the Sun heats water in oceans lakes and rivers " * 40).split()
    premise = " ".join(words)
    ids = scorer.tokenizer(premise, claim, truncation="only_first", max_length=tokens)
    if len(ids["input_ids"]) != tokens:
        raise ValueError(f"could not build {tokens}-token pairs")
    return [(premise, claim)] * count


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    dtypes = ["fp32", "bf16"] if cpu_supports_bf16() else ["fp32"]
    scorers = {
        d: HfNliScorer(
            args.model,
            device="cpu",
            batch_size=args.batch,
            max_length=args.tokens,
            num_threads=args.threads,
            cpu_dtype=d,  # type: ignore[arg-type]
        )
        for d in dtypes
    }
    pairs = pairs_of_length(scorers["fp32"], args.tokens, args.pairs)
    rates: dict[str, list[float]] = {d: [] for d in dtypes}
    for scorer in scorers.values():
        scorer.score(pairs[: args.batch])  # warm-up
    for _ in range(args.rounds):
        for d, scorer in scorers.items():
            started = time.perf_counter()
            scorer.score(pairs)
            rates[d].append(len(pairs) / (time.perf_counter() - started))
    print(
        f"{args.model.name}: {args.tokens} tokens a pair, batch {args.batch}, "
        f"{args.threads} threads, {args.rounds} rounds"
    )
    for d in dtypes:
        print(
            f"  {d}: {statistics.median(rates[d]):.1f} pairs/s "
            f"(rounds: {', '.join(f'{r:.1f}' for r in rates[d])})"
        )


if __name__ == "__main__":
    main()
