"""Course packs built from labelled data: materials + an "essay" + gold verdicts.

A pack looks like what a course gives the engine: several material files, most
of whose passages are about something other than any one claim, and an essay
with one claim per paragraph. Each gold claim carries its verdict in the
engine's labels. Every builder is seeded and reads ``shared/data`` verbatim.

Sides: ``eval`` packs use only evaluation data (the evaluation halves of FM2
and WiCE dev, Climate-FEVER, HealthVer, Citation-Integrity dev, SciFact-RTE,
the hand-written packs); ``tune`` packs use only what tuning may use: the
decision share of the committed tuning halves of FM2 and WiCE dev and of
Citation-Integrity train, which the NLI model never trained on
(``verification/training/tuning.py``). See ``shared/data/README.md``, "How to use it".
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from verification.engine.types import VerdictLabel
from verification.training.tuning import for_decision, tuning_ids

Side = Literal["eval", "tune"]
HERE = Path(__file__).resolve().parent
HANDWRITTEN = HERE / "handwritten"

_CITATION_MARK = re.compile(r"\s*\[?<\|(?:multi_cit|other_cit)\|>\]?")
_PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-COLON-": ":"}


@dataclass(frozen=True, slots=True)
class GoldClaim:
    text: str
    label: VerdictLabel
    family: str


@dataclass(frozen=True, slots=True)
class Pack:
    """One course: material files (name, text) and the claims of one essay."""

    name: str
    family: str
    materials: tuple[tuple[str, str], ...]
    claims: tuple[GoldClaim, ...]

    def essay(self) -> str:
        """One claim per paragraph, so each paragraph's verdict is that claim's."""
        return "\n\n".join(c.text for c in self.claims)


def _wanted(dataset: str, claim_id: object, side: Side, tuning: frozenset[str] | None) -> bool:
    """Evaluation: claims outside the tuning half. Tuning: the decision share of the
    tuning half (the NLI model trained on the rest, see verification/training/tuning.py)."""
    in_tuning = tuning is None or str(claim_id) in tuning
    if side == "eval":
        return not in_tuning
    return in_tuning and for_decision(dataset, claim_id)


def _clean(text: str) -> str:
    for token, char in _PTB.items():
        text = text.replace(token, char)
    return " ".join(text.split())


def _sentence_claim(text: str) -> str:
    text = _clean(_CITATION_MARK.sub("", text))
    return text if text.endswith((".", "!", "?")) else text + "."


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pack_up(
    family: str, entries: list[tuple[GoldClaim, list[tuple[str, str]]]], per_pack: int
) -> list[Pack]:
    """Group claims into packs; each pack's materials are all of its claims' files."""
    packs = []
    for n, group in enumerate(_chunks(entries, per_pack)):
        files: dict[str, str] = {}
        for _, materials in group:
            for name, text in materials:
                files.setdefault(name, text)
        packs.append(
            Pack(f"{family}-{n:03d}", family, tuple(files.items()), tuple(c for c, _ in group))
        )
    return packs


def fm2(root: Path, side: Side, rng: random.Random) -> list[Pack]:
    """FM2 dev: each claim's gold + retrieved Wikipedia sentences as its page."""
    tuning = tuning_ids("fm2_dev_tuning")
    entries = []
    for line in (root / "fm2" / "dev.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if not _wanted("fm2", row["id"], side, tuning):
            continue
        sentences = [e["text"] for e in row["retrieved_evidence"]]
        sentences += [e["text"] for e in row["gold_evidence"] if e["text"] not in sentences]
        page = "\n\n".join(_clean(s) for s in sentences)
        label: VerdictLabel = "supported" if row["label"] == "SUPPORTS" else "contradicted"
        name = re.sub(r"\W+", "_", row["wikipedia_page"])[:60] + ".txt"
        entries.append((GoldClaim(_sentence_claim(row["text"]), label, "fm2"), [(name, page)]))
    rng.shuffle(entries)
    return _pack_up("fm2", entries, 8)


_WICE = {
    "supported": "supported",
    "partially_supported": "partially_supported",
    "not_supported": "not_enough_evidence",
}


def wice(root: Path, side: Side, rng: random.Random, max_sentences: int = 150) -> list[Pack]:
    """WiCE dev: the cited web page as the material (long pages cut, evidence kept)."""
    tuning = tuning_ids("wice_dev_tuning")
    entries = []
    path = root / "wice" / "entailment_retrieval_claim" / "dev.jsonl"
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        if not _wanted("wice", row["meta"]["id"], side, tuning):
            continue
        needed = {i for group in row["supporting_sentences"] for i in group}
        keep = [
            s
            for i, s in enumerate(row["evidence"])
            if i < max_sentences or i in needed
            if not s.startswith("(meta data)")
        ]
        page = "\n\n".join(_clean(s) for s in keep if s.strip())
        claim = GoldClaim(_sentence_claim(row["claim"]), _WICE[row["label"]], "wice")  # type: ignore[arg-type]
        entries.append((claim, [(f"{row['meta']['id']}.txt", page)]))
    rng.shuffle(entries)
    return _pack_up("wice", entries, 4)


_CLIMATE = {
    "SUPPORTS": "supported",
    "REFUTES": "contradicted",
    "NOT_ENOUGH_INFO": "not_enough_evidence",
}


def climate_fever(root: Path, rng: random.Random) -> list[Pack]:
    """Climate-FEVER claims against their five evidence sentences, pooled (evaluation only).

    DISPUTED claims (evidence both ways) have no single gold verdict and are left out."""
    entries = []
    for line in (root / "climate_fever" / "climate-fever.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["claim_label"] not in _CLIMATE:
            continue
        files: dict[str, list[str]] = defaultdict(list)
        for ev in row["evidences"]:
            files[re.sub(r"\W+", "_", ev["article"])[:60] + ".txt"].append(_clean(ev["evidence"]))
        claim = GoldClaim(
            _sentence_claim(row["claim"]), _CLIMATE[row["claim_label"]], "climate_fever"
        )  # type: ignore[arg-type]
        entries.append((claim, [(n, "\n\n".join(s)) for n, s in files.items()]))
    rng.shuffle(entries)
    return _pack_up("climate_fever", entries, 10)


def healthver(root: Path, rng: random.Random) -> list[Pack]:
    """HealthVer dev: claim-level gold from its pairs (mixed Supports/Refutes left out)."""
    by_claim: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with (root / "healthver" / "healthver_dev.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_claim[row["claim"].strip()].append((row["evidence"], row["label"]))
    entries = []
    for n, (claim, pairs) in enumerate(sorted(by_claim.items())):
        labels = {label for _, label in pairs}
        if {"Supports", "Refutes"} <= labels:
            continue
        gold: VerdictLabel = (
            "supported"
            if "Supports" in labels
            else "contradicted"
            if "Refutes" in labels
            else "not_enough_evidence"
        )
        files = [(f"healthver_{n}_{i}.txt", _clean(text)) for i, (text, _) in enumerate(pairs)]
        entries.append((GoldClaim(_sentence_claim(claim), gold, "healthver"), files))
    rng.shuffle(entries)
    return _pack_up("healthver", entries, 10)


def citation_integrity(root: Path, side: Side, rng: random.Random) -> list[Pack]:
    """Citation-Integrity: citing sentences against the abstracts they cite.

    Evaluation reads dev; tuning reads train."""
    corpus = {}
    for line in (root / "citation_integrity" / "corpus.jsonl").open(encoding="utf-8"):
        doc = json.loads(line)
        corpus[doc["doc_id"]] = doc
    split = "train" if side == "tune" else "dev"
    entries = []
    for line in (root / "citation_integrity" / f"claims_{split}.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if side == "tune" and not for_decision("citation_integrity", row["id"]):
            continue
        labels = {ev["label"] for evs in row["evidence"].values() for ev in evs}
        if len(labels) > 1:
            continue
        gold: VerdictLabel = (
            "supported"
            if labels == {"SUPPORT"}
            else "contradicted"
            if labels == {"REFUTE"}
            else "not_enough_evidence"
        )
        files = []
        for doc_id in row["cited_doc_ids"]:
            doc = corpus[doc_id]
            text = "\n\n".join(_clean(s) for s in doc["abstract"])
            files.append(
                (f"paper_{doc_id}.txt", (doc["title"] + "\n\n" if doc["title"] else "") + text)
            )
        entries.append(
            (GoldClaim(_sentence_claim(row["claim"]), gold, "citation_integrity"), files)
        )
    rng.shuffle(entries)
    return _pack_up("citation_integrity", entries, 8)


def scifact_rte(root: Path, rng: random.Random) -> list[Pack]:
    """SciFact-RTE dev: claims against their rationale sentences, pooled (evaluation only)."""
    entries = []
    path = root / "scifact" / "RTE-scifact" / "dev.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            gold: VerdictLabel = "supported" if row[3] == "entailment" else "contradicted"
            claim = GoldClaim(_sentence_claim(row[2]), gold, "scifact")
            entries.append((claim, [(f"scifact_{row[0]}.txt", _clean(row[1]))]))
    rng.shuffle(entries)
    return _pack_up("scifact", entries, 10)


def off_topic(
    claim_packs: Sequence[Pack], material_packs: Sequence[Pack], family: str, rng: random.Random
) -> list[Pack]:
    """Claims of one subject checked against another's materials: gold NOT ENOUGH EVIDENCE."""
    packs = []
    for n, (claims, materials) in enumerate(zip(claim_packs, material_packs, strict=False)):
        moved = tuple(GoldClaim(c.text, "not_enough_evidence", family) for c in claims.claims)
        packs.append(Pack(f"{family}-{n:03d}", family, materials.materials, moved))
    return packs


def handwritten() -> list[Pack]:
    """The hand-written course packs kept in the repo (evaluation only)."""
    packs = []
    for spec_path in sorted(HANDWRITTEN.glob("*.json")):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        materials = tuple(
            (name, (HANDWRITTEN / name).read_text(encoding="utf-8")) for name in spec["materials"]
        )
        claims = tuple(GoldClaim(c["text"], c["label"], "handwritten") for c in spec["claims"])
        packs.append(Pack(spec_path.stem, "handwritten", materials, claims))
    return packs


def build_packs(root: Path, side: Side, seed: int = 13) -> dict[str, list[Pack]]:
    """Every pack family of one side, by family name."""
    rng = random.Random(seed)  # noqa: S311 (seeded sampling, not security)
    families: dict[str, list[Pack]] = {
        "fm2": fm2(root, side, rng),
        "wice": wice(root, side, rng),
        "citation_integrity": citation_integrity(root, side, rng),
    }
    if side == "eval":
        families["climate_fever"] = climate_fever(root, rng)
        families["healthver"] = healthver(root, rng)
        families["scifact"] = scifact_rte(root, rng)
        families["handwritten"] = handwritten()
        # Another subject's materials: other datasets, and other pages of the
        # same dataset (Wikipedia against Wikipedia is the harder case).
        fm2s, wices, citint = families["fm2"], families["wice"], families["citation_integrity"]
        families["off_topic"] = (
            off_topic(fm2s[:10], families["healthver"][:10], "off_topic", rng)
            + off_topic(families["climate_fever"][:8], fm2s[10:18], "off_topic", rng)
            + off_topic(families["scifact"][:6], wices[:6], "off_topic", rng)
            + off_topic(fm2s[20:35], fm2s[35:50], "off_topic", rng)
            + off_topic(citint[:8], citint[8:16], "off_topic", rng)
            + off_topic(wices[6:12], wices[12:18], "off_topic", rng)
        )
    else:
        fm2s, wices, citint = families["fm2"], families["wice"], families["citation_integrity"]
        families["off_topic"] = (
            off_topic(fm2s[:12], citint[:12], "off_topic", rng)
            + off_topic(citint[12:20], wices[:8], "off_topic", rng)
            + off_topic(fm2s[20:40], fm2s[40:60], "off_topic", rng)
            + off_topic(citint[20:30], citint[30:40], "off_topic", rng)
            + off_topic(wices[8:16], wices[16:24], "off_topic", rng)
        )
    return families
