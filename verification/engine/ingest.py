"""Course materials to passages: PDF, DOCX, HTML, Markdown and plain text.

Each file is read into blocks (paragraphs with page, paragraph number and
nearest heading), then cut into passages of whole sentences with overlap, and
de-duplicated across files. A file that cannot be read (corrupt, encrypted,
empty, scanned without a text layer, unsupported) becomes a `MaterialError`
and the other files are still ingested.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePath

import nh3

from verification.engine.config import ChunkConfig
from verification.engine.errors import VerificationError
from verification.engine.text import split_blocks, split_sentences, word_count
from verification.engine.types import MaterialError, MaterialErrorCode, Passage, SourceLocation

_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "br",
        "tr",
        "td",
        "th",
        "table",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "dd",
        "dt",
        "figcaption",
        "caption",
        "hr",
    ]
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_ALLOWED_TAGS = _BLOCK_TAGS | {"span", "a", "em", "strong", "b", "i", "u", "sub", "sup", "code"}
_HYPHEN_WRAP = re.compile(r"(\w)-\n(\w)")
_MIN_PDF_TEXT_CHARS = 20


@dataclass(frozen=True, slots=True)
class MaterialFile:
    """An uploaded course-material file: its name, raw bytes and optional MIME type."""

    name: str
    data: bytes
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Passages from every readable file, plus one error per unreadable file."""

    passages: tuple[Passage, ...]
    errors: tuple[MaterialError, ...]


@dataclass(frozen=True, slots=True)
class TextBlock:
    """A paragraph (or table, heading) of a file, with its page and nearest heading."""

    text: str
    page: int | None
    paragraph: int
    heading: str | None


