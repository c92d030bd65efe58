"""Product-level verdict quality: course packs through the whole engine, as ``verify`` runs it.

    python -m bench.quality --quick            # a few minutes on 2 CPU cores
    python -m bench.quality                    # every evaluation claim
    python -m bench.quality --side tune        # the tuning side (fitting, sweeps)
    python -m bench.quality --model PATH --records var/bench/records.jsonl

Each pack's materials are ingested, indexed and checked exactly as
``manage.py verify`` does (``ingest_materials`` -> ``Verifier.index`` ->
``Verifier.verify``), with the shipped model unless ``--model`` is given.
Prints per-verdict precision / recall / F1, macro-F1, accuracy, the
false-contradiction rate, contradicted precision, the confidence's ECE,
claims/s and a confusion table, per family and overall.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.quality.packs import Pack, build_packs
from verification.engine import MaterialFile, ingest_materials
from verification.engine.types import (
    VERDICT_LABELS,
    ClaimResult,
    Report,
    claim_result_to_dict,
)

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "smartnotes-nli-minilm-l6"
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
QUICK_PACKS = {
    "fm2": 5,
    "wice": 5,
    "citation_integrity": 4,
    "climate_fever": 3,
    "healthver": 3,
    "scifact": 3,
    "handwritten": 99,
    "off_topic": 10,
}
SKIPPED = "skipped"
_SHORT = {
    "supported": "SUP",
    "partially_supported": "PART",
    "contradicted": "CON",
    "not_enough_evidence": "NEE",
}


@dataclass(frozen=True, slots=True)
class Record:
    family: str
    pack: str
    claim: str
    gold: str
    predicted: str
    """A verdict label, or ``skipped`` when the engine did not check the sentence."""
    confidence: float
    needs_review: bool
    result: dict | None


def run_pack(verifier, pack: Pack) -> tuple[list[Record], float]:
    """Verify one pack; returns a record per gold claim and the seconds it took."""
    started = time.perf_counter()
    ingest = ingest_materials(MaterialFile(n, t.encode("utf-8")) for n, t in pack.materials)
    index = verifier.index(ingest.passages)
    essay = pack.essay()
    report = verifier.verify(essay, index, material_errors=ingest.errors)
    elapsed = time.perf_counter() - started
    return _records(pack, essay, report), elapsed


def _records(pack: Pack, essay: str, report: Report) -> list[Record]:
    records = []
    cursor = 0
    for gold in pack.claims:
        start = essay.index(gold.text, cursor)
        end = start + len(gold.text)
        cursor = end
        inside = [r for r in report.claims if start <= r.claim.start < end]
        result = _paragraph_result(inside)
        records.append(
            Record(
                family=pack.family,
                pack=pack.name,
                claim=gold.text,
                gold=gold.label,
                predicted=result.label if result else SKIPPED,
                confidence=result.confidence if result else 1.0,
                needs_review=bool(result and getattr(result, "needs_review", False)),
                result=claim_result_to_dict(result) if result else None,
            )
        )
    return records


def _paragraph_result(results: Sequence[ClaimResult]) -> ClaimResult | None:
    """A paragraph the engine split into sentences reads as its most severe verdict."""
    if not results:
        return None
    severity = {"contradicted": 3, "partially_supported": 2, "supported": 1}
    return max(results, key=lambda r: (severity.get(r.label, 0), r.confidence))


def scored_label(record: Record) -> str:
    """A sentence the engine skipped tells the student nothing: it scores as not enough evidence."""
    return "not_enough_evidence" if record.predicted == SKIPPED else record.predicted


def summarise(records: Sequence[Record], seconds: float | None = None) -> dict:
    """Every figure of one set of records."""
    gold = [r.gold for r in records]
    pred = [scored_label(r) for r in records]
    per_label = {}
    for label in VERDICT_LABELS:
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        n_pred = pred.count(label)
        n_gold = gold.count(label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "gold": n_gold,
            "predicted": n_pred,
        }
    present = [label for label in VERDICT_LABELS if per_label[label]["gold"]]
    not_contra = [p for g, p in zip(gold, pred, strict=True) if g != "contradicted"]
    correct = [g == p for g, p in zip(gold, pred, strict=True)]
    summary = {
        "claims": len(records),
        "accuracy": sum(correct) / len(records) if records else 0.0,
        "macro_f1": sum(per_label[k]["f1"] for k in present) / len(present) if present else 0.0,
        "false_contradiction_rate": (
            not_contra.count("contradicted") / len(not_contra) if not_contra else 0.0
        ),
        "contradicted_precision": (
            per_label["contradicted"]["precision"]
            if per_label["contradicted"]["predicted"]
            else None
        ),
        "ece": expected_calibration_error([r.confidence for r in records], correct),
        "ece_by_verdict": {
            label: expected_calibration_error(
                [r.confidence for r, p in zip(records, pred, strict=True) if p == label],
                [c for c, p in zip(correct, pred, strict=True) if p == label],
            )
            for label in VERDICT_LABELS
            if label in pred
        },
        "skipped": sum(r.predicted == SKIPPED for r in records),
        "needs_review": sum(r.needs_review for r in records),
        "per_label": per_label,
        "confusion": dict(Counter(f"{g}>{p}" for g, p in zip(gold, pred, strict=True))),
    }
    if seconds is not None:
        summary["claims_per_s"] = len(records) / seconds if seconds else 0.0
    return summary


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """ECE of the verdict's confidence against whether the verdict was right."""
    if not confidences:
        return 0.0
    total = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if low < c <= high or (b == 0 and c == 0.0)]
        if members:
            accuracy = sum(correct[i] for i in members) / len(members)
            mean_conf = sum(confidences[i] for i in members) / len(members)
            total += len(members) / len(confidences) * abs(accuracy - mean_conf)
    return total


