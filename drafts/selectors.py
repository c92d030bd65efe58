"""Reads of the draft check. Who may open a draft is decided in
analytics.selectors.access (`drafts_visible_to`); these start from it."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from analytics.access import CourseScope
from analytics.selectors.access import drafts_visible_to
from canvas_pipeline.models import CanvasAssignment, CanvasCourse, SubmissionJob
from drafts.models import Draft
from lti_tool.models import LtiUser
from verification.models import ClaimResult, VerificationRun
from verification.reports import effective_label

# The rate limit's window: any 24 hours, not a calendar day, so it never resets at a
# midnight in a time zone the student is not in.
RATE_WINDOW = timedelta(hours=24)
# Verdicts whose claim links to the passage to reread.
REREAD_LABELS = ("contradicted", "not_enough_evidence")


def draft_list_for_learner(scope: CourseScope, *, limit: int = 20) -> list[Draft]:
    """The student's own drafts in the course, newest first."""
    return list(
        drafts_visible_to(scope)
        .filter(user=scope.user)
        .select_related("run", "assignment")
        .order_by("-created_at")[:limit]
    )


def draft_list_for_staff(scope: CourseScope, *, limit: int = 200) -> list[Draft]:
    """The course's drafts an instructor may open (none unless the course allows it)."""
    return list(
        drafts_visible_to(scope)
        .select_related("run", "assignment", "user")
        .order_by("-created_at")[:limit]
    )


@dataclass(frozen=True)
class Allowance:
    """A student's draft checks of one assignment in the last 24 hours."""

    limit: int
    left: int
    next_allowed_at: datetime | None  # None: a check may start now