class MaterialReadError(VerificationError):
    """A file could not be read; ``code`` is a `MaterialErrorCode`, ``message`` says the fix."""

    def __init__(self, code: MaterialErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: MaterialErrorCode = code
        self.message = message


def ingest_materials(
    files: Iterable[MaterialFile], chunk_config: ChunkConfig | None = None
) -> IngestResult:
    """Read course-material files into de-duplicated passages.

    Args:
        files: the materials; the type comes from ``content_type``, the file
            extension, or the first bytes, in that order.
        chunk_config: passage size and overlap.

    Returns:
        Passages in file order, and a `MaterialError` (file name, code, message
        with the fix) for each file that could not be read. Codes: ``empty``,
        ``corrupt``, ``encrypted``, ``no_text``, ``unsupported_type``.

    Example:
        >>> result = ingest_materials([MaterialFile("notes.txt", b"Cells contain DNA.")])
        >>> result.passages[0].text, result.errors
        ('Cells contain DNA.', ())
    """
    chunk_config = chunk_config or ChunkConfig()
    passages: list[Passage] = []
    errors: list[MaterialError] = []
    seen: set[str] = set()
    for material in files:
        try:
            blocks = read_blocks(material)
        except MaterialReadError as exc:
            errors.append(MaterialError(material.name, exc.code, exc.message))
            continue
        for passage in chunk_blocks(blocks, material.name, chunk_config):
            key = " ".join(passage.text.lower().split())
            if key not in seen:
                seen.add(key)
                passages.append(passage)
    return IngestResult(passages=tuple(passages), errors=tuple(errors))


def submission_text_from_html(html: str) -> str:
    """Plain text of an HTML essay (Canvas text entries are HTML).

    Scripts and styles are dropped, entities decoded, and each block element
    (paragraph, list item, heading) becomes its own paragraph separated by a
    blank line. Claim offsets refer to this returned text, so store it.

    Example:
        >>> submission_text_from_html("<p>Cells divide.</p><script>x()</script><p>DNA.</p>")
        'Cells divide.\\n\\nDNA.'
    """
    return "\n\n".join(block.text for block in _html_blocks(html))


def document_text(material: MaterialFile) -> str:
    """Plain text of one document, such as an essay uploaded as PDF or DOCX.

    Paragraphs and headings are separated by a blank line.

    Raises:
        MaterialReadError: the file is empty, corrupt, encrypted, a scan without
            text, or of an unsupported type; ``code`` and ``message`` say which.

    Example:
        >>> document_text(MaterialFile("essay.md", b"# Title\\n\\nCells divide."))
        'Title\\n\\nCells divide.'
    """
    return "\n\n".join(block.text for block in read_blocks(material))


def read_blocks(material: MaterialFile) -> list[TextBlock]:
    """Paragraph blocks of one file, in reading order.

    Raises:
        MaterialReadError: the file cannot be read (see `document_text`).
    """
    if not material.data.strip():
        raise MaterialReadError(
            "empty", f"{material.name} is empty; upload the file again or remove it"
        )
    kind = _detect_kind(material)
    readers: dict[str, Callable[[MaterialFile], list[TextBlock]]] = {
        "pdf": _read_pdf,
        "docx": _read_docx,
        "html": lambda m: _html_blocks(_decode(m)),
        "markdown": _read_markdown,
        "text": lambda m: _text_blocks(_decode(m), page=None),
    }
    if kind not in readers:
        raise MaterialReadError(
            "unsupported_type",
            f"{material.name} has an unsupported type ({material.content_type or kind}); "
            "upload PDF, DOCX, HTML, Markdown or plain text",
        )
    blocks = readers[kind](material)
    if not blocks:
        raise MaterialReadError(
            "empty", f"{material.name} contains no text; check that it is the right file"
        )
    return blocks


def _detect_kind(material: MaterialFile) -> str:
    content_type = (material.content_type or "").split(";")[0].strip().lower()
    by_type = {
        "application/pdf": "pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
        "text/html": "html",
        "text/markdown": "markdown",
        "text/x-markdown": "markdown",
        "text/plain": "text",
    }
    if content_type in by_type:
        return by_type[content_type]
    suffix = PurePath(material.name).suffix.lower()
    by_suffix = {
        ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html",
        ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
    }  # fmt: skip
    if suffix in by_suffix:
        return by_suffix[suffix]
    head = material.data[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK"):
        return "docx"
    if b"\x00" in material.data[:1024]:
        return suffix or "binary"
    return "text"


def _decode(material: MaterialFile) -> str:
    if b"\x00" in material.data[:1024]:
        raise MaterialReadError(
            "corrupt", f"{material.name} looks binary, not text; upload it as PDF or DOCX"
        )
    try:
        return material.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Windows exports; cp1252 decodes almost any byte sequence.
        return material.data.decode("cp1252", errors="replace")


def _read_pdf(material: MaterialFile) -> list[TextBlock]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(material.data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise MaterialReadError(
                "encrypted",
                f"{material.name} is password-protected; upload a copy without a password",
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except MaterialReadError:
        raise
    # pypdf signals malformed files with its own errors and, deeper in the
    # parser, with ValueError/KeyError/TypeError/IndexError.
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise MaterialReadError(
            "corrupt",
            f"{material.name} could not be read as a PDF ({type(exc).__name__}: {exc}); "
            "open it and re-export or re-save it as PDF",
        ) from exc
    if not pages:
        raise MaterialReadError("empty", f"{material.name} has no pages")
    if sum(len(text.strip()) for text in pages) < _MIN_PDF_TEXT_CHARS:
        raise MaterialReadError(
            "no_text",
            f"{material.name} has {len(pages)} page(s) but no text layer (a scan?); run OCR "
            "on it or upload the original document",
        )
    blocks: list[TextBlock] = []
    for number, text in enumerate(pages, start=1):
        blocks.extend(_text_blocks(_HYPHEN_WRAP.sub(r"\1\2", text), page=number))
    return blocks


def _read_docx(material: MaterialFile) -> list[TextBlock]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    if material.data.startswith(b"\xd0\xcf\x11\xe0"):
        raise MaterialReadError(
            "encrypted",
            f"{material.name} is a password-protected or legacy .doc file; save it as .docx "
            "without a password",
        )
    try:
        document = docx.Document(io.BytesIO(material.data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise MaterialReadError(
            "corrupt",
            f"{material.name} could not be read as DOCX ({type(exc).__name__}); open it in "
            "Word or LibreOffice and save it again as .docx",
        ) from exc
    blocks: list[TextBlock] = []
    heading: str | None = None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = [
                "; ".join(c.text.strip() for c in row.cells if c.text.strip()) for row in item.rows
            ]
            text = "\n".join(r for r in rows if r)
        else:
            text = item.text.strip()
            style = (item.style.name if item.style is not None else "") or ""
            if text and (style.startswith("Heading") or style == "Title"):
                heading = text
                continue
        if text:
            blocks.append(TextBlock(text, None, len(blocks) + 1, heading))
    return blocks


def _read_markdown(material: MaterialFile) -> list[TextBlock]:
    from markdown_it import MarkdownIt

    return _html_blocks(MarkdownIt("commonmark").enable("table").render(_decode(material)))


def _text_blocks(text: str, *, page: int | None) -> list[TextBlock]:
    blocks: list[TextBlock] = []
    heading: str | None = None
    for span, is_heading in split_blocks(text):
        if is_heading:
            heading = span.text.lstrip("#").strip()
        else:
            blocks.append(TextBlock(" ".join(span.text.split()), page, len(blocks) + 1, heading))
    return blocks


class TextBlockParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, bool]] = []
        self._parts: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()
            self._in_heading = tag in _HEADING_TAGS

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        self._parts.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        if text:
            self.blocks.append((text, self._in_heading))
        self._parts = []


def _html_blocks(html: str) -> list[TextBlock]:
    # nh3 (ammonia) removes scripts, styles and attributes; the parser then
    # only sees harmless structure and text.
    clean = nh3.clean(html, tags=set(_ALLOWED_TAGS), attributes={}, link_rel=None)
    parser = TextBlockParser()
    parser.feed(clean)
    parser.close()
    parser._flush()
    blocks: list[TextBlock] = []
    heading: str | None = None
    for text, is_heading in parser.blocks:
        # Headings stay in the blocks (document_text shows them) but are not
        # counted as paragraphs, so "paragraph 2" means the second one of text.
        paragraph = sum(1 for b in blocks if b.heading != b.text) + 1
        if is_heading:
            heading = text
            blocks.append(TextBlock(text, None, paragraph, text))
        else:
            blocks.append(TextBlock(text, None, paragraph, heading))
    return blocks


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
