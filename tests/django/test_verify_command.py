import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import ESSAY_TEXT, MATERIALS_TEXT, docx_bytes, pdf_bytes
from verification.engine import REPORT_MARKER


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paragraphs = MATERIALS_TEXT.split("\n\n")
    paths = {
        "pdf": tmp_path / "biology.pdf",
        "docx": tmp_path / "respiration.docx",
        "md": tmp_path / "history.md",
        "corrupt": tmp_path / "corrupt.pdf",
        "essay": tmp_path / "essay.txt",
    }
    paths["pdf"].write_bytes(pdf_bytes(paragraphs[:2]))
    paths["docx"].write_bytes(docx_bytes("Cellular respiration", paragraphs[3:]))
    paths["md"].write_text(
        "# Discovery\n\nIn 1779 Jan Ingenhousz showed that plants need sunlight.\n"
    )
    paths["corrupt"].write_bytes(b"%PDF-1.7\n garbage")
    paths["essay"].write_text(ESSAY_TEXT)
    return paths


def _verify(files: dict[str, Path], *extra: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    materials = [str(files[k]) for k in ("pdf", "docx", "md", "corrupt")]
    call_command(
        "verify", *extra, "--materials", *materials, str(files["essay"]), stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def test_verify_prints_the_comment_text_and_reports_the_corrupt_file(files, verifier_settings):
    out, err = _verify(files)

    assert "corrupt.pdf" in err
    assert REPORT_MARKER in out
    assert "biology.pdf" in out or "respiration.docx" in out or "history.md" in out


def test_verify_json_has_a_verdict_confidence_evidence_and_reasons_per_claim(
    files, verifier_settings
):
    out, _ = _verify(files, "--format", "json")

    report = json.loads(out)
    assert report["claims"]
    for claim in report["claims"]:
        assert claim["label"] in {
            "supported",
            "partially_supported",
            "contradicted",
            "not_enough_evidence",
        }
        assert 0 <= claim["confidence"] <= 1
        assert isinstance(claim["reasons"], list)
    assert report["limitations"]


def test_verify_with_no_readable_material_says_so(tmp_path, verifier_settings):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF garbage")
    essay = tmp_path / "essay.txt"
    essay.write_text(ESSAY_TEXT)

    with pytest.raises(CommandError, match="none of the materials"):
        call_command("verify", "--materials", str(bad), str(essay))
