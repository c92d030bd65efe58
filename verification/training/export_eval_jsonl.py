"""Write the shared evaluation sets as evaluate_verifier JSONL files.

    python -m verification.training.export_eval_jsonl --data /work/shared/data --out var/eval

``var/`` is git-ignored: the data stay in ``shared/data`` and are never committed.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from verification.training.eval_datasets import EVAL_SETS
from verification.training.evaluation import write_jsonl


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--out", type=Path, default=Path("var/eval"))
    parser.add_argument("--sets", nargs="*", choices=sorted(EVAL_SETS), default=sorted(EVAL_SETS))
    args = parser.parse_args(argv)
    for name in args.sets:
        rows = EVAL_SETS[name](args.data)
        path = args.out / f"{name}.jsonl"
        write_jsonl(rows, path)
        print(f"{path}: {len(rows)} rows")


if __name__ == "__main__":
    main()
