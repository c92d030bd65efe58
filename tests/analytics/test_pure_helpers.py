"""Pure helpers: mistake categories, near-duplicate clustering, SVG charts."""

import pytest

from analytics.categories import categorise, category_counts, reason_codes
from analytics.charts import Point, hbars, histogram, trend
from analytics.clustering import cluster_texts


@pytest.mark.parametrize(
    ("text", "codes", "expected"),
    [
        ("The war ended in 1815.", [], "dates_numbers"),
        ("Plants photosynthesise fine.", ["number_mismatch"], "dates_numbers"),
        ("Plants do not need light.", [], "negation"),
        ("Deforestation leads to lower CO levels.", [], "cause_effect"),
        ("Osmosis is the movement of salt across a membrane.", [], "definitions"),
        ("Mitochondria glow green.", [], "other"),
    ],
)
def test_categorise(text, codes, expected):
    assert categorise(text, codes) == expected


def test_reason_codes_tolerate_old_shapes():
    assert reason_codes({"reasons": [{"code": "negation", "message": "m"}, "hedging"]}) == [
        "negation",
        "hedging",
    ]
    assert reason_codes(None) == []


def test_category_counts_most_frequent_first():
    counts = category_counts([("in 1815", []), ("in 1990", []), ("not true", [])])
    assert counts[0] == ("dates_numbers", "Dates and numbers", 2)


def test_near_duplicates_cluster_together():
    clusters = cluster_texts(
        [
            ("Photosynthesis takes place in the mitochondria.", 5, 5),
            ("photosynthesis happens in the mitochondria", 3, 3),
            ("Enzymes slow down chemical reactions.", 4, 4),
            ("Photosynthesis takes place in mitochondria", 2, 2),
            ("Photosynthesis takes place in the chloroplasts.", 1, 1),
            ("Ingenhousz showed in 1879 that plants need light.", 2, 2),
            ("Jan Ingenhousz showed in 1779 that plants need sunlight.", 1, 1),
        ]
    )
    assert [c.count for c in clusters] == [10, 4, 2, 1, 1]
    assert clusters[0].text == "Photosynthesis takes place in the mitochondria."


def test_charts_escape_text_and_carry_a_title():
    evil = "<script>alert(1)</script>"
    for svg in (
        histogram("h", [(evil, 3)], title=evil),
        trend("t", [Point(evil, 0.5), Point("b", None)], title="T", reference=[Point(evil, 0.4)]),
        hbars("b", [(evil, 2, "#000")], title="B"),
    ):
        assert "<script>" not in svg
        assert svg.startswith("<svg")
        assert "<title" in svg
        assert 'role="img"' in svg
