"""Claim extraction: which sentences of a submission are checkable factual claims.

The text is split into lines (so headings and list items stay apart), then
into sentences with pysbd. Each sentence is kept as a `Claim` with exact
offsets into the submission, or recorded as a `SkippedSentence` with the
reason it was not checked: questions, opinions and first-person stances,
instructions, headings, bare citations, fragments, statements too vague to
check, and sentences past the per-submission claim cap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verification.engine.config import VerifierConfig
from verification.engine.text import (
    CITATION_PATTERNS,
    LIST_MARKER,
    REFERENCE_SECTION,
    Span,
    split_blocks,
    split_sentences,
    word_count,
)
from verification.engine.types import Claim, SkippedSentence, SkipReason

_FIRST_PERSON = re.compile(
    r"\b(?:I|we)\s+(?:\w+ly\s+)?(?:think|believe|feel|guess|suppose|argue|would argue|"
    r"agree|disagree|hope|expect|doubt|reckon|prefer|love|like|hate|want|wish)\b|"
    r"\bin my (?:opinion|view|experience)\b|\bit seems to me\b|\bpersonally\b",
    re.I,
)
_OPINION = re.compile(
    r"\b(?:should|shouldn't|ought to|it is (?:important|essential|crucial|vital|sad|"
    r"unfortunate|great|amazing|clear that everyone)|fascinating|amazing|awesome|boring|"
    r"wonderful|terrible|beautiful|the best|the worst|interesting)\b",
    re.I,
)
_INSTRUCTION = re.compile(
    r"^(?:please\s+)?(?:read|write|click|discuss|explain|describe|note that|remember|"
    r"consider|compare|submit|answer|list|define|see|let's|let us|make sure|don't forget|"
    r"imagine|think about|refer to|look at|use|try|go to|open|review|summari[sz]e)\b",
    re.I,
)

# Subjects that name nothing in particular: "Everything starts with energy."
_VAGUE_SUBJECT = re.compile(
    r"^(?:everything|anything|nothing|something|things|stuff|everyone|everybody|"
    r"it all|all of (?:this|it)|life|the world|this|that|they)\b",
    re.I,
)
_VAGUE_MAX_CONTENT_WORDS = 3
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "with",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "and",
        "or",
        "it",
        "its",
        "this",
        "that",
        "all",
        "very",
        "really",
        "so",
        "just",
        "always",
        "never",
        "can",
        "will",
    ]
)


@dataclass(frozen=True, slots=True)
class ClaimExtraction:
    """Claims to check, sentences skipped (with reasons) and notes for the report."""

    claims: tuple[Claim, ...]
    skipped: tuple[SkippedSentence, ...]
    notes: tuple[str, ...]


def extract_claims(text: str, config: VerifierConfig | None = None) -> ClaimExtraction:
    """Split a submission into checkable claims and skipped sentences.

    Args:
        text: the submission as plain text (use
            `verification.engine.ingest.submission_text_from_html` first for HTML).
        config: ``max_claims`` and ``min_claim_words`` are read from it.

    Returns:
        Claims numbered from 0 in reading order, with ``text[c.start:c.end] == c.text``;
        skipped sentences with a reason; a note when the claim cap was hit.

    Example:
        >>> result = extract_claims("Mitochondria make ATP for the cell. I think it's cool.")
        >>> [c.text for c in result.claims], [s.reason for s in result.skipped]
        (['Mitochondria make ATP for the cell.'], ['first_person_stance'])
    """
    config = config or VerifierConfig()
    candidates: list[Span] = []
    skipped: list[SkippedSentence] = []
    in_references = False
    for block, is_heading in split_blocks(text):
        if REFERENCE_SECTION.match(block.text):
            in_references = True
            skipped.append(_skip(block, "heading"))
            continue
        if in_references:
            skipped.append(_skip(block, "citation"))
            continue
        if is_heading:
            skipped.append(_skip(block, "heading"))
            continue
        body_start = block.start + _marker_length(block.text)
        for sentence in split_sentences(text, start=body_start, end=block.end):
            reason = skip_reason(sentence.text, config)
            if reason is None:
                candidates.append(sentence)
            else:
                skipped.append(_skip(sentence, reason))
    claims = [
        Claim(index=i, text=s.text, start=s.start, end=s.end)
        for i, s in enumerate(candidates[: config.max_claims])
    ]
    notes: list[str] = []
    if len(candidates) > config.max_claims:
        skipped.extend(_skip(s, "claim_cap") for s in candidates[config.max_claims :])
        notes.append(
            f"Only the first {config.max_claims} of {len(candidates)} claims were checked "
            "(the per-submission claim cap); the rest are listed as skipped."
        )
    skipped.sort(key=lambda s: s.start)
    return ClaimExtraction(claims=tuple(claims), skipped=tuple(skipped), notes=tuple(notes))


def skip_reason(sentence: str, config: VerifierConfig | None = None) -> SkipReason | None:
    """Why a sentence is not a checkable claim, or None when it is one.

    Example:
        >>> skip_reason("Should schools ban phones?")
        'question'
    """
    config = config or VerifierConfig()
    stripped = sentence.strip()
    if any(p.match(stripped) for p in CITATION_PATTERNS):
        return "citation"
    if stripped.endswith("?"):
        return "question"
    if word_count(stripped) < config.min_claim_words:
        return "too_short"
    if _FIRST_PERSON.search(stripped):
        return "first_person_stance"
    if _OPINION.search(stripped):
        return "opinion"
    if _INSTRUCTION.match(stripped):
        return "instruction"
    if is_vague(stripped):
        return "vague"
    return None


def is_vague(sentence: str) -> bool:
    """A short statement about nothing in particular, which no passage can settle.

    Vague means: the subject names nothing specific (everything, things, life...),
    at most three other content words, and no number or proper name.

    Example:
        >>> is_vague("Everything starts with energy.")
        True
        >>> is_vague("Everything on Earth needs water from 3 sources.")
        False
    """
    if not _VAGUE_SUBJECT.match(sentence) or re.search(r"\d", sentence):
        return False
    words = re.findall(r"[A-Za-z][\w'-]*", sentence)
    if any(w[0].isupper() for w in words[1:]):
        return False
    content = [w for w in words[1:] if w.lower() not in _FUNCTION_WORDS]
    return len(content) <= _VAGUE_MAX_CONTENT_WORDS


def _marker_length(line: str) -> int:
    match = LIST_MARKER.match(line)
    return match.end() if match else 0


def _skip(span: Span, reason: SkipReason) -> SkippedSentence:
    return SkippedSentence(text=span.text, start=span.start, end=span.end, reason=reason)
