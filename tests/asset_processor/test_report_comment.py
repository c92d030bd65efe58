"""The Asset Report comment names the contradicted claims first, briefly, within the
platform's length."""

from asset_processor.publishing import COMMENT_MAX_CHARS, report_comment

COUNTS = "Smart Notes checked 5 claims against the course materials: 3 supported."


def test_the_contradicted_claims_come_first_by_name():
    comment = report_comment(
        ["Respiration happens in the chloroplasts.", "Ingenhousz worked in 1979."], COUNTS
    )

    assert comment.startswith(
        'Contradicted by the course materials: "Respiration happens in the chloroplasts." '
        '"Ingenhousz worked in 1979."'
    )
    assert comment.index("Contradicted") < comment.index(COUNTS)


def test_many_or_long_claims_are_shortened_within_the_limit():
    claims = ["A very long claim about cells " * 40] * 9

    comment = report_comment(claims, COUNTS)

    assert len(comment) <= COMMENT_MAX_CHARS
    assert "(and 6 more)" in comment
    assert comment.count("…") >= 3


def test_without_contradictions_only_the_counts_are_said():
    assert report_comment([], COUNTS) == (
        COUNTS + " Open the report for the evidence behind each claim."
    )
