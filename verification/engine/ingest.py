"""Course materials to passages: PDF, DOCX, XLSX, RTF, HTML, Markdown, CSV and plain text.

Each file is read into blocks (paragraphs with page, paragraph number and
nearest heading), then cut into passages of whole sentences with overlap, and
de-duplicated across files. A file that cannot be read (corrupt, encrypted,
empty, scanned without a text layer, too large, of a type not read) becomes a
`MaterialError` and the other files are still ingested; nothing else escapes.
The type comes from the content and the name (`verification.engine.filetype`),
the readers live in `verification.engine.readers`, and every read is bounded
by `InputLimits`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from verification.engine.config import ChunkConfig
from verification.engine.limits import InputLimits
from verification.engine.material import MaterialFile, MaterialReadError, ReadContext, TextBlock
from verification.engine.readers import html_blocks, read_file
from verification.engine.text import split_sentences, word_count
from verification.engine.types import MaterialError, Passage, SourceLocation

__all__ = [
    "IngestResult",
    "MaterialFile",
    "MaterialReadError",
    "TextBlock",
    "chunk_blocks",
    "document_text",
    "essay_text",
    "ingest_materials",
    "read_blocks",
    "submission_text_from_html",
]


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Passages from every readable file, plus one error per unreadable file."""

    passages: tuple[Passage, ...]
    errors: tuple[MaterialError, ...]


def ingest_materials(
    files: Iterable[MaterialFile],
    chunk_config: ChunkConfig | None = None,
    limits: InputLimits | None = None,
) -> IngestResult:
    """Read course-material files into de-duplicated passages.

    Args:
        files: the materials; the type comes from the first bytes and the name
            (see `verification.engine.filetype.detect_kind`).
        chunk_config: passage size and overlap.
        limits: size, count and time caps; files past ``files_max`` are not read.

    Returns:
        Passages in file order, and a `MaterialError` (file name, code, message
        with the fix) for each file that could not be read. Codes: ``empty``,
        ``corrupt``, ``encrypted``, ``no_text``, ``unsupported_type``, ``too_large``.

    Example:
        >>> result = ingest_materials([MaterialFile("notes.txt", b"Cells contain DNA.")])
        >>> result.passages[0].text, result.errors
        ('Cells contain DNA.', ())
    """
    chunk_config = chunk_config or ChunkConfig()
    limits = limits or InputLimits()
    passages: list[Passage] = []
    errors: list[MaterialError] = []
    seen: set[str] = set()
    for number, material in enumerate(files, start=1):
        if number > limits.files_max:
            errors.append(
                MaterialError(
                    material.name,
                    "too_large",
                    f"{material.name} was not read: at most {limits.files_max} files are read "
                    "at a time; combine or remove some",
                )
            )
            continue
        try:
            blocks = read_file(material, limits)
        except MaterialReadError as exc:
            errors.append(MaterialError(material.name, exc.code, exc.message))
            continue
        for passage in chunk_blocks(blocks, material.name, chunk_config):
            key = " ".join(passage.text.lower().split())
            if key not in seen:
                seen.add(key)
                passages.append(passage)
    return IngestResult(passages=tuple(passages), errors=tuple(errors))


def submission_text_from_html(html: str, limits: InputLimits | None = None) -> str:
    """Plain text of an HTML essay (Canvas text entries are HTML).

    Scripts and styles are dropped, entities decoded, and each block element
    (paragraph, list item, heading) becomes its own paragraph separated by a
    blank line. Claim offsets refer to this returned text, so store it.

    Raises:
        MaterialReadError: ``too_large`` past the limits (characters, blocks, time).

    Example:
        >>> submission_text_from_html("<p>Cells divide.</p><script>x()</script><p>DNA.</p>")
        'Cells divide.\\n\\nDNA.'
    """
    ctx = ReadContext("The text entry", limits or InputLimits())
    return "\n\n".join(block.text for block in html_blocks(html, ctx))


def document_text(material: MaterialFile, limits: InputLimits | None = None) -> str:
    """Plain text of one document, such as an essay uploaded as PDF or DOCX.

    Paragraphs and headings are separated by a blank line.

    Raises:
        MaterialReadError: the file is empty, corrupt, encrypted, a scan without
            text, too large, or of a type not read; ``code`` and ``message`` say which.

    Example:
        >>> document_text(MaterialFile("essay.md", b"# Title\\n\\nCells divide."))
        'Title\\n\\nCells divide.'
    """
    return "\n\n".join(block.text for block in read_file(material, limits or InputLimits()))


def essay_text(material: MaterialFile, limits: InputLimits | None = None) -> str:
    """The essay's text, read like any material and held to ``essay_max_chars``.

    Pasted text goes through here too (as an untyped file), so pasted HTML and
    an uploaded ``.html`` file give the same text.

    Raises:
        MaterialReadError: as `document_text`, or ``too_large`` when the text is
            longer than the essay limit (the message names both lengths).

    Example:
        >>> essay_text(MaterialFile("pasted essay", b"<p>Cells divide.</p><script>x()</script>"))
        'Cells divide.'
    """
    limits = limits or InputLimits()
    text = document_text(material, limits).strip()
    if len(text) > limits.essay_max_chars:
        raise MaterialReadError(
            "too_large",
            f"{material.name} is {len(text):,} characters long; the limit is "
            f"{limits.essay_max_chars:,} characters per essay. Shorten it or split it into "
            "parts and check each",
        )
    return text


def read_blocks(material: MaterialFile, limits: InputLimits | None = None) -> list[TextBlock]:
    """Paragraph blocks of one file, in reading order.

    Raises:
        MaterialReadError: the file cannot be read (see `document_text`).
    """
    return read_file(material, limits or InputLimits())


def chunk_blocks(
    blocks: Sequence[TextBlock], file_name: str, chunk_config: ChunkConfig
) -> list[Passage]:
    """Group sentences into passages of about ``max_words``, with sentence overlap.

    A passage never crosses a page or a heading, so its source location is exact.
    Heading blocks themselves are not passages.
    """
    passages: list[Passage] = []
    group: list[tuple[str, TextBlock]] = []
    fresh = 0  # sentences in `group` that are not overlap from the previous passage
    for block in blocks:
        if block.heading == block.text:
            continue
        if group and (group[0][1].page, group[0][1].heading) != (block.page, block.heading):
            passages.extend([_make_passage(group, file_name)] if fresh else [])
            group, fresh = [], 0
        for sentence in split_sentences(block.text):
            words = sum(word_count(text) for text, _ in group)
            if fresh and words + word_count(sentence.text) > chunk_config.max_words:
                passages.append(_make_passage(group, file_name))
                keep = chunk_config.overlap_sentences
                group = group[-keep:] if keep and len(group) > keep else []
                fresh = 0
            group.append((sentence.text, block))
            fresh += 1
    if fresh:
        passages.append(_make_passage(group, file_name))
    return passages


def _make_passage(group: Sequence[tuple[str, TextBlock]], file_name: str) -> Passage:
    first = group[0][1]
    text = " ".join(text for text, _ in group)
    source = SourceLocation(file_name, first.page, first.paragraph, first.heading)
    digest = hashlib.sha256(f"{file_name}\x1f{first.page}\x1f{text}".encode()).hexdigest()
    return Passage(passage_id=digest[:16], text=text, source=source)
