"""Any bytes, any text: every reader returns passages or per-file errors in plain
words, never an exception (Hypothesis; damaged copies of the files in corpus/)."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.mutations import SEEDS, mutated_files
from verification.engine import (
    MaterialFile,
    MaterialReadError,
    essay_text,
    ingest_materials,
    submission_text_from_html,
)

FUZZ = settings(max_examples=40, deadline=None)
CODES = {"empty", "corrupt", "encrypted", "no_text", "unsupported_type", "too_large"}
GOOD = MaterialFile("good.txt", b"Zebra finches in the aviary sing at dawn.")


def assert_plain_error(name: str, code: str, message: str) -> None:
    assert code in CODES
    assert message.startswith(name) or name in message
    assert "Traceback" not in message


def test_every_seed_file_is_read_or_refused_by_its_right_name() -> None:
    result = ingest_materials(MaterialFile(name, data) for name, data in SEEDS.items())

    assert {e.file_name: e.code for e in result.errors} == {"archive.zip": "unsupported_type"}
    assert {p.source.file_name for p in result.passages} == set(SEEDS) - {"archive.zip"}


@FUZZ
@given(mutated_files())
def test_a_damaged_file_never_raises_and_a_good_one_beside_it_is_read(
    file: tuple[str, bytes],
) -> None:
    name, data = file
    started = time.perf_counter()

    result = ingest_materials([MaterialFile(name, data), GOOD])

    assert time.perf_counter() - started < 30
    assert any(p.source.file_name == "good.txt" for p in result.passages)
    for error in result.errors:
        assert_plain_error(error.file_name, error.code, error.message)


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(["x.pdf", "x.docx", "x.xlsx", "x.rtf", "x"]))
def test_arbitrary_bytes_under_any_name_never_raise(data: bytes, name: str) -> None:
    result = ingest_materials([MaterialFile(name, data)])

    for error in result.errors:
        assert_plain_error(error.file_name, error.code, error.message)


@FUZZ
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_after_a_format_header_never_raise(tail: bytes) -> None:
    for head in (b"%PDF-1.7\n", b"PK\x03\x04", b"{\\rtf1 ", b"<html><p>", b"\xef\xbb\xbf"):
        ingest_materials([MaterialFile("upload", head + tail)])


@FUZZ
@given(st.text(max_size=3000))
def test_pasted_text_is_read_or_refused_never_raises(text: str) -> None:
    try:
        essay_text(MaterialFile("The pasted essay", text.encode()))
    except MaterialReadError as exc:
        assert_plain_error("The pasted essay", exc.code, exc.message)


@FUZZ
@given(
    st.lists(
        st.sampled_from(["<p>", "</p>", "<h1>", "<script>", "<!--", "<", "&amp;", "x", " ", "\n"]),
        max_size=400,
    )
)
def test_html_fragments_never_raise_and_never_leak_script_tags(parts: list[str]) -> None:
    text = submission_text_from_html("".join(parts))

    assert "<script>" not in text