def format_table(by_family: dict[str, dict], overall: dict) -> str:
    """The results as a Markdown table, then the overall confusion table."""
    head = (
        "| set | claims | accuracy | macro-F1 | false-contradiction | CON precision | ECE | "
        "F1 SUP / PART / CON / NEE | skipped | review |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = [head]
    for name, s in [*by_family.items(), ("**all**", overall)]:
        precision = s["contradicted_precision"]
        f1s = " / ".join(
            f"{s['per_label'][k]['f1']:.2f}" if s["per_label"][k]["gold"] else "-"
            for k in VERDICT_LABELS
        )
        rows.append(
            f"| {name} | {s['claims']} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} | "
            f"{s['false_contradiction_rate']:.3f} | "
            f"{'-' if precision is None else f'{precision:.3f}'} | {s['ece']:.3f} | {f1s} | "
            f"{s['skipped']} | {s['needs_review']} |"
        )
    rows.append("")
    rows.append("Confusion (rows gold, columns predicted; skipped counts as NEE):")
    rows.append("| gold \\ predicted | " + " | ".join(_SHORT[k] for k in VERDICT_LABELS) + " |")
    rows.append("|---" * (len(VERDICT_LABELS) + 1) + "|")
    for g in VERDICT_LABELS:
        cells = [str(overall["confusion"].get(f"{g}>{p}", 0)) for p in VERDICT_LABELS]
        rows.append(f"| {_SHORT[g]} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def build_verifier(model: Path, device: str, cpu_dtype: str = "auto", decision: bool = True):
    """The engine exactly as the product builds it (NLI model, its fitted decision,
    embedder), without the Django cache."""
    from verification.engine import (
        HfNliScorer,
        SentenceTransformerEmbedder,
        Verifier,
        load_decision,
    )

    scorer = HfNliScorer(model, device=device, cpu_dtype=cpu_dtype)  # type: ignore[arg-type]
    embedder = SentenceTransformerEmbedder(
        device="cuda" if scorer.device.startswith("cuda") else "cpu"
    )
    return Verifier(scorer, embedder, decision=load_decision(model) if decision else None)


def run(
    data: Path,
    *,
    side: str = "eval",
    quick: bool = False,
    seed: int = 13,
    model: Path = DEFAULT_MODEL,
    device: str = "auto",
    cpu_dtype: str = "auto",
    families: Sequence[str] = (),
    verifier=None,
) -> tuple[dict[str, dict], dict, list[Record]]:
    """Build the packs, verify them, and summarise per family and overall."""
    packs = build_packs(data, side, seed)  # type: ignore[arg-type]
    if families:
        packs = {k: v for k, v in packs.items() if k in families}
    if quick:
        rng = random.Random(seed)  # noqa: S311 (seeded sampling, not security)
        packs = {
            k: rng.sample(v, min(len(v), QUICK_PACKS.get(k, 3))) if v else v
            for k, v in packs.items()
        }
    verifier = verifier or build_verifier(model, device, cpu_dtype)
    by_family: dict[str, dict] = {}
    everything: list[Record] = []
    seconds_total = 0.0
    for family, family_packs in packs.items():
        records: list[Record] = []
        seconds = 0.0
        for pack in family_packs:
            pack_records, elapsed = run_pack(verifier, pack)
            records += pack_records
            seconds += elapsed
        by_family[family] = summarise(records, seconds)
        everything += records
        seconds_total += seconds
    return by_family, summarise(everything, seconds_total), everything


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--side", choices=["eval", "tune"], default="eval")
    parser.add_argument("--quick", action="store_true", help="a sample of packs per family")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--cpu-dtype", choices=["auto", "bf16", "fp32"], default="auto")
    parser.add_argument("--family", action="append", default=[], help="only these families")
    parser.add_argument("--records", type=Path, help="write every claim's record (JSONL)")
    parser.add_argument("--json", type=Path, help="write the summary (JSON)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    by_family, overall, records = run(
        args.data,
        side=args.side,
        quick=args.quick,
        seed=args.seed,
        model=args.model,
        device=args.device,
        cpu_dtype=args.cpu_dtype,
        families=args.family,
    )
    mode = "quick" if args.quick else "full"
    print(
        f"Verdict quality, {args.side} side, {mode} mode, model {args.model.name}, "
        f"CPU dtype {args.cpu_dtype}"
    )
    print(format_table(by_family, overall))
    print(
        f"\n{overall['claims']} claims, {overall.get('claims_per_s', 0):.2f} claims/s "
        f"(ingest + index + verify), wall {time.perf_counter() - started:.0f} s"
    )
    if args.records:
        args.records.parent.mkdir(parents=True, exist_ok=True)
        with args.records.open("w", encoding="utf-8") as handle:
            for r in records:
                handle.write(json.dumps(_as_dict(r)) + "\n")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"families": by_family, "overall": overall}, indent=1))


def _as_dict(record: Record) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}


if __name__ == "__main__":
    main()
