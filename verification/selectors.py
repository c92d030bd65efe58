"""Reads for verification pages."""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404

from verification.models import ClaimResult, VerificationRun

VERDICT_ORDER = ("contradicted", "partially_supported", "not_enough_evidence", "supported")


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


def claim_results_list_for_run(*, run: VerificationRun) -> list[ClaimResult]:
    return list(run.claims.order_by("claim_index"))


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


def verdict_counts(*, claims: list[ClaimResult]) -> list[tuple[str, int]]:
    counts = {label: 0 for label in VERDICT_ORDER}
    for claim in claims:
        counts[claim.label] = counts.get(claim.label, 0) + 1
    return list(counts.items())


def claims_by_importance(*, claims: list[ClaimResult]) -> list[ClaimResult]:
    """Contradicted and conflicting first, then by rising confidence."""
    return sorted(
        claims,
        key=lambda c: (not c.is_conflicting, VERDICT_ORDER.index(c.label), c.confidence),
    )
