"""One reader per format: bytes in, `TextBlock`s out, bounded in size, items and time.

Every reader raises only `MaterialReadError`; `read_file` turns anything else a
third-party parser throws on a damaged file into a per-file ``corrupt`` error,
so one bad file never stops the others. Costs are bounded *before* the
expensive step: ZIP members by their declared (and enforced) inflated size,
PDFs by page count and decoded content size, text by characters, and every
loop by `ReadContext.tick` (items and wall-clock time).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from typing import Any

import nh3

from verification.engine.filetype import KIND_NAMES, Kind, detect_kind
from verification.engine.limits import InputLimits, mb
from verification.engine.material import MaterialFile, MaterialReadError, ReadContext, TextBlock
from verification.engine.text import split_blocks

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
_MARKUP_MEMBER = re.compile(r"\.(?:xml|rels|vml)$", re.IGNORECASE)


def read_file(material: MaterialFile, limits: InputLimits) -> list[TextBlock]:
    """Paragraph blocks of one file, in reading order.

    Raises:
        MaterialReadError: the file is empty, too large, of a type not read,
            encrypted, damaged or without text; ``message`` names the file and
            the fix. Nothing else escapes.
    """
    ctx = ReadContext(material.name, limits)
    if not material.data.strip():
        raise MaterialReadError(
            "empty", f"{material.name} is empty; upload the file again or remove it"
        )
    ctx.check_size(len(material.data))
    kind = detect_kind(material)
    try:
        blocks = READERS[kind](material, ctx)
    except MaterialReadError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise ctx.too_large("is too large or too deeply nested to read") from exc
    # Parsers for binary formats (pypdf, python-docx, openpyxl, lxml, zipfile)
    # signal damaged input with a wide, undocumented range of exceptions; any of
    # them means this one file is unreadable, never that ingestion should stop.
    except Exception as exc:
        raise ctx.corrupt(KIND_NAMES[kind]) from exc
    if not blocks:
        raise MaterialReadError(
            "empty", f"{material.name} contains no text; check that it is the right file"
        )
    return blocks


def decode_text(material: MaterialFile, ctx: ReadContext) -> str:
    """The file's bytes as text (UTF-8, else Windows-1252), within ``text_max_chars``."""
    limit = ctx.limits.text_max_chars
    if len(material.data) > 4 * limit:
        raise ctx.too_large(f"holds more than {limit:,} characters of text")
    if b"\x00" in material.data[:1024]:
        raise MaterialReadError(
            "corrupt", f"{material.name} looks binary, not text; upload it as PDF or DOCX"
        )
    try:
        text = material.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Windows exports; cp1252 decodes almost any byte sequence.
        text = material.data.decode("cp1252", errors="replace")
    if len(text) > limit:
        raise ctx.too_large(f"holds {len(text):,} characters of text (limit {limit:,})")
    return text


def text_blocks(text: str, ctx: ReadContext, *, page: int | None = None) -> list[TextBlock]:
    blocks: list[TextBlock] = []
    heading: str | None = None
    paragraphs = 0
    for span, is_heading in split_blocks(text):
        ctx.tick()
        # As in HTML: a heading stays a block (an essay's text keeps it; a single
        # unpunctuated line is still text), but is not a passage or a paragraph.
        if is_heading:
            heading = " ".join(span.text.lstrip("#").split())
            blocks.append(TextBlock(heading, page, paragraphs + 1, heading))
        else:
            paragraphs += 1
            blocks.append(TextBlock(" ".join(span.text.split()), page, paragraphs, heading))
    return blocks


class _BlockParser(HTMLParser):
    """Text per block element; linear in the input (each flush touches only its own parts)."""

    def __init__(self, ctx: ReadContext) -> None:
        super().__init__(convert_charrefs=True)
        self.ctx = ctx
        self.blocks: list[tuple[str, bool]] = []
        self._parts: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.flush()
            self._in_heading = tag in _HEADING_TAGS

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.flush()
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        self._parts.append(data)

    def flush(self) -> None:
        if not self._parts:
            return
        text = " ".join("".join(self._parts).split())
        self._parts = []
        if text:
            self.ctx.tick()
            self.blocks.append((text, self._in_heading))


