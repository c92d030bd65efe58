"""Cost bombs: small files that cost a naive reader minutes and gigabytes (#17 item 2)."""

from __future__ import annotations

import io
import zipfile
import zlib


def inflating_docx(*, inflated_mb: int = 120) -> bytes:
    """A valid DOCX whose document.xml inflates from ~100 KiB to ``inflated_mb`` MB."""
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    paragraph = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>"
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body>"
    )
    body = paragraph * (inflated_mb * 1024 * 1024 // len(paragraph))
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename == "word/document.xml":
                target.writestr(info.filename, head + body + b"</w:body></w:document>")
            else:
                target.writestr(info, source.read(info))
    return out.getvalue()


def empty_paragraphs_html(n: int = 110_000) -> str:
    """The text entry from the report: ``n`` times ``<p>x</p>`` (880 KB at 110,000)."""
    return "<p>x</p>" * n


def shared_stream_pdf(*, pages: int = 50, stream_mb: float = 2.0) -> bytes:
    """A small PDF whose ``pages`` pages all draw one content stream of ``stream_mb`` MB."""
    op = b"BT /F1 12 Tf 72 700 Td (x) Tj ET\n"
    content = zlib.compress(op * int(stream_mb * 1024 * 1024 // len(op)), 9)
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    ] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()
