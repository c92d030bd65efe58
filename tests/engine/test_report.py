"""Report JSON (schema, round trip) and the plain-text Canvas comment."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.engine.helpers import make_report, make_result
from verification.engine.errors import ReportFormatError
from verification.engine.report_text import REPORT_MARKER, find_marker, render_text
from verification.engine.types import REPORT_SCHEMA_PATH, Report

SCHEMA = json.loads(REPORT_SCHEMA_PATH.read_text())


@pytest.fixture
def report() -> Report:
    return make_report(
        [
            make_result("supported", 0.9, 0),
            make_result("supported", 0.3, 1),
            make_result("contradicted", 0.8, 2),
            make_result("supported", 0.7, 3, is_conflicting=True),
            make_result("not_enough_evidence", 0.9, 4),
        ]
    )


def test_report_dict_validates_against_schema(report: Report) -> None:
    jsonschema.validate(json.loads(json.dumps(report.to_dict())), SCHEMA)


def test_report_round_trips_through_dict(report: Report) -> None:
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_malformed_report_dict_raises_report_format_error(report: Report) -> None:
    data = report.to_dict()
    del data["claims"]
    with pytest.raises(ReportFormatError, match="malformed"):
        Report.from_dict(data)


def test_text_starts_with_counts_per_verdict(report: Report) -> None:
    first_line = render_text(report).splitlines()[0]
    assert first_line == (
        "Smart Notes checked 5 claims: 3 supported, 0 partially supported, 1 contradicted, "
        "1 not enough evidence (1 with conflicting evidence)."
    )


def test_text_lists_contradicted_then_conflicting_then_low_confidence(report: Report) -> None:
    lines = [
        line
        for line in render_text(report).splitlines()
        if line[:2] in {"1.", "2.", "3.", "4.", "5."}
    ]
    assert [line.split(":")[0] for line in lines] == [
        "1. CONTRADICTED (80%)",
        "2. SUPPORTED, CONFLICTING EVIDENCE (70%)",
        "3. SUPPORTED (30%)",
        "4. NOT ENOUGH EVIDENCE (90%)",
        "5. SUPPORTED (90%)",
    ]


def test_text_shows_evidence_source_reasons_limitations_and_link(report: Report) -> None:
    text = render_text(report, report_url="https://tool.example/r/1")
    assert 'Evidence: "Photosynthesis requires light energy from the sun."' in text
    assert "bio.pdf, page 1" in text
    assert "Why: the claim contains a negation" in text
    assert "About this check: Limits." in text
    assert "Full report: https://tool.example/r/1" in text
    assert "<" not in text


def test_text_ends_with_a_findable_marker(report: Report) -> None:
    text = render_text(report)
    assert text.splitlines()[-1].startswith(REPORT_MARKER)
    assert find_marker(text) is not None
    assert find_marker(text) == find_marker(render_text(report, report_url="https://x"))