def html_blocks(html: str, ctx: ReadContext) -> list[TextBlock]:
    """Blocks of an HTML document; scripts, styles and attributes never reach the text."""
    limit = ctx.limits.text_max_chars
    if len(html) > limit:
        raise ctx.too_large(f"holds {len(html):,} characters of HTML (limit {limit:,})")
    # nh3 (ammonia, linear time) removes scripts, styles and attributes; the
    # parser then only sees well-formed, harmless structure and text.
    clean = nh3.clean(
        html,
        tags=set(_ALLOWED_TAGS),
        clean_content_tags={"script", "style", "title", "noscript", "template"},
        attributes={},
        link_rel=None,
    )
    parser = _BlockParser(ctx)
    parser.feed(clean)
    parser.close()
    parser.flush()
    blocks: list[TextBlock] = []
    heading: str | None = None
    paragraphs = 0
    for text, is_heading in parser.blocks:
        # Headings stay in the blocks (document_text shows them) but are not
        # counted as paragraphs, so "paragraph 2" means the second one of text.
        if is_heading:
            heading = text
            blocks.append(TextBlock(text, None, paragraphs + 1, text))
        else:
            paragraphs += 1
            blocks.append(TextBlock(text, None, paragraphs, heading))
    return blocks


def _read_pdf(material: MaterialFile, ctx: ReadContext) -> list[TextBlock]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(material.data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise MaterialReadError(
            "encrypted", f"{material.name} is password-protected; upload a copy without a password"
        )
    n_pages = len(reader.pages)
    if n_pages == 0:
        raise MaterialReadError("empty", f"{material.name} has no pages")
    if n_pages > ctx.limits.pdf_pages_max:
        raise ctx.too_large(f"has {n_pages:,} pages (limit {ctx.limits.pdf_pages_max:,})")
    # Text extraction parses each page's content stream, so its cost follows the
    # decoded content summed over pages (pages may share one stream); that sum
    # is bounded before any page is parsed.
    content_bytes = sum(_pdf_content_bytes(page) for page in reader.pages)
    if content_bytes > ctx.limits.pdf_content_max_bytes:
        raise ctx.too_large(
            f"has {mb(content_bytes)} of page content to parse "
            f"(limit {mb(ctx.limits.pdf_content_max_bytes)})"
        )
    pages: list[str] = []
    for page in reader.pages:
        ctx.tick()
        pages.append(page.extract_text() or "")
    if sum(len(text.strip()) for text in pages) < _MIN_PDF_TEXT_CHARS:
        raise MaterialReadError(
            "no_text",
            f"{material.name} has {n_pages} page(s) but no text layer (a scan?); run OCR "
            "on it or upload the original document",
        )
    blocks: list[TextBlock] = []
    for number, text in enumerate(pages, start=1):
        blocks.extend(text_blocks(_HYPHEN_WRAP.sub(r"\1\2", text), ctx, page=number))
    return blocks


def _pdf_content_bytes(page: Any) -> int:
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, list) else [contents]
    total = 0
    for stream in streams:
        stream = stream.get_object()
        total += len(stream.get_data()) if hasattr(stream, "get_data") else 0
    return total


def zip_check(material: MaterialFile, ctx: ReadContext) -> None:
    """Refuse a ZIP-based file whose members would inflate past the limits, before parsing.

    The declared sizes are binding: zipfile stops each member at its declared
    size and checks its CRC, so a member cannot inflate further than it says.
    """
    with zipfile.ZipFile(io.BytesIO(material.data)) as archive:
        infos = archive.infolist()
    limits = ctx.limits
    if len(infos) > limits.zip_members_max:
        raise ctx.too_large(f"has {len(infos):,} parts (limit {limits.zip_members_max:,})")
    inflated = sum(info.file_size for info in infos)
    markup = sum(info.file_size for info in infos if _MARKUP_MEMBER.search(info.filename))
    markup_max = limits.inflated_max_bytes // 4
    if inflated > limits.inflated_max_bytes or markup > markup_max:
        raise ctx.too_large(
            f"inflates to {mb(inflated)} ({mb(markup)} of XML; limits "
            f"{mb(limits.inflated_max_bytes)} and {mb(markup_max)})"
        )


