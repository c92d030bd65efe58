"""The whole pipeline with the tiny NLI model and the real MiniLM embedder."""

from __future__ import annotations

import json

import jsonschema
import pytest

from verification.engine.cache import LruClaimCache
from verification.engine.ingest import MaterialFile, ingest_materials
from verification.engine.nli import HfNliScorer
from verification.engine.pipeline import Verifier
from verification.engine.retrieval import CorpusIndex, SentenceTransformerEmbedder, build_index
from verification.engine.types import REPORT_SCHEMA_PATH, VERDICT_LABELS

MATERIALS = [
    MaterialFile(
        "bio.md",
        b"# Light\n\nPhotosynthesis requires light energy from the sun.\n\n"
        b"# Energy\n\nMitochondria produce ATP for the cell.\n",
    ),
    MaterialFile("broken.pdf", b"%PDF-1.7 broken"),
]
ESSAY = (
    "Photosynthesis doesn't work without light. Mitochondria produce ATP, and they "
    "store DNA in the nucleus. I think biology is fun. What is ATP?"
)


@pytest.fixture
def verifier(tiny_scorer: HfNliScorer, minilm_embedder: SentenceTransformerEmbedder) -> Verifier:
    return Verifier(tiny_scorer, minilm_embedder, cache=LruClaimCache())


@pytest.fixture(scope="module")
def index(minilm_embedder: SentenceTransformerEmbedder) -> CorpusIndex:
    return build_index(ingest_materials(MATERIALS).passages, minilm_embedder)


def test_every_claim_gets_a_verdict_quote_source_and_explanation(
    verifier: Verifier, index: CorpusIndex
) -> None:
    report = verifier.verify(ESSAY, index)
    assert [c.claim.index for c in report.claims] == [0, 1]
    for result in report.claims:
        assert result.label in VERDICT_LABELS
        assert 0.0 <= result.confidence <= 1.0
        assert result.evidence_quote
        assert result.source is not None
        assert result.source.file_name == "bio.md"
        assert result.explanation
    assert [s.reason for s in report.skipped] == ["first_person_stance", "question"]


def test_report_carries_versions_errors_limitations_and_timings(
    verifier: Verifier, index: CorpusIndex
) -> None:
    ingest = ingest_materials(MATERIALS)
    report = verifier.verify(ESSAY, index, material_errors=ingest.errors)
    assert report.model_version == verifier.scorer.model_version
    assert report.corpus_version == index.corpus_version
    assert [e.code for e in report.material_errors] == ["corrupt"]
    assert report.limitations
    assert {"claims_ms", "retrieval_ms", "nli_ms", "verdicts_ms", "total_ms"} <= set(
        report.timings_ms
    )
    schema = json.loads(REPORT_SCHEMA_PATH.read_text())
    jsonschema.validate(json.loads(json.dumps(report.to_dict())), schema)


def test_progress_reports_stages_up_to_done(verifier: Verifier, index: CorpusIndex) -> None:
    calls: list[tuple[str, float]] = []
    verifier.verify(ESSAY, index, progress=lambda stage, fraction: calls.append((stage, fraction)))
    assert calls[0] == ("claims", 0.0)
    assert calls[-1] == ("done", 1.0)
    assert [f for _, f in calls] == sorted(f for _, f in calls)


LONG_MATERIALS = [
    MaterialFile(
        "cycle.md",
        b"# Water\n\nWater evaporates from the oceans when the sun heats them.\n\n"
        b"# Clouds\n\nClouds form when water vapour cools and condenses.\n\n"
        b"# Rain\n\nAbout 505,000 cubic kilometres of water fall as precipitation each year.\n\n"
        b"# Rivers\n\nRivers carry water from the land back to the sea.\n",
    )
]
LONG_ESSAY = (
    "The sun heats the oceans and water evaporates from them. "
    "Water vapour cools and condenses into clouds. "
    "About 505,000 cubic kilometres of water fall as rain and snow each year. "
    "Rivers return water from the land to the sea. "
    "Volcanoes on Jupiter's moon Io erupt sulfur lava fountains. "
    "The Roman emperor Augustus reformed the tax system of the provinces. "
)


def test_progressive_results_arrive_in_waves_most_important_first_with_the_same_verdicts(
    tiny_scorer: HfNliScorer, minilm_embedder: SentenceTransformerEmbedder
) -> None:
    verifier = Verifier(tiny_scorer, minilm_embedder)
    index = build_index(ingest_materials(LONG_MATERIALS).passages, minilm_embedder)
    waves: list[list[int]] = []
    streamed = verifier.verify(
        LONG_ESSAY, index, on_results=lambda rs: waves.append([r.claim.index for r in rs])
    )
    whole = verifier.verify(LONG_ESSAY, index)

    assert len(waves) >= 2, "the first claims must arrive before the last one is scored"
    assert len(waves[0]) == 3
    assert sorted(i for wave in waves for i in wave) == [c.claim.index for c in whole.claims]
    # The numeric claim the materials address comes first; off-subject claims come last.
    assert waves[0][0] == 2
    assert {4, 5} <= set(waves[-1])
    assert [(r.label, r.evidence_quote) for r in streamed.claims] == [
        (r.label, r.evidence_quote) for r in whole.claims
    ]


