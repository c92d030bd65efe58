"""WCAG 2.1 AA contrast of the dashboard colour pairs (text 4.5:1, chart marks 3:1)."""

import re
from pathlib import Path

import pytest

from analytics import charts
from analytics.selectors.common import LABEL_COLOURS

CSS = (Path(__file__).resolve().parents[2] / "static" / "smartnotes.css").read_text()
VARS = {
    name: value if len(value) == 7 else "#" + "".join(c * 2 for c in value[1:])
    for name, value in re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", CSS)
}


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize(
    ("fg", "bg"),
    [
        ("sup", "sup-bg"), ("par", "par-bg"), ("con", "con-bg"), ("nee", "nee-bg"),
        ("ink", "bg"), ("muted", "bg"), ("muted", "card"), ("brand", "card"), ("brand", "bg"),
        ("brand-ink", "brand"),
    ],
)  # fmt: skip
def test_text_pairs_meet_aa(fg, bg):
    assert contrast(VARS[fg], VARS[bg]) >= 4.5


@pytest.mark.parametrize(
    "colour", [charts.BAR, charts.CLASS_LINE, charts.INK, *LABEL_COLOURS.values()]
)
def test_chart_marks_meet_non_text_contrast(colour):
    assert contrast(colour, "#ffffff") >= 3.0
