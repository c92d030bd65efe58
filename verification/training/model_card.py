"""Render the model card's evaluation table from ``evaluate.py``'s JSON report.

python -m verification.training.model_card var/eval/report.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

ROWS = (
    ("xnli_en_validation", "XNLI-en validation", "3-way accuracy", "accuracy"),
    ("fever_symmetric_v02_test", "FEVER-Symmetric v0.2 test", "2-way accuracy", "accuracy"),
    (
        "fever_symmetric_v02_test_unseen",
        "FEVER-Symmetric v0.2 test, claims not in fever_rte",
        "2-way accuracy",
        "accuracy",
    ),
    ("healthver_dev", "HealthVer dev (pairs)", "3-way macro-F1", "macro_f1"),
    ("climate_fever_pairs", "Climate-FEVER (pairs)", "3-way macro-F1", "macro_f1"),
    ("scifact_rte_dev", "SciFact-RTE dev", "2-way accuracy", "accuracy"),
    ("fm2_dev_eval_half", "FM2 dev, evaluation half (gold evidence)", "2-way accuracy", "accuracy"),
    (
        "wice_dev_eval_half_claims",
        "WiCE dev, evaluation half (claim level)",
        "3-way macro-F1 (sup/partial/NEE)",
        "macro_f1",
    ),
)


def render_table(report: dict) -> str:
    """Markdown table: one row per evaluation set, ECE before/after calibration."""
    sets = report["sets"]
    lines = [
        "| set | n | metric | value | accuracy | macro-F1 | ECE raw | ECE calibrated |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, title, metric_name, metric in ROWS:
        if key not in sets:
            continue
        raw, cal = sets[key]["raw"], sets[key]["calibrated"]
        lines.append(
            f"| {title} | {cal['n']} | {metric_name} | **{100 * cal[metric]:.1f}** | "
            f"{100 * cal['accuracy']:.1f} | {100 * cal['macro_f1']:.1f} | "
            f"{raw['ece']:.3f} | {cal['ece']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text())
    print(render_table(report))
    if "pairs_per_s" in report:
        print()
        print("CPU pairs/s:", json.dumps(report["pairs_per_s"]))


if __name__ == "__main__":
    main()