def test_progressive_results_deliver_cached_claims_at_once(
    verifier: Verifier, index: CorpusIndex
) -> None:
    verifier.verify(ESSAY, index)
    waves: list[list[bool]] = []
    verifier.verify(ESSAY, index, on_results=lambda rs: waves.append([r.from_cache for r in rs]))
    assert waves == [[True, True]]


def test_second_run_is_served_from_cache(verifier: Verifier, index: CorpusIndex) -> None:
    first = verifier.verify(ESSAY, index)
    second = verifier.verify(ESSAY, index)
    assert all(r.from_cache for r in second.claims)
    assert [r.label for r in second.claims] == [r.label for r in first.claims]
    assert isinstance(verifier.cache, LruClaimCache)
    assert verifier.cache.hits == 2


def test_empty_corpus_gives_not_enough_evidence_and_a_note(verifier: Verifier) -> None:
    report = verifier.verify(ESSAY, verifier.index([]))
    assert {r.label for r in report.claims} == {"not_enough_evidence"}
    assert any("No course-material passages" in n for n in report.notes)


class _CountingScorer:
    """The tiny real scorer, counting the pairs it is asked to score."""

    def __init__(self, scorer: HfNliScorer) -> None:
        self.scorer = scorer
        self.pairs: list[tuple[str, str]] = []
        self.model_version = scorer.model_version

    def score(self, pairs):  # type: ignore[no-untyped-def]
        self.pairs.extend(pairs)
        return self.scorer.score(pairs)


def test_claims_the_materials_are_not_about_cost_no_nli_pairs(
    tiny_scorer: HfNliScorer, minilm_embedder: SentenceTransformerEmbedder
) -> None:
    counting = _CountingScorer(tiny_scorer)
    verifier = Verifier(counting, minilm_embedder)  # type: ignore[arg-type]
    index = build_index(ingest_materials(MATERIALS).passages, minilm_embedder)
    essay = (
        "The Treaty of Westphalia was signed in 1648 after the Thirty Years' War. "
        "Photosynthesis doesn't work without light."
    )
    report = verifier.verify(essay, index)

    treaty, light = report.claims
    assert treaty.label == "not_enough_evidence"
    assert treaty.reasons[0].code == "no_evidence"
    assert light.evidence_quote == "Photosynthesis requires light energy from the sun."
    assert {hypothesis for _, hypothesis in counting.pairs} == {light.claim.text}


def test_only_passages_close_to_the_best_one_are_scored(
    tiny_scorer: HfNliScorer, minilm_embedder: SentenceTransformerEmbedder
) -> None:
    counting = _CountingScorer(tiny_scorer)
    verifier = Verifier(counting, minilm_embedder)  # type: ignore[arg-type]
    index = build_index(ingest_materials(MATERIALS).passages, minilm_embedder)
    verifier.verify("Photosynthesis doesn't work without light.", index)
    # Two passages are retrieved; the mitochondria one is far less similar.
    assert [premise for premise, _ in counting.pairs] == [
        "Photosynthesis requires light energy from the sun."
    ]


LIGHT_MATERIALS = [
    MaterialFile("a.md", b"Photosynthesis requires light energy from the sun."),
    MaterialFile("b.md", b"Plants need light from the sun for photosynthesis."),
    MaterialFile("c.md", b"Without sunlight, photosynthesis in plants stops."),
    MaterialFile("d.md", b"Sunlight powers photosynthesis in green plants."),
]


@pytest.mark.parametrize(("decisive", "expected_pairs"), [(0.0, 2), (1.0, 4)])
def test_weaker_passages_are_scored_only_when_the_best_two_leave_the_claim_open(
    tiny_scorer: HfNliScorer,
    minilm_embedder: SentenceTransformerEmbedder,
    decisive: float,
    expected_pairs: int,
) -> None:
    from verification.engine.config import VerifierConfig

    counting = _CountingScorer(tiny_scorer)
    config = VerifierConfig(decisive_probability=decisive, first_pass_passages=2, top_k=4)
    verifier = Verifier(counting, minilm_embedder, config=config)  # type: ignore[arg-type]
    index = build_index(ingest_materials(LIGHT_MATERIALS).passages, minilm_embedder)
    report = verifier.verify("Photosynthesis doesn't work without light.", index)

    assert len(counting.pairs) == expected_pairs
    (result,) = report.claims
    assert result.source is not None
