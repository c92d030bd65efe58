"""A file's type from its content (magic bytes) and its name together.

The content decides between binary formats (a PDF renamed ``.txt`` is still a
PDF); the name and MIME type choose among text formats (HTML, Markdown, CSV,
plain text), and untyped text that holds HTML tags is read as HTML, so pasted
text and an uploaded file of the same type go through one reader. Formats that
are not read are refused by their right name with the fix.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath
from typing import Literal

from verification.engine.material import MaterialFile, MaterialReadError

Kind = Literal["pdf", "docx", "xlsx", "rtf", "html", "markdown", "csv", "text"]

KIND_NAMES: dict[str, str] = {
    "pdf": "PDF",
    "docx": "DOCX",
    "xlsx": "XLSX (Excel workbook)",
    "rtf": "RTF",
    "html": "HTML",
    "markdown": "Markdown",
    "csv": "CSV",
    "text": "plain text",
}
READABLE = "PDF, DOCX, XLSX, RTF, HTML, Markdown, CSV or plain text"

_SUFFIX_KIND: dict[str, Kind] = {
    ".pdf": "pdf", ".docx": "docx", ".docm": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".rtf": "rtf", ".html": "html", ".htm": "html", ".xhtml": "html", ".md": "markdown",
    ".markdown": "markdown", ".csv": "csv", ".tsv": "csv", ".txt": "text", ".text": "text",
}  # fmt: skip
_TYPE_KIND: dict[str, Kind] = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/csv": "csv",
    "text/tab-separated-values": "csv",
    "text/plain": "text",
}
_SAVE_AS = "save it as .docx or PDF"
_REFUSED_SUFFIX: dict[str, tuple[str, str]] = {
    ".doc": ("a Word 97-2003 document (.doc)", "open it in Word and save it as .docx"),
    ".xls": ("an Excel 97-2003 workbook (.xls)", "open it and save it as .xlsx"),
    ".ppt": ("a PowerPoint 97-2003 presentation (.ppt)", "export it as PDF"),
    ".pptx": ("a PowerPoint presentation (.pptx)", "export it as PDF"),
    ".odt": ("an OpenDocument text (.odt)", _SAVE_AS),
    ".ods": ("an OpenDocument spreadsheet (.ods)", "save it as .xlsx"),
    ".odp": ("an OpenDocument presentation (.odp)", "export it as PDF"),
    ".pages": ("an Apple Pages document", "export it as PDF or .docx"),
    ".key": ("an Apple Keynote presentation", "export it as PDF"),
    ".numbers": ("an Apple Numbers spreadsheet", "export it as .xlsx"),
    ".epub": ("an EPUB book", "export the chapters as PDF"),
    ".zip": ("a ZIP archive", "upload the files inside it one by one"),
}  # fmt: skip
_IMAGE = "it holds no text to read: upload the document it came from, or a PDF with a text layer"
_BINARY_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG", "a PNG image", _IMAGE),
    (b"\xff\xd8\xff", "a JPEG image", _IMAGE),
    (b"GIF8", "a GIF image", _IMAGE),
    (b"II*\x00", "a TIFF image", _IMAGE),
    (b"MM\x00*", "a TIFF image", _IMAGE),
    (b"\x1f\x8b", "a gzip archive", "upload the files inside it one by one"),
    (b"7z\xbc\xaf", "a 7-Zip archive", "upload the files inside it one by one"),
    (b"Rar!", "a RAR archive", "upload the files inside it one by one"),
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OPENDOCUMENT = {
    b"application/vnd.oasis.opendocument.text": ".odt",
    b"application/vnd.oasis.opendocument.spreadsheet": ".ods",
    b"application/vnd.oasis.opendocument.presentation": ".odp",
    b"application/epub+zip": ".epub",
}
# Tags that mark text as HTML; a plain essay rarely contains any of them.
_HTML_TAG = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|style|p|div|span|br|h[1-6]|ul|ol|li|table|"
    rb"a|img|iframe|strong|em|b|i|blockquote|pre|section|article)[\s/>]",
    re.IGNORECASE,
)


def _refuse(name: str, what: str, fix: str) -> MaterialReadError:
    return MaterialReadError(
        "unsupported_type", f"{name} is {what}, which Smart Notes does not read; {fix}"
    )


def detect_kind(material: MaterialFile) -> Kind:
    """The reader for ``material``, decided from its first bytes, name and MIME type.

    Raises:
        MaterialReadError: ``unsupported_type`` for formats not read (named, with
            the fix), ``encrypted`` for legacy or password-protected Office
            files, ``corrupt`` when the name promises PDF/DOCX/XLSX and the
            content is not one.

    Example:
        >>> detect_kind(MaterialFile("notes.txt", b"%PDF-1.7 ..."))
        'pdf'
        >>> detect_kind(MaterialFile("pasted essay", b"<p>Cells divide.</p>"))
        'html'
    """
    data, name = material.data, material.name
    suffix = PurePath(name).suffix.lower()
    content_type = (material.content_type or "").split(";")[0].strip().lower()
    declared: Kind | None = _SUFFIX_KIND.get(suffix) or _TYPE_KIND.get(content_type)
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        return _zip_kind(material, declared)
    if data.startswith(_OLE):
        raise MaterialReadError(
            "encrypted",
            f"{name} is a password-protected Office file or a Word/Excel 97-2003 file; save it "
            "as .docx or .xlsx without a password",
        )
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"{\\rtf":
        return "rtf"
    for magic, what, fix in _BINARY_MAGIC:
        if data.startswith(magic):
            raise _refuse(name, what, fix)
    if declared in ("pdf", "docx", "xlsx"):
        raise MaterialReadError(
            "corrupt",
            f"{name} is named as {KIND_NAMES[declared]} but its content is not one (damaged or "
            f"renamed?); open it and save it again as {KIND_NAMES[declared]}",
        )
    if suffix in _REFUSED_SUFFIX:
        raise _refuse(name, *_REFUSED_SUFFIX[suffix])
    if b"\x00" in head:
        raise _refuse(name, "a binary file, not a document", f"upload {READABLE}")
    if declared == "rtf":
        raise MaterialReadError(
            "corrupt", f"{name} is named as RTF but does not start like one; save it again as RTF"
        )
    if declared is not None and not (declared == "text" and not suffix):
        return declared
    return "html" if _HTML_TAG.search(data) else "text"


def _zip_kind(material: MaterialFile, declared: Kind | None) -> Kind:
    name = material.name
    try:
        with zipfile.ZipFile(io.BytesIO(material.data)) as archive:
            names = set(archive.namelist())
            mimetype = b""
            info = archive.NameToInfo.get("mimetype")
            if info is not None and info.file_size < 200:
                mimetype = archive.read(info).strip()
    # zipfile reports damaged archives with BadZipFile, and bad headers, versions,
    # compression methods and encryption with a range of others (NotImplementedError,
    # RuntimeError, zlib.error, ...): all mean "this container cannot be opened".
    except Exception as exc:
        what = KIND_NAMES.get(declared or "", "a ZIP-based document (DOCX, XLSX)")
        raise MaterialReadError(
            "corrupt",
            f"{name} could not be read as {what} ({type(exc).__name__}: the ZIP container is "
            "damaged); open it and save it again",
        ) from exc
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        raise _refuse(name, *_REFUSED_SUFFIX[".pptx"])
    if mimetype in _OPENDOCUMENT:
        raise _refuse(name, *_REFUSED_SUFFIX[_OPENDOCUMENT[mimetype]])
    if declared in ("docx", "xlsx"):
        raise MaterialReadError(
            "corrupt",
            f"{name} is a ZIP file without the parts of {KIND_NAMES[declared]} (damaged or "
            f"renamed?); open it and save it again as {KIND_NAMES[declared]}",
        )
    raise _refuse(name, *_REFUSED_SUFFIX[".zip"])
