"""Sentence segmentation with exact character offsets, shared by claims and ingest.

pysbd handles abbreviations ("Dr.", "e.g."), decimals ("3.14"), initials
("J. R. Smith") and citations ("(Smith et al., 2020)"). With ``clean=False`` it
returns substrings of its input, which are located in the original text to get
offsets; a whitespace-tolerant search covers the rare case where it does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pysbd

_WHITESPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s%.-]")
LIST_MARKER = re.compile(r"^(?:[-*+\u2022\u2013]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s")
_TERMINAL = re.compile(r"""[.!?:;]["'\u201d\u2019)\]]*$""")
REFERENCE_SECTION = re.compile(
    r"^(?:#+\s*)?(?:references|bibliography|works cited|sources|citations)\s*:?$", re.I
)
CITATION_PATTERNS = (
    # (Smith, 2020).  (Smith & Lee, 2019; Chan et al., 2021)
    re.compile(r"^\((?:[^()]*?\b\d{4}[a-z]?;?\s*)+\)\.?$"),
    # [1].  [2, 3-5]
    re.compile(r"^(?:\[\d+(?:\s*[,\u2013-]\s*\d+)*\]\s*)+\.?$"),
    # Smith, J. (2020). Title. Journal.   /  Smith, J., & Lee, K. (2019).
    re.compile(r"^[A-Z][\w'\u2019-]+,\s+(?:[A-Z]\.\s*)+.*\(\d{4}[a-z]?\)"),
    # Bare URL or DOI.
    re.compile(r"^(?:https?://|www\.|doi:\s*|https?://doi\.org/)\S+$", re.I),
)


@dataclass(frozen=True, slots=True)
class Span:
    """A stripped piece of text and its ``[start, end)`` offsets in the original."""

    text: str
    start: int
    end: int


def split_lines(text: str) -> list[Span]:
    """Non-blank lines of ``text``, stripped, with offsets.

    Example:
        >>> [s.text for s in split_lines("A\\n\\n  B ")]
        ['A', 'B']
    """
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        stripped = _strip_span(text, match.start(), match.end())
        if stripped is not None:
            spans.append(stripped)
    return spans


def split_sentences(text: str, *, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of ``text[start:end]`` with offsets into ``text``.

    Args:
        text: the full document (offsets are relative to it).
        start: where the region to segment begins.
        end: where it ends (default: end of text).

    Returns:
        Stripped sentence spans; ``text[s.start:s.end] == s.text``.

    Example:
        >>> [s.text for s in split_sentences("Dr. Smith measured 3.5 g. It grew.")]
        ['Dr. Smith measured 3.5 g.', 'It grew.']
    """
    end = len(text) if end is None else end
    # Line breaks inside a block are soft wraps, not sentence ends; replacing
    # them with spaces keeps every offset unchanged.
    region = text[start:end].replace("\r", " ").replace("\n", " ")
    if not region.strip():
        return []
    segmenter = pysbd.Segmenter(language="en", clean=False)
    spans: list[Span] = []
    # pysbd's cost grows with the square of the sentences it is given (50,000 short
    # sentences in one paragraph: over 5 minutes), so a long region is segmented in
    # windows cut after a sentence end: linear overall, offsets unchanged.
    for w_start, w_end in _windows(region, SEGMENT_WINDOW_CHARS):
        window = region[w_start:w_end]
        cursor = 0
        for piece in segmenter.segment(window):
            located = _locate(window, piece, cursor, len(window))
            if located is None:
                continue
            seg_start, seg_end = located
            stripped = _strip_span(text, start + w_start + seg_start, start + w_start + seg_end)
            if stripped is not None:
                spans.append(stripped)
            cursor = seg_end
    return spans


SEGMENT_WINDOW_CHARS = 5_000
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s")


def _windows(region: str, size: int) -> list[tuple[int, int]]:
    """``[start, end)`` cuts of ``region`` of about ``size`` characters, each ending
    after a sentence end (else a space, else at ``size``)."""
    cuts: list[tuple[int, int]] = []
    start = 0
    while len(region) - start > size:
        limit = start + size
        end = -1
        for match in _SENTENCE_END.finditer(region, start + size // 2, limit):
            end = match.end()
        if end < 0:
            end = region.rfind(" ", start + size // 2, limit) + 1 or limit
        cuts.append((start, end))
        start = end
    cuts.append((start, len(region)))
    return cuts


def split_blocks(text: str) -> list[tuple[Span, bool]]:
    """Paragraphs, list items and headings as ``(span, is_heading)``.

    Lines of one paragraph are joined, so hard-wrapped plain text still yields
    whole sentences; a blank line, a list marker or a heading starts a new block.
    """
    lines = split_lines(text)
    blocks: list[tuple[Span, bool]] = []
    # The open paragraph as (first line, last line): its text is sliced once when
    # it closes, so a paragraph of many lines costs linear, not quadratic, time.
    current: tuple[Span, Span] | None = None

    def close() -> None:
        if current is not None:
            first, last = current
            blocks.append((Span(text[first.start : last.end], first.start, last.end), False))

    for i, line in enumerate(lines):
        prev_blank = i == 0 or text.count("\n", lines[i - 1].end, line.start) >= 2
        next_line = lines[i + 1] if i + 1 < len(lines) else None
        next_blank = next_line is None or text.count("\n", line.end, next_line.start) >= 2
        if _is_heading(line.text, next_blank=next_blank, next_line=next_line):
            close()
            blocks.append((line, True))
            current = None
        elif current is None or prev_blank or LIST_MARKER.match(line.text):
            close()
            current = (line, line)
        else:
            current = (current[0], line)
    close()
    return blocks


_CONTINUATION_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    ]
)


def _is_heading(line: str, *, next_blank: bool, next_line: Span | None) -> bool:
    if _MARKDOWN_HEADING.match(line):
        return True
    if LIST_MARKER.match(line) or _TERMINAL.search(line) or word_count(line) > 12:
        return False
    if any(p.match(line) for p in CITATION_PATTERNS):
        return False
    if next_blank:
        return True
    # A short line followed by a capitalised line, not ending mid-phrase, is a
    # heading; a long unpunctuated line is a hard-wrapped paragraph.
    last_word = line.split()[-1].lower()
    starts_upper = next_line is not None and next_line.text[:1].isupper()
    return starts_upper and len(line) <= 60 and last_word not in _CONTINUATION_WORDS


def _locate(text: str, piece: str, cursor: int, end: int) -> tuple[int, int] | None:
    found = text.find(piece, cursor, end)
    if found >= 0:
        return found, found + len(piece)
    words = piece.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(word) for word in words)
    match = re.compile(pattern).search(text, cursor, end)
    return (match.start(), match.end()) if match else None


def _strip_span(text: str, start: int, end: int) -> Span | None:
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    if right <= left:
        return None
    return Span(text=piece[left:right], start=start + left, end=start + right)


def normalise_for_matching(text: str) -> str:
    """Lower-case, punctuation-light, single-spaced text for keys and comparisons."""
    return _WHITESPACE.sub(" ", _NON_WORD.sub(" ", text.lower())).strip().rstrip(".")


def word_count(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())
