"""The plain-text Canvas comments: the report comment and a correction comment.

Built from verification.reports' effective report (instructor overrides applied) and
verification.presentation (verdict words, order, claim numbers), so the comment says
what every page says. Canvas shows comments as escaped plain text, with links made
clickable. The last line is a marker the posting step searches for, to adopt a
comment an earlier, crashed try had already posted instead of posting it twice.
"""

from __future__ import annotations

import hashlib
from typing import Any

from verification.models import ClaimResult
from verification.presentation import LABELS, verdict
from verification.reports import EffectiveReport

MAX_CLAIMS = 15
CORRECTION_MARKER = "\u2014 Smart Notes correction [sn:"


def comment_render(
    report: EffectiveReport,
    *,
    report_url: str,
    marker_line: str,
    min_confidence: float = 0.0,
    max_claims: int = MAX_CLAIMS,
) -> str:
    """The report comment: counts, the most important claims first (each with the
    number it has on every page), notes, limitations, the Full report link, the marker."""
    shown = [c for c in report.claims if c.confidence >= min_confidence or c.is_corrected]
    lines = [_summary(report), ""]
    if report.corrected:
        n = len(report.corrected)
        lines[1:1] = [f"Your instructor corrected {n} verdict{'s' if n != 1 else ''}."]
    if shown:
        lines.append("Most important first (numbers as in the full report):")
        for claim in shown[:max_claims]:
            lines.extend(_claim_lines(claim))
        rest = len(shown) - max_claims
        if rest > 0:
            lines.append(f"... and {rest} more claim{'s' if rest != 1 else ''} in the full report.")
        lines.append("")
    left_out = len(report.claims) - len(shown)
    if left_out:
        lines.append(
            f"Note: {left_out} claim{'s' if left_out != 1 else ''} below this course's minimum "
            f"confidence ({min_confidence:.0%}) are only in the full report."
        )
    if report.skipped:
        lines.append(
            f"Not checked: {len(report.skipped)} sentences that are not factual claims "
            "(questions, opinions, headings and the like)."
        )
    lines.extend(f"Note: {note}" for note in report.notes)
    lines.extend(
        f"Could not read {e.get('file_name')}: {e.get('message')}" for e in report.material_errors
    )
    if lines[-1] != "":
        lines.append("")
    lines.append(f"About this check: {report.limitations}")
    lines.extend(["", f"Full report: {report_url}", "", marker_line])
    return "\n".join(lines)


def correction_render(
    report: EffectiveReport, *, previous: dict[str, str], report_url: str, marker_line: str
) -> str:
    """One short comment naming each claim whose verdict changed since the last comment."""
    changed = [c for c in _by_number(report) if previous.get(str(c.number)) != c.effective]
    n = len(changed)
    lines = [
        f"Smart Notes correction: your instructor changed the verdict of {n} "
        f"claim{'s' if n != 1 else ''}."
    ]
    for claim in changed:
        before = previous.get(str(claim.number))
        was = f" (was {verdict(before).word.lower()})" if before else ""
        lines.append(
            f'[{claim.number}] now {verdict(claim.effective).word}{was}: "{_one_line(claim.text)}"'
        )
        note = getattr(getattr(claim, "override", None), "note", "")
        if note:
            lines.append(f"   Your instructor's note: {_one_line(note)}")
    lines.extend(["", f"Full report: {report_url}", "", marker_line])
    return "\n".join(lines)


def correction_marker_line(marker_id: str, revision: int) -> str:
    return f"{CORRECTION_MARKER}{marker_id}:r{revision}]"


def verdicts_digest(verdicts: dict[str, str]) -> str:
    return hashlib.sha256(repr(sorted(verdicts.items())).encode()).hexdigest()[:12]


def _by_number(report: EffectiveReport) -> list[ClaimResult]:
    return sorted(report.claims, key=lambda c: c.number)


def _summary(report: EffectiveReport) -> str:
    total = report.total
    parts = [f"{report.count_of(label)} {verdict(label).name.lower()}" for label in LABELS]
    summary = f"Smart Notes checked {total} claim{'s' if total != 1 else ''}: " + ", ".join(parts)
    if report.conflicting:
        summary += f" ({report.conflicting} with conflicting evidence)"
    unsure = sum(1 for c in report.claims if _needs_review(c))
    if unsure:
        summary += f"; {unsure} need{'s' if unsure == 1 else ''} a human look"
    return summary + "."


def _needs_review(claim: Any) -> bool:
    """The engine flagged the verdict as unsure, and no instructor has judged it since."""
    return (
        bool((claim.detail or {}).get("needs_review")) and getattr(claim, "override", None) is None
    )


def _claim_lines(claim: Any) -> list[str]:
    shown = verdict(claim.effective).word
    if claim.is_corrected:
        model = verdict(claim.label).word.lower()
        head = f"{shown}, corrected by your instructor (the model said {model})"
    else:
        if claim.is_conflicting:
            shown += ", CONFLICTING EVIDENCE"
        if _needs_review(claim):
            shown += ", NEEDS A HUMAN LOOK"
        head = f"{shown} ({claim.confidence:.0%})"
    lines = [f'[{claim.number}] {head}: "{_one_line(claim.text)}"']
    detail = claim.detail or {}
    if claim.evidence_quote:
        source = claim.evidence_source or "course materials"
        lines.append(f'   Evidence: "{_one_line(claim.evidence_quote)}" ({source})')
        scores = detail.get("probabilities") or {}
        if scores and not claim.is_corrected:
            lines.append(
                f"   Scores: {scores.get('entailment', 0):.0%} support, "
                f"{scores.get('contradiction', 0):.0%} contradiction, "
                f"similarity {float(detail.get('similarity') or 0):.2f}"
            )
    else:
        lines.append("   Evidence: none found in the course materials")
    reasons = [r.get("message") for r in detail.get("reasons") or [] if r.get("message")]
    if reasons and not claim.is_corrected:
        lines.append("   Why: " + "; ".join(reasons))
    note = getattr(getattr(claim, "override", None), "note", "")
    if claim.is_corrected and note:
        lines.append(f"   Your instructor's note: {_one_line(note)}")
    return lines


def _one_line(text: str) -> str:
    return " ".join(text.split())
