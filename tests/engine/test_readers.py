"""File type from content and name; spreadsheets, RTF and CSV read; other formats
refused by their right name; pasted text read like a file of its type."""

from __future__ import annotations

import io

import pytest

from verification.engine import MaterialFile, MaterialReadError, essay_text, ingest_materials
from verification.engine.filetype import detect_kind


def xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Organelles"
    sheet.append(["Organelle", "Role"])
    sheet.append(["Mitochondria", "produce ATP"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_spreadsheet_is_read_row_by_row_with_its_headers() -> None:
    result = ingest_materials([MaterialFile("cells.xlsx", xlsx_bytes())])

    assert result.errors == ()
    (passage,) = result.passages
    assert passage.text == "Organelle: Mitochondria; Role: produce ATP."
    assert passage.source.heading == "Organelles"


def test_a_valid_xlsx_is_not_mistaken_for_docx_whatever_its_name() -> None:
    assert detect_kind(MaterialFile("cells.docx", xlsx_bytes())) == "xlsx"


def test_rtf_is_read_without_its_control_words() -> None:
    rtf = rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0\b Mitochondria\b0  produce ATP.\par}"

    (passage,) = ingest_materials([MaterialFile("notes.rtf", rtf)]).passages

    assert passage.text == "Mitochondria produce ATP."


def test_csv_rows_are_read_as_named_values() -> None:
    data = b"organelle,role\nnucleus,holds DNA\n"

    (passage,) = ingest_materials([MaterialFile("cells.csv", data)]).passages

    assert passage.text == "organelle: nucleus; role: holds DNA."


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("slides.pptx", None, "a PowerPoint presentation (.pptx)"),
        ("bundle.zip", None, "a ZIP archive"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "Word/Excel 97-2003"),
        ("photo.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF", "a JPEG image"),
        ("report.pdf", b"Just text, renamed.", "named as PDF but its content is not one"),
    ],
)
def test_a_format_not_read_is_refused_by_its_right_name(name, data, words) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            member = "ppt/presentation.xml" if name.endswith(".pptx") else "notes.txt"
            archive.writestr(member, "x")
        data = buffer.getvalue()

    (error,) = ingest_materials([MaterialFile(name, data)]).errors

    assert words in error.message
    assert error.message.startswith(name)


def test_a_valid_zip_with_broken_docx_xml_is_a_per_file_error() -> None:
    import zipfile

    from tests.engine.test_ingest import make_docx

    source = zipfile.ZipFile(io.BytesIO(make_docx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, body[:50] if info.filename == "word/document.xml" else body)

    (error,) = ingest_materials([MaterialFile("broken.docx", buffer.getvalue())]).errors

    assert error.code == "corrupt"
    assert error.message.startswith("broken.docx could not be read as DOCX")


def test_pasted_html_and_an_html_file_give_the_same_text() -> None:
    html = b"<script>alert('The sun is cold.')</script><p>Plants need light.</p>"

    pasted = essay_text(MaterialFile("The pasted essay", html))
    uploaded = essay_text(MaterialFile("essay.html", html))

    assert pasted == uploaded == "Plants need light."


def test_an_essay_over_the_limit_is_refused_naming_both_lengths() -> None:
    from verification.engine import InputLimits

    with pytest.raises(MaterialReadError, match="is 2,000 characters long; the limit is 1,000"):
        essay_text(MaterialFile("essay.txt", b"x" * 2000), InputLimits(essay_max_chars=1000))


def test_files_past_the_count_limit_are_reported_not_read() -> None:
    from verification.engine import InputLimits

    files = [MaterialFile(f"{n}.txt", f"Fact number {n}.".encode()) for n in range(3)]

    result = ingest_materials(files, limits=InputLimits(files_max=2))

    assert [(e.file_name, e.code) for e in result.errors] == [("2.txt", "too_large")]
    assert len(result.passages) == 2


def test_a_long_hard_wrapped_paragraph_is_joined_in_linear_time() -> None:
    import time

    text = ("word " * 8 + "\n") * 100_000
    started = time.perf_counter()

    ingest_materials([MaterialFile("long.txt", text.encode())])

    assert time.perf_counter() - started < 20
