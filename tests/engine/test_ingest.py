"""Course materials to passages: real PDF/DOCX/HTML/Markdown files and per-file errors."""

from __future__ import annotations

import io

import pytest

from verification.engine.config import ChunkConfig
from verification.engine.ingest import (
    MaterialFile,
    MaterialReadError,
    document_text,
    ingest_materials,
    submission_text_from_html,
)


def make_pdf(pages: list[list[str]]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for lines in pages:
        for row, line in enumerate(lines):
            pdf.drawString(72, 800 - 16 * row, line)
        pdf.rect(72, 400, 200, 100)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf([["Secret notes about cells."]]))))
    writer.encrypt(user_password="secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Cell biology", level=1)
    document.add_paragraph("Cells contain DNA. The nucleus holds the chromosomes.")
    document.add_heading("Energy", level=2)
    document.add_paragraph("Mitochondria produce ATP for the cell.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_pdf_passages_keep_page_numbers() -> None:
    data = make_pdf([["Photosynthesis requires light."], ["Mitochondria produce ATP."]])
    result = ingest_materials([MaterialFile("bio.pdf", data)])
    assert [(p.text, p.source.page) for p in result.passages] == [
        ("Photosynthesis requires light.", 1),
        ("Mitochondria produce ATP.", 2),
    ]


def test_docx_passages_keep_their_heading() -> None:
    result = ingest_materials([MaterialFile("cells.docx", make_docx())])
    assert [(p.text, p.source.heading) for p in result.passages] == [
        ("Cells contain DNA. The nucleus holds the chromosomes.", "Cell biology"),
        ("Mitochondria produce ATP for the cell.", "Energy"),
    ]


def test_html_drops_scripts_and_styles() -> None:
    html = b"<style>p{}</style><h2>Light</h2><p>Light is fast &amp; bright.</p><script>x()</script>"
    result = ingest_materials([MaterialFile("page.html", html)])
    assert [(p.text, p.source.heading) for p in result.passages] == [
        ("Light is fast & bright.", "Light")
    ]


def test_markdown_is_read_with_headings() -> None:
    markdown = b"# Water\n\nWater boils at *100* degrees at sea level.\n"
    result = ingest_materials([MaterialFile("notes.md", markdown)])
    assert [(p.text, p.source.heading) for p in result.passages] == [
        ("Water boils at 100 degrees at sea level.", "Water")
    ]


def test_long_text_is_chunked_with_sentence_overlap() -> None:
    text = " ".join(f"Sentence {i} is about cells and their parts." for i in range(10))
    result = ingest_materials(
        [MaterialFile("long.txt", text.encode())], ChunkConfig(max_words=20, overlap_sentences=1)
    )
    first, second = result.passages[0].text, result.passages[1].text
    assert first.split(". ")[-1].rstrip(".") == second.split(". ")[0]
    assert all(len(p.text.split()) <= 20 for p in result.passages)


def test_duplicate_passages_are_dropped() -> None:
    files = [
        MaterialFile("a.txt", b"Cells contain DNA."),
        MaterialFile("b.txt", b"cells  contain DNA."),
    ]
    assert len(ingest_materials(files).passages) == 1


@pytest.mark.parametrize(
    ("material", "code"),
    [
        (MaterialFile("broken.pdf", b"%PDF-1.7\n1 0 obj <<"), "corrupt"),
        (MaterialFile("empty.pdf", b""), "empty"),
        (MaterialFile("broken.docx", b"PK\x03\x04 not really a zip"), "corrupt"),
        (
            MaterialFile("legacy.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64),
            "encrypted",
        ),
        (MaterialFile("image.png", b"\x89PNG\r\n\x1a\n\0\0"), "unsupported_type"),
    ],
)
def test_unreadable_file_gives_a_per_file_error(material: MaterialFile, code: str) -> None:
    result = ingest_materials([material, MaterialFile("ok.txt", b"Cells contain DNA.")])
    assert [(e.file_name, e.code) for e in result.errors] == [(material.name, code)]
    assert [p.text for p in result.passages] == ["Cells contain DNA."]


def test_encrypted_pdf_gives_encrypted_error() -> None:
    result = ingest_materials([MaterialFile("locked.pdf", make_encrypted_pdf())])
    assert [e.code for e in result.errors] == ["encrypted"]
    assert "password" in result.errors[0].message


def test_pdf_without_text_layer_is_reported_as_scan() -> None:
    result = ingest_materials([MaterialFile("scan.pdf", make_pdf([[], []]))])
    assert [e.code for e in result.errors] == ["no_text"]
    assert "OCR" in result.errors[0].message


def test_submission_html_becomes_paragraphs_of_text() -> None:
    html = "<p>Cells divide.</p><script>steal()</script><ul><li>DNA &amp; RNA.</li></ul>"
    assert submission_text_from_html(html) == "Cells divide.\n\nDNA & RNA."


def test_document_text_of_an_uploaded_essay() -> None:
    assert document_text(MaterialFile("essay.docx", make_docx())).startswith(
        "Cells contain DNA. The nucleus holds the chromosomes."
    )


def test_document_text_of_unreadable_file_raises_with_code() -> None:
    with pytest.raises(MaterialReadError) as caught:
        document_text(MaterialFile("essay.pdf", b"%PDF-1.7 broken"))
    assert caught.value.code == "corrupt"
