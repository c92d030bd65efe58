"""Writes of the draft check: start a check (the course's rules first), prune old drafts.

A check is a `VerificationRun` with source `draft`, created and executed exactly
like every other run (verification.services.run_create / run_execute); its task is
`drafts.run_execute` on the real-time queue (verification.services.run_send)."""

from datetime import UTC, datetime, timedelta

import structlog
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.timesince import timeuntil

from canvas_pipeline.models import CanvasAssignment, CanvasCourse
from drafts.models import Draft
from drafts.selectors import draft_allowance
from lti_tool.models import LtiUser
from smartnotes.errors import ApplicationError
from verification.models import VerificationRun
from verification.services import UploadedMaterial, run_create

logger = structlog.get_logger(__name__)

PRUNE_BATCH = 500


class DraftRateLimited(ApplicationError):
    """The student has used the course's checks for this assignment in the last 24 hours."""

    def __init__(self, message: str, *, next_allowed_at: datetime) -> None:
        super().__init__(message, code="draft_rate_limited")
        self.next_allowed_at = next_allowed_at


def drafts_available_check(course: CanvasCourse | None) -> CanvasCourse:
    """The course, when its students may check drafts; otherwise why not, in plain words."""
    if course is None:
        raise ApplicationError(
            "This course is not connected to Smart Notes yet, so drafts cannot be checked. "
            "Ask your instructor.",
            code="drafts_no_course",
        )
    if not course.drafts_enabled:
        raise ApplicationError(
            "Your instructor has turned off draft checks in this course.", code="drafts_off"
        )
    if course.corpus_id is None:
        raise ApplicationError(
            "Your instructor has not added course materials yet, so there is nothing to "
            "check a draft against.",
            code="drafts_no_materials",
        )
    return course


def rate_limit_message(*, limit: int, next_allowed_at: datetime, now: datetime) -> str:
    when = date_format(next_allowed_at.astimezone(UTC), "H:i \\U\\T\\C \\o\\n l j F")
    return (
        f"You have used all {limit} draft checks for this assignment in the last 24 hours. "
        f"Your next check is possible at {when} (in {timeuntil(next_allowed_at, now)})."
    )


def draft_create(
    *,
    course: CanvasCourse | None,
    user: LtiUser,
    assignment: CanvasAssignment | None,
    essay: UploadedMaterial,
) -> Draft:
    """Start a draft check: the course's rules, then a PENDING run sent on commit.

    Raises ApplicationError (feature off, no materials, empty or too large draft) or
    DraftRateLimited (with the time of the next allowed check)."""
    course = drafts_available_check(course)
    if assignment is not None and assignment.course_id != course.pk:
        raise ApplicationError("That assignment is not in this course.", code="bad_assignment")
    with transaction.atomic():
        # One check at a time per student, so two quick clicks cannot both pass the limit.
        LtiUser.objects.select_for_update().filter(pk=user.pk).first()
        now = timezone.now()
        next_allowed_at = draft_allowance(
            course=course, user=user, assignment=assignment, now=now
        ).next_allowed_at
        if next_allowed_at is not None:
            raise DraftRateLimited(
                rate_limit_message(
                    limit=course.draft_checks_per_day, next_allowed_at=next_allowed_at, now=now
                ),
                next_allowed_at=next_allowed_at,
            )
        run = run_create(
            corpus=course.corpus,  # checked by drafts_available_check
            essay=essay,
            source=VerificationRun.Source.DRAFT,
        )
        draft = Draft(course=course, user=user, assignment=assignment, run=run)
        draft.full_clean()
        draft.save()
    logger.info("drafts.draft.created", draft_id=draft.pk, run_id=run.pk, course_id=course.pk)
    return draft


def assignment_for_launch(
    *, course: CanvasCourse | None, canvas_assignment_id: str, name: str = ""
) -> CanvasAssignment | None:
    """The course's assignment a launch came from (its Canvas id), recorded on first sight."""
    if course is None or not canvas_assignment_id.isdigit():
        return None
    assignment, created = CanvasAssignment.objects.get_or_create(
        course=course,
        canvas_assignment_id=int(canvas_assignment_id),
        defaults={"name": name[:255]},
    )
    if created:
        logger.info("drafts.assignment.recorded", assignment_id=assignment.pk)
    return assignment


def drafts_prune(*, now: datetime | None = None) -> int:
    """Delete drafts older than their course's retention, with their run, claims and text.

    Deleting the run cascades to its claims, overrides, counts and the draft row."""
    now = now or timezone.now()
    deleted = 0
    courses = (
        CanvasCourse.objects.filter(drafts__isnull=False)
        .distinct()
        .values_list("pk", "draft_retention_days")
    )
    for course_id, days in list(courses):
        cutoff = now - timedelta(days=days)
        while True:
            run_ids = list(
                Draft.objects.filter(course_id=course_id, created_at__lt=cutoff).values_list(
                    "run_id", flat=True
                )[:PRUNE_BATCH]
            )
            if not run_ids:
                break
            VerificationRun.objects.filter(pk__in=run_ids).delete()
            deleted += len(run_ids)
    logger.info("drafts.pruned", drafts=deleted)
    return deleted
