"""python manage.py evaluate_verifier --data FILE.jsonl [--model PATH] [--limit N]

JSONL format, one object per line::

    {"claim": "...", "evidence": "one passage", "label": "supported"}
    {"claim": "...", "passages": ["passage 1", "passage 2"], "label": "partially_supported"}

``label`` is one of supported | contradicted | not_enough_evidence |
partially_supported. Rows with several passages are aggregated per claim
(see ``verification.training.evaluation.aggregate_claim``). Files for the
shared evaluation sets are written by
``python -m verification.training.export_eval_jsonl`` (under ``var/eval/``).
"""

import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Score a labelled JSONL file with the NLI model and print accuracy, F1, ECE, speed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, required=True, metavar="FILE.jsonl")
        parser.add_argument(
            "--model",
            type=Path,
            default=None,
            help="model directory (default: SMARTNOTES_NLI_MODEL, the shipped model)",
        )
        parser.add_argument("--limit", type=int, default=0, help="score only the first N rows")
        parser.add_argument(
            "--mode",
            choices=["nli3", "two_way", "claim"],
            default=None,
            help="scoring mode (default: inferred from the labels and passages)",
        )
        parser.add_argument("--max-length", type=int, default=128)
        parser.add_argument("--batch-size", type=int, default=32)
        parser.add_argument("--device", default="cpu")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: object, **options: object) -> None:
        from verification.engine.errors import VerificationError
        from verification.engine.nli import HfNliScorer
        from verification.training.evaluation import (
            evaluate_rows,
            flatten_pairs,
            format_report,
            read_jsonl,
        )

        data: Path = options["data"]  # type: ignore[assignment]
        model = options["model"] or Path(settings.SMARTNOTES_NLI_MODEL)
        try:
            rows = read_jsonl(data)
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"cannot read {data}: {exc}") from exc
        if options["limit"]:
            rows = rows[: options["limit"]]  # type: ignore[misc]
        if not rows:
            raise CommandError(f"{data} has no rows")
        try:
            scorer = HfNliScorer(
                model,
                device=options["device"],  # type: ignore[arg-type]
                batch_size=options["batch_size"],  # type: ignore[arg-type]
                max_length=options["max_length"],  # type: ignore[arg-type]
            )
        except VerificationError as exc:
            raise CommandError(str(exc)) from exc
        pairs = flatten_pairs(rows)
        started = time.perf_counter()
        scores = scorer.score(pairs)
        pairs_per_s = len(pairs) / (time.perf_counter() - started)
        probs = [(s.entailment, s.neutral, s.contradiction) for s in scores]
        try:
            report = evaluate_rows(rows, probs, options["mode"])  # type: ignore[arg-type]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        report.update(
            model_version=scorer.model_version,
            temperature=scorer.temperature,
            pairs=len(pairs),
            pairs_per_s=pairs_per_s,
        )
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(format_report(data.name, report, pairs_per_s))
        self.stdout.write(
            f"  model {scorer.model_version}, temperature {scorer.temperature:.3f} "
            "(ECE is after this calibration)"
        )