def draft_allowance(
    *,
    course: CanvasCourse,
    user: LtiUser,
    assignment: CanvasAssignment | None,
    now: datetime | None = None,
) -> Allowance:
    """How many checks of this assignment the student has left, and when the next is
    possible. Counted: checks started in the last 24 hours that did not fail (one that
    could not run, e.g. an unreadable file, does not use up the allowance)."""
    now = now or timezone.now()
    limit = course.draft_checks_per_day
    recent = list(
        Draft.objects.filter(
            course=course, user=user, assignment=assignment, created_at__gt=now - RATE_WINDOW
        )
        .exclude(run__status=VerificationRun.Status.FAILED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return Allowance(limit=limit, left=limit - len(recent), next_allowed_at=None)
    # Once the oldest of the last `limit` checks leaves the window, one is free again.
    return Allowance(limit=limit, left=0, next_allowed_at=recent[limit - 1] + RATE_WINDOW)


def drafts_checked_count(course: CanvasCourse | None) -> int:
    """How many drafts the course's students have had checked (all an instructor sees
    of them unless the course lets instructors open drafts)."""
    if course is None:
        return 0
    return Draft.objects.filter(course=course, run__status=VerificationRun.Status.DONE).count()


def assignment_get_for_course(course: CanvasCourse | None, assignment_id: int) -> CanvasAssignment:
    assignment = (
        CanvasAssignment.objects.filter(course=course, pk=assignment_id).first() if course else None
    )
    if assignment is None:
        raise Http404("No such assignment in this course")
    return assignment


def assignments_for_course(course: CanvasCourse | None) -> list[CanvasAssignment]:
    if course is None:
        return []
    return list(CanvasAssignment.objects.filter(course=course).order_by("name", "pk"))


@dataclass(frozen=True)
class RereadPassage:
    """The course-material passage a student should reread for one claim of a draft."""

    claim: ClaimResult
    text: str
    quote: str
    source: str


def claim_get_for_draft(draft: Draft, claim_index: int) -> ClaimResult:
    from verification.reports import claims_effective

    claim = next((c for c in claims_effective(draft.run_id) if c.claim_index == claim_index), None)
    if claim is None:
        raise Http404("No such claim in this draft")
    return claim


def reread_passage(claim: ClaimResult) -> RereadPassage | None:
    """The passage behind a claim's verdict: the one quoted as evidence, else the one
    retrieval ranked first; None when the materials hold nothing near the claim."""
    evidence: list[dict[str, Any]] = list((claim.detail or {}).get("evidence") or [])
    if not evidence:
        return None
    quoted = [
        e for e in evidence if claim.evidence_quote and e.get("quote") == claim.evidence_quote
    ]
    best = quoted[0] if quoted else min(evidence, key=lambda e: e.get("retrieval_rank", 0))
    source = (best.get("source") or {}).get("description") or claim.evidence_source
    return RereadPassage(
        claim=claim,
        text=str(best.get("passage_text") or ""),
        quote=str(best.get("quote") or ""),
        source=str(source or "course materials"),
    )


def has_reread(claim: ClaimResult) -> bool:
    return claim.effective in REREAD_LABELS and bool((claim.detail or {}).get("evidence"))


@dataclass(frozen=True)
class DraftProgress:
    """Per assignment: the student's drafts, and whether the claims to reread went down
    from the last draft to the submission."""

    assignment: CanvasAssignment
    drafts: int
    draft_flagged: int | None  # contradicted + not enough evidence, last finished draft
    submission_flagged: int | None  # the same, latest submission the student may see

    @property
    def improved(self) -> bool | None:
        if self.draft_flagged is None or self.submission_flagged is None:
            return None
        return self.submission_flagged < self.draft_flagged


def _flagged(run_id: int) -> int:
    return (
        ClaimResult.objects.filter(run_id=run_id)
        .annotate(shown=effective_label())
        .filter(shown__in=REREAD_LABELS)
        .count()
    )


def draft_progress_for_learner(scope: CourseScope) -> tuple[int, list[DraftProgress]]:
    """Drafts checked in all, and draft-to-submission progress per assignment."""
    from analytics.selectors.common import jobs_verified

    drafts: QuerySet[Draft] = drafts_visible_to(scope).filter(user=scope.user)
    total = drafts.filter(run__status=VerificationRun.Status.DONE).count()
    per_assignment = (
        drafts.filter(assignment__isnull=False)
        .values("assignment_id")
        .annotate(n=Count("id", filter=Q(run__status=VerificationRun.Status.DONE)))
    )
    rows: list[DraftProgress] = []
    if not scope.course:
        return total, rows
    jobs = jobs_verified(scope.course, states=(SubmissionJob.State.DONE,), scope=scope)
    for entry in per_assignment:
        assignment = CanvasAssignment.objects.get(pk=entry["assignment_id"])
        last = (
            drafts.filter(assignment=assignment, run__status=VerificationRun.Status.DONE)
            .order_by("-created_at")
            .values_list("run_id", flat=True)
            .first()
        )
        job_run = jobs.filter(assignment=assignment).values_list("run_id", flat=True).first()
        rows.append(
            DraftProgress(
                assignment=assignment,
                drafts=entry["n"],
                draft_flagged=_flagged(last) if last else None,
                submission_flagged=_flagged(job_run) if job_run else None,
            )
        )
    return total, sorted(rows, key=lambda r: (r.assignment.name, r.assignment.pk))


def draft_claim_fragment(
    draft: Draft, claim: ClaimResult, *, request: HttpRequest
) -> dict[str, str]:
    """One claim of a draft as the shared claim partial shows it, with its reread link."""
    context = {"c": claim, "staff": False, "draft": draft, "reread": has_reread(claim)}
    html = render_to_string("drafts/_claim.html", context, request=request)
    return {"id": f"claim-{claim.claim_index}", "html": html.strip()}


def draft_snapshot(draft: Draft, *, request: HttpRequest) -> dict[str, Any]:
    """The draft's run as the shared progress snapshot (verification.run_progress), its
    claims rendered with their reread links: in arrival order while the run runs (the
    most important first, wave by wave), most important first once it is done."""
    from verification.reports import claims_arrived, claims_effective
    from verification.run_progress import run_snapshot

    run = VerificationRun.objects.get(pk=draft.run_id)
    snapshot: dict[str, Any] = dict(run_snapshot(run, request=request))
    finished = snapshot["state"] == "done"
    claims = claims_effective(run.pk) if finished else claims_arrived(run.pk)
    snapshot["claims"] = [draft_claim_fragment(draft, c, request=request) for c in claims]
    return snapshot
