"""Loaders for the commercially usable NLI training pool in ``shared/data``.

Every loader reads the files verbatim from a data root given at run time and
returns :class:`NliPair` rows with the 3-way label scheme
``entailment | neutral | contradiction``. Nothing here imports Django or torch.

Pool (see ``shared/data/README.md``):

* ``mnli_dev_matched``: MultiNLI dev-matched, raw text.
* ``esnli``: SNLI dev + test (no-consensus items already removed), PTB-tokenised.
* ``cad_nli/all_combined``: counterfactually augmented SNLI, train + dev + test.
* ``fever_rte``: FEVER SUPPORTS/REFUTES pairs; ``not_entailment`` there means
  REFUTES (NOT ENOUGH INFO was dropped upstream), so it maps to ``contradiction``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from verification.training.text import detokenize_ptb, match_key

NliLabel = Literal["entailment", "neutral", "contradiction"]
NLI_LABELS: tuple[NliLabel, ...] = ("entailment", "neutral", "contradiction")
LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(NLI_LABELS)}

# FEVER-RTE is 2-way. Its negative class is FEVER REFUTES, i.e. a contradiction.
FEVER_RTE_LABELS: dict[str, NliLabel] = {
    "entailment": "entailment",
    "not_entailment": "contradiction",
}


@dataclass(frozen=True, slots=True)
class NliPair:
    """One premise/hypothesis pair with a 3-way label and the corpus it came from."""

    premise: str
    hypothesis: str
    label: NliLabel
    source: str


class DataFormatError(ValueError):
    """A data file does not have the layout its loader expects."""


def _nli_label(raw: str, where: str) -> NliLabel:
    label = raw.strip().lower()
    if label not in LABEL2ID:
        raise DataFormatError(f"{where}: unknown label {raw!r}; expected one of {NLI_LABELS}")
    return label  # type: ignore[return-value]


def _read_lines(path: Path) -> list[str]:
    # Split on "\n" only: some corpora contain U+2028 and other characters that
    # str.splitlines() would treat as line breaks, which misaligns parallel files.
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _parallel(paths: Sequence[Path]) -> Iterable[tuple[str, ...]]:
    columns = [_read_lines(p) for p in paths]
    lengths = {len(c) for c in columns}
    if len(lengths) != 1:
        names = ", ".join(f"{p.name}={len(c)}" for p, c in zip(paths, columns, strict=True))
        raise DataFormatError(f"parallel files have different line counts: {names}")
    return zip(*columns, strict=True)


def load_mnli_dev_matched(root: Path) -> list[NliPair]:
    """MultiNLI dev-matched (9,815 pairs) from the McCoy et al. TSV."""
    path = root / "mnli_dev_matched" / "mnli_development_set_number_of_correct_responses.txt"
    pairs = []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if header[1:4] != ["premise", "hypothesis", "gold_label"]:
            raise DataFormatError(f"{path}: unexpected header {header}")
        for row in reader:
            label = _nli_label(row[3], str(path))
            pairs.append(NliPair(row[1].strip(), row[2].strip(), label, "mnli"))
    return pairs


def load_esnli(root: Path, splits: Sequence[str] = ("dev", "test")) -> list[NliPair]:
    """SNLI dev/test as shipped by e-SNLI, detokenised."""
    folder = root / "esnli"
    pairs = []
    for split in splits:
        files = [folder / f"{name}.{split}" for name in ("s1", "s2", "labels")]
        for premise, hypothesis, raw_label in _parallel(files):
            label = _nli_label(raw_label, str(files[2]))
            pairs.append(
                NliPair(detokenize_ptb(premise), detokenize_ptb(hypothesis), label, "esnli")
            )
    return pairs


def load_cad_nli(
    root: Path, splits: Sequence[str] = ("train", "dev", "test"), subset: str = "all_combined"
) -> list[NliPair]:
    """Counterfactually augmented SNLI (``all_combined`` = originals + minimal edits)."""
    pairs = []
    for split in splits:
        path = root / "cad_nli" / subset / f"{split}.tsv"
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = [h.strip().lower() for h in next(reader)]
            if header[:3] != ["sentence1", "sentence2", "gold_label"]:
                raise DataFormatError(f"{path}: unexpected header {header}")
            for row in reader:
                if len(row) < 3:
                    continue
                label = _nli_label(row[2], str(path))
                pairs.append(NliPair(row[0].strip(), row[1].strip(), label, "cad"))
    return pairs


def load_fever_rte(root: Path) -> list[NliPair]:
    """FEVER-RTE dev: gold evidence vs claim; REFUTES (``not_entailment``) -> contradiction."""
    folder = root / "fever_rte"
    files = [folder / name for name in ("dev.raw.input0", "dev.raw.input1", "dev.label")]
    pairs = []
    for evidence, claim, raw_label in _parallel(files):
        key = raw_label.strip().lower()
        if key not in FEVER_RTE_LABELS:
            raise DataFormatError(f"{files[2]}: unknown label {raw_label!r}")
        pairs.append(
            NliPair(detokenize_ptb(evidence), detokenize_ptb(claim), FEVER_RTE_LABELS[key], "fever")
        )
    return pairs


def fever_rte_claim_keys(root: Path) -> frozenset[str]:
    """`text.match_key` of every FEVER-RTE claim (to tell FEVER claims seen in training)."""
    lines = _read_lines(root / "fever_rte" / "dev.raw.input1")
    return frozenset(match_key(detokenize_ptb(line)) for line in lines)


def fever_unrelated_neutrals(pairs: Sequence[NliPair], count: int, seed: int) -> list[NliPair]:
    """Pair FEVER claims with another claim's evidence as ``neutral`` examples.

    FEVER-RTE has no NOT ENOUGH INFO class, so without these the model would
    learn that long Wikipedia evidence is never neutral. A random other
    evidence text is almost surely unrelated; an evidence text shared with the
    claim (FEVER reuses evidence across mutated claims) is never picked.
    """
    fever = [p for p in pairs if p.source == "fever"]
    if len(fever) < 2 or count <= 0:
        return []
    rng = random.Random(seed)  # noqa: S311 (seeded data shuffling, not security)
    out: list[NliPair] = []
    while len(out) < count:
        claim_pair, evidence_pair = rng.sample(fever, 2)
        if claim_pair.premise == evidence_pair.premise:
            continue
        out.append(
            NliPair(evidence_pair.premise, claim_pair.hypothesis, "neutral", "fever_unrelated")
        )
    return out


def load_training_pool(root: Path, *, fever_neutrals: int = 0, seed: int = 0) -> list[NliPair]:
    """The whole commercial pool, optionally with sampled FEVER neutrals."""
    pairs = load_mnli_dev_matched(root) + load_esnli(root) + load_cad_nli(root)
    fever = load_fever_rte(root)
    return pairs + fever + fever_unrelated_neutrals(fever, fever_neutrals, seed)


def group_key(pair: NliPair) -> str:
    """Pairs that share a premise (SNLI/CAD) or a claim (FEVER) land in one split."""
    if pair.source.startswith("fever"):
        return "claim:" + pair.hypothesis
    return "premise:" + pair.premise


def split_train_validation(
    pairs: Sequence[NliPair], validation_fraction: float, seed: int
) -> tuple[list[NliPair], list[NliPair]]:
    """Seeded group-aware split: a premise (or FEVER claim) never crosses splits.

    Keeping near-duplicates (CAD's minimal edits share a premise) out of the
    validation set keeps early stopping and the calibration temperature honest.
    """
    keys = sorted({group_key(p) for p in pairs})
    rng = random.Random(seed)  # noqa: S311 (seeded data shuffling, not security)
    rng.shuffle(keys)
    n_val = round(len(keys) * validation_fraction)
    val_keys = set(keys[:n_val])
    train = [p for p in pairs if group_key(p) not in val_keys]
    val = [p for p in pairs if group_key(p) in val_keys]
    return train, val
