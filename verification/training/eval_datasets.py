"""Loaders for the held-out evaluation sets in ``shared/data``.

Each loader returns :class:`EvalRow` objects in the verdict vocabulary of the
app (``supported | contradicted | not_enough_evidence | partially_supported``),
which is also the JSONL format that ``manage.py evaluate_verifier`` reads.
None of these sets may be used for training or tuning.
"""

from __future__ import annotations

import csv
import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from verification.training.datasets import DataFormatError, fever_rte_claim_keys
from verification.training.text import detokenize_ptb, match_key
from verification.training.tuning import tuning_ids

Verdict = Literal["supported", "contradicted", "not_enough_evidence", "partially_supported"]
VERDICTS: tuple[Verdict, ...] = (
    "supported",
    "contradicted",
    "not_enough_evidence",
    "partially_supported",
)

_XNLI = {"0": "supported", "1": "not_enough_evidence", "2": "contradicted"}
_FEVER = {
    "SUPPORTS": "supported",
    "REFUTES": "contradicted",
    "NOT_ENOUGH_INFO": "not_enough_evidence",
}
_HEALTHVER = {"supports": "supported", "refutes": "contradicted", "neutral": "not_enough_evidence"}
# SciFact-RTE's not_entailment items are CONTRADICT rationales (there is no NEI).
_SCIFACT = {"entailment": "supported", "not_entailment": "contradicted"}
_WICE = {
    "supported": "supported",
    "partially_supported": "partially_supported",
    "not_supported": "not_enough_evidence",
}
# WiCE claims cite whole web pages; more alternative evidence sets than this add
# little and dominate the run time.
WICE_MAX_EVIDENCE_SETS = 8
WICE_FALLBACK_SENTENCES = 3


@dataclass(frozen=True, slots=True)
class EvalRow:
    """A claim, the passage(s) to check it against, and its gold verdict."""

    claim: str
    passages: tuple[str, ...]
    label: Verdict

    def to_json(self) -> dict[str, object]:
        if len(self.passages) == 1:
            return {"claim": self.claim, "evidence": self.passages[0], "label": self.label}
        return {"claim": self.claim, "passages": list(self.passages), "label": self.label}


def _map(table: dict[str, str], raw: str, where: str) -> Verdict:
    try:
        return table[raw]  # type: ignore[return-value]
    except KeyError:
        raise DataFormatError(f"{where}: unknown label {raw!r}; expected {sorted(table)}") from None


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_xnli_en_validation(root: Path) -> list[EvalRow]:
    """XNLI English validation (2,490 pairs, 3-way; CC BY-NC: evaluation only)."""
    path = root / "xnli_en" / "xnli_validation_en.tar.gz"
    with tarfile.open(path) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(".tsv"))
        raw = tar.extractfile(member)
        if raw is None:
            raise DataFormatError(f"{path}: {member.name} is not a file")
        text = raw.read().decode("utf-8")
    reader = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    return [
        EvalRow(
            r["hypothesis"].strip(), (r["premise"].strip(),), _map(_XNLI, r["label"], str(path))
        )
        for r in reader
    ]


def load_fever_symmetric(root: Path, split: str = "test") -> list[EvalRow]:
    """FEVER-Symmetric v0.2 (2-way SUPPORTS/REFUTES), PTB text detokenised."""
    path = root / "fever_symmetric" / "symmetric_v0.2" / f"fever_symmetric_{split}.jsonl"
    return [
        EvalRow(
            detokenize_ptb(r["claim"]),
            (detokenize_ptb(r["evidence"]),),
            _map(_FEVER, r["gold_label"], str(path)),
        )
        for r in _jsonl(path)
    ]


def load_healthver(root: Path, split: str = "dev") -> list[EvalRow]:
    """HealthVer claim/abstract-passage pairs (3-way)."""
    path = root / "healthver" / f"healthver_{split}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return [
            EvalRow(
                r["claim"].strip(),
                (r["evidence"].strip(),),
                _map(_HEALTHVER, r["label"].strip().lower(), str(path)),
            )
            for r in csv.DictReader(f)
        ]