def _read_docx(material: MaterialFile, ctx: ReadContext) -> list[TextBlock]:
    import docx
    from docx.table import Table

    zip_check(material, ctx)
    document = docx.Document(io.BytesIO(material.data))
    # One lookup table instead of python-docx's per-paragraph style search.
    style_names = {style.style_id: style.name or "" for style in document.styles}
    blocks: list[TextBlock] = []
    heading: str | None = None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = []
            for row in item.rows:
                cells = row.cells
                ctx.tick(1 + len(cells))
                rows.append("; ".join(c.text.strip() for c in cells if c.text.strip()))
            text = "\n".join(r for r in rows if r)
        else:
            ctx.tick()
            text = item.text.strip()
            style = style_names.get(item._p.style or "", "")
            if text and (style.startswith("Heading") or style == "Title"):
                heading = text
                continue
        if text:
            blocks.append(TextBlock(text, None, len(blocks) + 1, heading))
    return blocks


def _read_xlsx(material: MaterialFile, ctx: ReadContext) -> list[TextBlock]:
    import openpyxl

    zip_check(material, ctx)
    # read_only streams each sheet's XML; data_only reads cached values, not formulas.
    workbook = openpyxl.load_workbook(io.BytesIO(material.data), read_only=True, data_only=True)
    blocks: list[TextBlock] = []
    try:
        for sheet in workbook.worksheets:
            rows = (
                ["" if v is None else str(v) for v in row]
                for row in sheet.iter_rows(values_only=True)
            )
            blocks.extend(_table_blocks(rows, ctx, heading=sheet.title, first=len(blocks) + 1))
    finally:
        workbook.close()
    return blocks


def _table_blocks(
    rows: Iterable[list[str]], ctx: ReadContext, *, heading: str | None, first: int = 1
) -> list[TextBlock]:
    """One block per row, each value named by its column header ("Where: chloroplasts"),
    and ended as a sentence, so a row is one piece of evidence on its own."""
    blocks: list[TextBlock] = []
    header: list[str] | None = None
    for row in rows:
        ctx.tick(1 + len(row) // 20)
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if header is None:
            header = cells
            continue
        named = [
            f"{header[i]}: {cell}" if i < len(header) and header[i] else cell
            for i, cell in enumerate(cells)
            if cell
        ]
        text = "; ".join(named)
        blocks.append(
            TextBlock(
                text if text.endswith(".") else text + ".", None, first + len(blocks), heading
            )
        )
    if header is not None and not blocks:
        # A single row: it is the content, not a header.
        blocks.append(TextBlock("; ".join(c for c in header if c) + ".", None, first, heading))
    return blocks


def _read_rtf(material: MaterialFile, ctx: ReadContext) -> list[TextBlock]:
    from striprtf.striprtf import rtf_to_text

    # RTF is 7-bit ASCII with \'hh escapes for the code page; latin-1 keeps every byte.
    raw = material.data.decode("latin-1")
    if len(raw) > ctx.limits.text_max_chars:
        raise ctx.too_large(f"holds more than {ctx.limits.text_max_chars:,} characters")
    text: str = rtf_to_text(raw, errors="replace")  # type: ignore[no-untyped-call]  # striprtf has no annotations
    return text_blocks(text, ctx)


def _read_csv(material: MaterialFile, ctx: ReadContext) -> list[TextBlock]:
    text = decode_text(material, ctx)
    delimiter = "\t" if material.name.lower().endswith(".tsv") else ","
    # A CSV is a table, read like a spreadsheet: one block per row, values named
    # by the header row.
    return _table_blocks(csv.reader(io.StringIO(text), delimiter=delimiter), ctx, heading=None)


def _read_markdown(material: MaterialFile, ctx: ReadContext) -> list[TextBlock]:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(decode_text(material, ctx))
    return html_blocks(html, ctx)


READERS: dict[Kind, Callable[[MaterialFile, ReadContext], list[TextBlock]]] = {
    "pdf": _read_pdf,
    "docx": _read_docx,
    "xlsx": _read_xlsx,
    "rtf": _read_rtf,
    "csv": _read_csv,
    "html": lambda m, ctx: html_blocks(decode_text(m, ctx), ctx),
    "markdown": _read_markdown,
    "text": lambda m, ctx: text_blocks(decode_text(m, ctx), ctx),
}
