"""The 2026-12 training pool: the commercial NLI pool plus pairs shaped like the product's.

Adds to ``datasets.load_training_pool`` (see ``shared/data/README.md``):

* ``docnli_binary`` FEVER: claims whose *retrieved* evidence does not settle
  them (FEVER NOT ENOUGH INFO: absent from ``fever_rte``) -> ``neutral``.
  The "related but silent" evidence the old model almost never saw.
* ``docnli_binary`` MNLI dev-mismatched (pairs not in dev-matched): 2-way
  labels; ``not_entailment`` is trained with a partial-label loss
  (-log(p_neutral + p_contradiction)), so it never forces a guess.
* ``breaking_nli``: one changed word (number, colour, nationality, antonym),
  capped per category because 87 % is contradiction.
* The NLI share (``tuning.for_decision`` false) of the tuning halves of FM2 dev
  and WiCE dev and of Citation-Integrity train: claim vs its gold evidence, and
  **retrieval-mined hard neutrals**: other sentences of the same page that the
  engine's own retriever ranks highest but that are not evidence.

Everything is written to one gzipped JSONL file, so a GPU machine can train
from it without ``shared/`` or the embedder::

    python -m verification.training.product_pool --out training-runs/pool-v2.jsonl.gz
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import random
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

from verification.training.datasets import NliPair, fever_rte_claim_keys, load_training_pool
from verification.training.text import detokenize_ptb, match_key
from verification.training.tuning import for_decision, tuning_ids

NOT_ENTAILMENT = "not_entailment"
"""Partial label: neutral or contradiction, the data does not say which."""

_CITATION_MARK = re.compile(r"\s*\[?<\|(?:multi_cit|other_cit)\|>\]?")


def _pair(premise: str, hypothesis: str, label: str, source: str) -> NliPair:
    return NliPair(" ".join(premise.split()), " ".join(hypothesis.split()), label, source)  # type: ignore[arg-type]


def docnli_fever_neutrals(root: Path) -> list[NliPair]:
    """FEVER NOT ENOUGH INFO claims with their retrieved (non-committal) evidence."""
    fever_claims = fever_rte_claim_keys(root)
    pairs = []
    for split in ("dev", "test"):
        path = root / "docnli_binary" / "binary-FEVER-NLI" / f"{split}.txt"
        for line in path.read_text(encoding="utf-8").split("\n"):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3 or fields[0] != "not_entailment":
                continue
            claim = detokenize_ptb(fields[2])
            if match_key(claim) in fever_claims:
                continue
            pairs.append(_pair(detokenize_ptb(fields[1]), claim, "neutral", "docnli_fever_nei"))
    return pairs


def docnli_mnli_mismatched(root: Path) -> list[NliPair]:
    """MultiNLI dev-mismatched pairs (those not in dev-matched), 2-way labels."""
    matched = set()
    mnli = root / "mnli_dev_matched" / "mnli_development_set_number_of_correct_responses.txt"
    with mnli.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            matched.add(match_key(row[1]) + "|" + match_key(row[2]))
    pairs = []
    for split in ("dev", "test"):
        path = root / "docnli_binary" / "binary-MNLI" / f"{split}.txt"
        for line in path.read_text(encoding="utf-8").split("\n"):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3 or match_key(fields[1]) + "|" + match_key(fields[2]) in matched:
                continue
            label = "entailment" if fields[0] == "entailment" else NOT_ENTAILMENT
            pairs.append(_pair(fields[1], fields[2], label, "mnli_mismatched"))
    return pairs


def breaking_nli(root: Path, per_category: int, seed: int) -> list[NliPair]:
    """Breaking NLI, at most ``per_category`` pairs of each category and label."""
    with zipfile.ZipFile(root / "breaking_nli" / "breaking_nli_dataset.zip") as archive:
        name = next(n for n in archive.namelist() if n.endswith("dataset.jsonl"))
        rows = [json.loads(line) for line in io.TextIOWrapper(archive.open(name), "utf-8")]
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["category"], row["gold_label"])].append(row)
    rng = random.Random(seed)  # noqa: S311 (seeded sampling, not security)
    pairs = []
    for key in sorted(groups):
        chosen = groups[key]
        rng.shuffle(chosen)
        for row in chosen[:per_category]:
            pairs.append(_pair(row["sentence1"], row["sentence2"], row["gold_label"], "breaking"))
    return pairs


def _claim_text(text: str) -> str:
    return " ".join(_CITATION_MARK.sub("", detokenize_ptb(text)).split())


class HardNeutralMiner:
    """Ranks a page's sentences for a claim with the engine's own retriever.

    Jobs are collected first and every text is embedded in one batched pass
    (per-claim encoder calls cost more than the encoding itself); each claim is
    then ranked exactly as `retrieval.retrieve` ranks passages: dense + BM25,
    fused by reciprocal rank.
    """

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.jobs: list[tuple[str, list[str], str, int]] = []

    def add(
        self, claim: str, sentences: Sequence[str], exclude: set[int], k: int, source: str
    ) -> None:
        candidates = [
            s for i, s in enumerate(sentences) if i not in exclude and len(s.split()) >= 5
        ]
        if candidates and k > 0:
            self.jobs.append((claim, candidates, source, k))

    def mine(self) -> list[NliPair]:
        import numpy as np

        from verification.engine.retrieval import CorpusIndex, retrieve
        from verification.engine.types import Passage, SourceLocation

        texts = sorted({t for claim, cands, _, _ in self.jobs for t in (claim, *cands)})
        vectors = dict(zip(texts, self.embedder.encode(texts), strict=True))
        cached = _PrecomputedEmbedder(vectors, self.embedder.model_version)
        pairs = []
        for claim, candidates, source, k in self.jobs:
            passages = tuple(
                Passage(str(i), s, SourceLocation("page")) for i, s in enumerate(candidates)
            )
            matrix = np.stack([vectors[s] for s in candidates])
            index = CorpusIndex(passages, matrix, "mined", self.embedder.model_version)
            for hit in retrieve(index, [claim], cached, top_k=k)[0]:
                pairs.append(_pair(candidates[hit.passage_index], claim, "neutral", source))
        self.jobs.clear()
        return pairs


class _PrecomputedEmbedder:
    def __init__(self, vectors: dict, model_version: str) -> None:
        self.vectors = vectors
        self.model_version = model_version

    def encode(self, texts: Sequence[str]):
        import numpy as np

        return np.stack([self.vectors[t] for t in texts])


def fm2_tuning(root: Path, miner: HardNeutralMiner, neutrals_per_claim: int) -> list[NliPair]:
    """FM2 tuning half: gold evidence vs claim, plus mined hard neutrals."""
    ids = tuning_ids("fm2_dev_tuning")
    pairs = []
    for line in (root / "fm2" / "dev.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["id"] not in ids or for_decision("fm2", row["id"]):
            continue
        claim = _claim_text(row["text"])
        gold = [e["text"] for e in row["gold_evidence"]]
        label = "entailment" if row["label"] == "SUPPORTS" else "contradiction"
        pairs.append(_pair(" ".join(gold), claim, label, "fm2_tune"))
        sentences = [e["text"] for e in row["retrieved_evidence"]]
        gold_norm = {match_key(g) for g in gold}
        exclude = {i for i, s in enumerate(sentences) if match_key(s) in gold_norm}
        miner.add(claim, sentences, exclude, neutrals_per_claim, "fm2_tune_hard_neutral")
    return pairs


def wice_tuning(root: Path, miner: HardNeutralMiner, neutrals_per_claim: int) -> list[NliPair]:
    """WiCE tuning half: supporting sentences (entailment when fully supported, else
    neutral: part of the claim is missing), plus mined hard neutrals."""
    ids = tuning_ids("wice_dev_tuning")
    pairs = []
    path = root / "wice" / "entailment_retrieval_claim" / "dev.jsonl"
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        if row["meta"]["id"] not in ids or for_decision("wice", row["meta"]["id"]):
            continue
        claim = _claim_text(row["claim"])
        sentences = row["evidence"]
        evidence_sets = row["supporting_sentences"]
        used = {i for group in evidence_sets for i in group}
        label = "entailment" if row["label"] == "supported" else "neutral"
        for group in evidence_sets[:2]:
            premise = " ".join(sentences[i] for i in sorted(group) if i < len(sentences))
            if premise:
                pairs.append(_pair(premise, claim, label, "wice_tune"))
        miner.add(claim, sentences[:150], used, neutrals_per_claim, "wice_tune_hard_neutral")
    return pairs


def citation_integrity_train(
    root: Path, miner: HardNeutralMiner, neutrals_per_claim: int
) -> list[NliPair]:
    """Citation-Integrity train: rationale sentences vs citing sentence, plus hard neutrals."""
    corpus = {}
    for line in (root / "citation_integrity" / "corpus.jsonl").open(encoding="utf-8"):
        doc = json.loads(line)
        corpus[doc["doc_id"]] = doc["abstract"]
    to_label = {"SUPPORT": "entailment", "REFUTE": "contradiction"}
    pairs = []
    for line in (root / "citation_integrity" / "claims_train.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if for_decision("citation_integrity", row["id"]):
            continue
        claim = _claim_text(row["claim"])
        for doc_id in row["cited_doc_ids"]:
            abstract = corpus[int(doc_id)]
            used: set[int] = set()
            for ev in row["evidence"].get(str(doc_id), []):
                used |= set(ev["sentences"])
                premise = " ".join(abstract[i] for i in ev["sentences"] if i < len(abstract))
                if premise and ev["label"] in to_label:
                    pairs.append(_pair(premise, claim, to_label[ev["label"]], "citint_train"))
            miner.add(claim, abstract, used, neutrals_per_claim, "citint_train_hard_neutral")
    return pairs


def product_pool(root: Path, *, seed: int = 13, breaking_per_category: int = 120) -> list[NliPair]:
    """Every pair of the 2026-12 pool (see the module docstring)."""
    from verification.engine.retrieval import SentenceTransformerEmbedder

    miner = HardNeutralMiner(SentenceTransformerEmbedder())
    labelled = (
        fm2_tuning(root, miner, 2)
        + wice_tuning(root, miner, 2)
        + citation_integrity_train(root, miner, 1)
    )
    return (
        load_training_pool(root, fever_neutrals=2000, seed=seed)
        + docnli_fever_neutrals(root)
        + docnli_mnli_mismatched(root)
        + breaking_nli(root, breaking_per_category, seed)
        + labelled
        + miner.mine()
    )


def write_pool(pairs: Iterable[NliPair], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for pair in pairs:
            handle.write(json.dumps(asdict(pair), ensure_ascii=False) + "\n")


def read_pool(path: Path) -> list[NliPair]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [NliPair(**json.loads(line)) for line in handle]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    pairs = product_pool(args.data, seed=args.seed)
    write_pool(pairs, args.out)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for pair in pairs:
        counts[(pair.source, pair.label)] += 1
    for (source, label), n in sorted(counts.items()):
        print(f"{source:28s} {label:15s} {n:6d}")
    print(f"total {len(pairs)} pairs -> {args.out}")


if __name__ == "__main__":
    main()