def load_climate_fever_pairs(root: Path) -> list[EvalRow]:
    """Climate-FEVER claim/sentence pairs with their per-pair labels (3-way)."""
    path = root / "climate_fever" / "climate-fever.jsonl"
    return [
        EvalRow(
            claim["claim"].strip(),
            (ev["evidence"].strip(),),
            _map(_FEVER, ev["evidence_label"], str(path)),
        )
        for claim in _jsonl(path)
        for ev in claim["evidences"]
    ]


def load_scifact_rte(root: Path, split: str = "dev") -> list[EvalRow]:
    """SciFact-RTE rationale/claim pairs (2-way). Columns are picked by position."""
    path = root / "scifact" / "RTE-scifact" / f"{split}.tsv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        return [
            EvalRow(row[2].strip(), (row[1].strip(),), _map(_SCIFACT, row[3].strip(), str(path)))
            for row in reader
            if row
        ]


def load_fever_symmetric_unseen(root: Path) -> list[EvalRow]:
    """FEVER-Symmetric v0.2 test without the 426 claims that also occur in ``fever_rte/``
    (a training set): the 286 the model never saw."""
    seen = fever_rte_claim_keys(root)
    return [r for r in load_fever_symmetric(root) if match_key(r.claim) not in seen]


def load_fm2(root: Path, split: str = "dev") -> list[EvalRow]:
    """FM2 dev's evaluation half (the tuning half trains): claims against their gold
    evidence sentences, joined (2-way)."""
    path = root / "fm2" / f"{split}.jsonl"
    tuning = tuning_ids("fm2_dev_tuning")
    return [
        EvalRow(
            r["text"].strip(),
            (" ".join(e["text"].strip() for e in r["gold_evidence"]),),
            _map(_FEVER, r["label"], str(path)),
        )
        for r in _jsonl(path)
        if r.get("id") not in tuning
    ]


def load_wice_claims(root: Path, split: str = "dev") -> list[EvalRow]:
    """WiCE claims, one passage per annotated supporting-sentence set (claim level).

    Any one supporting set suffices for the annotators' label, so the claim is
    scored against each set and the scores are aggregated per claim. Claims
    with no annotated set (most ``not_supported`` ones) are scored against the
    opening sentences of the cited page, three at a time.
    """
    path = root / "wice" / "entailment_retrieval_claim" / f"{split}.jsonl"
    tuning = tuning_ids("wice_dev_tuning")
    rows = []
    for r in _jsonl(path):
        if r.get("meta", {}).get("id") in tuning:
            continue
        passages: list[str] = []
        for indices in r["supporting_sentences"]:
            text = " ".join(r["evidence"][i].strip() for i in indices)
            if text and text not in passages:
                passages.append(text)
        if not passages:
            sentences = [s.strip() for s in r["evidence"] if s.strip()]
            passages = [
                " ".join(sentences[i : i + WICE_FALLBACK_SENTENCES])
                for i in range(0, len(sentences), WICE_FALLBACK_SENTENCES)
            ]
        rows.append(
            EvalRow(
                r["claim"].strip(),
                tuple(passages[:WICE_MAX_EVIDENCE_SETS]),
                _map(_WICE, r["label"], str(path)),
            )
        )
    return rows


EVAL_SETS: dict[str, Callable[[Path], list[EvalRow]]] = {
    "xnli_en_validation": load_xnli_en_validation,
    "fever_symmetric_v02_test": load_fever_symmetric,
    "fever_symmetric_v02_test_unseen": load_fever_symmetric_unseen,
    "healthver_dev": load_healthver,
    "climate_fever_pairs": load_climate_fever_pairs,
    "scifact_rte_dev": load_scifact_rte,
    "fm2_dev_eval_half": load_fm2,
    "wice_dev_eval_half_claims": load_wice_claims,
}
