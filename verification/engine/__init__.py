"""Smart Notes verification engine: plain Python, no Django, Celery or project imports.

Typical use (the Django glue does exactly this)::

    from verification.engine import (
        HfNliScorer, LruClaimCache, MaterialFile, SentenceTransformerEmbedder, Verifier,
        ingest_materials, render_text,
    )

    ingest = ingest_materials([MaterialFile("bio.pdf", pdf_bytes)])     # passages + per-file errors
    verifier = Verifier(HfNliScorer(model_dir), SentenceTransformerEmbedder(),
                        cache=LruClaimCache())
    index = verifier.index(ingest.passages)          # once per corpus; index.to_bytes() to persist
    report = verifier.verify(essay_text, index, material_errors=ingest.errors,
                             progress=lambda stage, fraction: ...)
    report.to_dict()                                 # JSON, see report.schema.json
    render_text(report, report_url=url)              # plain-text Canvas comment

Main pieces: `ingest` (materials -> passages; `submission_text_from_html` for
HTML essays, `document_text` for uploaded essay files), `claims` (sentences ->
claims / skipped), `retrieval` (MiniLM + BM25, `CorpusIndex`), `nli`
(`NliScorer`, `HfNliScorer`), `verdicts` and `explain` (four labels,
confidence, reasons, limitations), `cache`, `pipeline` (`Verifier`),
`report_text` (Canvas comment). Errors subclass `VerificationError`.
"""

from verification.engine.cache import (
    CacheBackend,
    ClaimCache,
    LruClaimCache,
    TieredClaimCache,
    claim_cache_key,
)
from verification.engine.claims import ClaimExtraction, extract_claims
from verification.engine.config import ChunkConfig, VerifierConfig
from verification.engine.decision import DecisionModel, load_decision
from verification.engine.errors import (
    ConfigError,
    IndexFormatError,
    LabelMappingError,
    ModelLoadError,
    ReportFormatError,
    VerificationError,
)
from verification.engine.explain import LIMITATIONS
from verification.engine.ingest import (
    IngestResult,
    MaterialFile,
    MaterialReadError,
    document_text,
    essay_text,
    ingest_materials,
    submission_text_from_html,
)
from verification.engine.limits import InputLimits
from verification.engine.nli import HfNliScorer, NliPair, NliScorer
from verification.engine.pipeline import ProgressCallback, Verifier
from verification.engine.report_text import REPORT_MARKER, find_marker, render_text
from verification.engine.retrieval import (
    CorpusIndex,
    Embedder,
    SentenceTransformerEmbedder,
    build_index,
    retrieve,
)
from verification.engine.types import (
    VERDICT_LABELS,
    Claim,
    ClaimResult,
    Evidence,
    MaterialError,
    NliScores,
    Passage,
    Reason,
    Report,
    SkippedSentence,
    SourceLocation,
    Verdict,
    VerdictLabel,
)

__all__ = [
    "LIMITATIONS",
    "REPORT_MARKER",
    "VERDICT_LABELS",
    "CacheBackend",
    "ChunkConfig",
    "Claim",
    "ClaimCache",
    "ClaimExtraction",
    "ClaimResult",
    "ConfigError",
    "CorpusIndex",
    "DecisionModel",
    "Embedder",
    "Evidence",
    "HfNliScorer",
    "IndexFormatError",
    "IngestResult",
    "InputLimits",
    "LabelMappingError",
    "LruClaimCache",
    "MaterialError",
    "MaterialFile",
    "MaterialReadError",
    "ModelLoadError",
    "NliPair",
    "NliScorer",
    "NliScores",
    "Passage",
    "ProgressCallback",
    "Reason",
    "Report",
    "ReportFormatError",
    "SentenceTransformerEmbedder",
    "SkippedSentence",
    "SourceLocation",
    "TieredClaimCache",
    "Verdict",
    "VerdictLabel",
    "VerificationError",
    "Verifier",
    "VerifierConfig",
    "build_index",
    "claim_cache_key",
    "document_text",
    "essay_text",
    "extract_claims",
    "find_marker",
    "ingest_materials",
    "load_decision",
    "render_text",
    "retrieve",
    "submission_text_from_html",
]
