"""The plain-text report posted as a Canvas submission comment.

Canvas shows comments as escaped plain text, so this is text only, with
newlines. The last line is a stable marker (``REPORT_MARKER``) that the glue
searches for to find, and replace, its own earlier comment.
"""

from __future__ import annotations

import hashlib
import re

from verification.engine.types import ClaimResult, Report, VerdictLabel

REPORT_MARKER = "\u2014 Smart Notes report [sn:"
_MARKER_PATTERN = re.compile(re.escape(REPORT_MARKER) + r"([0-9a-f]+)\]")
LOW_CONFIDENCE = 0.5
_LABEL_WORDS: dict[VerdictLabel, str] = {
    "supported": "supported",
    "partially_supported": "partially supported",
    "contradicted": "contradicted",
    "not_enough_evidence": "not enough evidence",
}
_LABEL_PRIORITY: dict[VerdictLabel, int] = {
    "contradicted": 0,
    "partially_supported": 3,
    "not_enough_evidence": 4,
    "supported": 5,
}
_SKIP_WORDS = {
    "question": "questions",
    "opinion": "opinions",
    "first_person_stance": "personal stances",
    "instruction": "instructions",
    "heading": "headings",
    "citation": "citations",
    "too_short": "fragments",
    "vague": "statements too vague to check",
    "claim_cap": "over the claim limit",
}


def importance_order(results: tuple[ClaimResult, ...]) -> list[ClaimResult]:
    """Contradicted first, then conflicting, then low confidence, then the rest.

    Within a group, lower confidence comes first, then text order.
    """

    def key(result: ClaimResult) -> tuple[int, float, int]:
        if result.label == "contradicted":
            group = 0
        elif result.is_conflicting:
            group = 1
        elif result.confidence < LOW_CONFIDENCE:
            group = 2
        else:
            group = _LABEL_PRIORITY[result.label]
        return group, result.confidence, result.claim.index

    return sorted(results, key=key)


def report_marker_id(report: Report) -> str:
    """Stable id of a report's content (corpus, model and claim texts)."""
    digest = hashlib.sha256(f"{report.corpus_version}\x1f{report.model_version}".encode())
    for result in report.claims:
        digest.update(b"\x1e" + result.claim.text.encode())
    return digest.hexdigest()[:12]


def find_marker(comment: str) -> str | None:
    """The marker id in a comment written by `render_text`, or None.

    Example:
        >>> find_marker("...\\n\u2014 Smart Notes report [sn:0a1b2c3d4e5f]")
        '0a1b2c3d4e5f'
    """
    match = _MARKER_PATTERN.search(comment)
    return match.group(1) if match else None


def render_text(report: Report, *, report_url: str | None = None, max_claims: int = 15) -> str:
    """Render a report as the plain-text Canvas comment.

    Args:
        report: the report.
        report_url: link to the full report (shown near the end when given).
        max_claims: claims listed; the rest are counted and left to the full report.

    Returns:
        Plain text: a summary line with counts per verdict, the most important
        claims first (verdict, confidence, evidence quote and source, reasons),
        notes, unreadable materials, the limitations, the link and the marker line.

    Example:
        >>> print(render_text(report, report_url="https://example.org/r/1"))  # doctest: +SKIP
    """
    lines = [_summary(report), ""]
    ordered = importance_order(report.claims)
    if ordered:
        lines.append("Most important first:")
        for number, result in enumerate(ordered[:max_claims], start=1):
            lines.extend(_claim_lines(number, result))
        if len(ordered) > max_claims:
            lines.append(f"... and {len(ordered) - max_claims} more claims in the full report.")
        lines.append("")
    if report.skipped:
        lines.append(_skipped_line(report))
    for note in report.notes:
        lines.append(f"Note: {note}")
    for error in report.material_errors:
        lines.append(f"Could not read {error.file_name}: {error.message}")
    if report.skipped or report.notes or report.material_errors:
        lines.append("")
    lines.append(f"About this check: {report.limitations}")
    if report_url:
        lines.extend(["", f"Full report: {report_url}"])
    lines.extend(["", f"{REPORT_MARKER}{report_marker_id(report)}]"])
    return "\n".join(lines)


def _summary(report: Report) -> str:
    counts = report.counts()
    total = len(report.claims)
    parts = [f"{counts[label]} {_LABEL_WORDS[label]}" for label in _LABEL_WORDS]
    conflicting = sum(1 for r in report.claims if r.is_conflicting)
    summary = f"Smart Notes checked {total} claim{'s' if total != 1 else ''}: " + ", ".join(parts)
    if conflicting:
        summary += f" ({conflicting} with conflicting evidence)"
    unsure = sum(1 for r in report.claims if r.needs_review)
    if unsure:
        summary += f"; {unsure} need{'s' if unsure == 1 else ''} a human look"
    return summary + "."


def _claim_lines(number: int, result: ClaimResult) -> list[str]:
    verdict = _LABEL_WORDS[result.label].upper()
    if result.is_conflicting:
        verdict += ", CONFLICTING EVIDENCE"
    if result.needs_review:
        verdict += ", NEEDS A HUMAN LOOK"
    lines = [f'{number}. {verdict} ({result.confidence:.0%}): "{_one_line(result.claim.text)}"']
    if result.evidence_quote and result.source is not None:
        lines.append(
            f'   Evidence: "{_one_line(result.evidence_quote)}" ({result.source.describe()})'
        )
        lines.append(
            f"   Scores: {result.probabilities.entailment:.0%} support, "
            f"{result.probabilities.contradiction:.0%} contradiction, "
            f"similarity {result.similarity:.2f}"
        )
    else:
        lines.append("   Evidence: none found in the course materials")
    if result.reasons:
        lines.append("   Why: " + "; ".join(r.message for r in result.reasons))
    return lines


def _skipped_line(report: Report) -> str:
    counts: dict[str, int] = {}
    for skipped in report.skipped:
        counts[skipped.reason] = counts.get(skipped.reason, 0) + 1
    detail = ", ".join(f"{n} {_SKIP_WORDS.get(reason, reason)}" for reason, n in counts.items())
    return f"Not checked: {len(report.skipped)} sentences ({detail})."


def _one_line(text: str) -> str:
    return " ".join(text.split())
