"""Reads for verification pages."""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404

from verification.models import ClaimResult, VerificationRun


@dataclass(frozen=True)
class EssaySegment:
    text: str
    claim: ClaimResult | None


def run_get_demo(*, public_id: str, owned: list[str]) -> VerificationRun:
    """A demo run, only for the browser that created it (404 otherwise): Canvas runs
    hold student essays and are never shown on the demo pages."""
    if str(public_id) not in owned:
        raise Http404("No such demo run in this browser.")
    return get_object_or_404(
        VerificationRun.objects.select_related("corpus"),
        public_id=public_id,
        source=VerificationRun.Source.DEMO,
    )


def essay_segments(*, text: str, claims: list[ClaimResult]) -> list[EssaySegment]:
    """The essay cut at claim offsets, so each claim can be highlighted in place."""
    segments: list[EssaySegment] = []
    position = 0
    for claim in sorted(claims, key=lambda c: c.start):
        if claim.start < position or claim.end > len(text):
            continue  # overlapping or out of range offsets: leave the text unhighlighted
        if claim.start > position:
            segments.append(EssaySegment(text[position : claim.start], None))
        segments.append(EssaySegment(text[claim.start : claim.end], claim))
        position = claim.end
    if position < len(text):
        segments.append(EssaySegment(text[position:], None))
    return segments


def run_comment_preview(*, run: VerificationRun) -> str:
    """The Canvas comment this run would get (the demo's "As a Canvas comment" tab)."""
    from django.conf import settings
    from django.urls import reverse

    from verification.comment import comment_render
    from verification.engine.report_text import REPORT_MARKER, report_marker_id
    from verification.engine.types import Report
    from verification.reports import report_effective

    marker = report_marker_id(Report.from_dict(run.report))
    url = settings.SMARTNOTES_BASE_URL + reverse("verification:demo-run", args=[run.public_id])
    return comment_render(
        report_effective(run), report_url=url, marker_line=f"{REPORT_MARKER}{marker}]"
    )
