"""Writes of the dashboards: verdict overrides, and the instructor actions that
belong to the Canvas pipeline (approve, retry, settings, materials), which are
delegated to canvas_pipeline's services rather than reimplemented."""

from collections.abc import Iterable
from dataclasses import dataclass

import structlog
from django.db import transaction

from analytics.models import ClaimOverride
from canvas_pipeline.models import CanvasCourse, SubmissionJob
from lti_tool.models import LtiUser
from verification.models import ClaimResult
from verification.services import ApplicationError, UploadedMaterial

logger = structlog.get_logger("smartnotes.analytics")
LABELS = {choice.value for choice in ClaimResult.Label}


def claim_override_set(
    *,
    claim: ClaimResult,
    course: CanvasCourse,
    user: LtiUser,
    is_model_correct: bool,
    label: str = "",
    note: str = "",
) -> ClaimOverride:
    """Record an instructor's judgement of one claim (replacing an earlier one).

    Marking the verdict right stores the model's label; marking it wrong needs a
    different, valid label.
    """
    if is_model_correct:
        label = claim.label
    elif label not in LABELS:
        raise ApplicationError("Choose the correct verdict.", code="override_label")
    elif label == claim.label:
        raise ApplicationError(
            "The correct verdict must differ from the model's when marking it wrong.",
            code="override_same_label",
        )
    override = ClaimOverride.objects.filter(claim=claim).first() or ClaimOverride(claim=claim)
    override.course = course
    override.model_label = claim.label
    override.label = label
    override.is_model_correct = is_model_correct
    override.note = note[:500]
    override.created_by = user
    override.full_clean(validate_constraints=True)
    override.save()
    logger.info(
        "analytics.override.saved",
        claim_id=claim.pk,
        course_id=course.pk,
        correct=is_model_correct,
        label=label,
    )
    return override


def claim_override_clear(*, claim: ClaimResult) -> None:
    ClaimOverride.objects.filter(claim=claim).delete()


def review_approve(*, job: SubmissionJob, user: LtiUser) -> SubmissionJob:
    """Approve one held report: the pipeline posts the Canvas comment."""
    from canvas_pipeline.services import job_approve

    return job_approve(job_id=job.pk, user=user)


@dataclass(frozen=True)
class BulkResult:
    approved: int
    errors: list[str]


def review_approve_many(*, jobs: Iterable[SubmissionJob], user: LtiUser) -> BulkResult:
    """Approve each held report; one that fails (e.g. already approved) does not stop the rest."""
    from canvas_pipeline.services import job_approve

    approved, errors = 0, []
    for job in jobs:
        try:
            with transaction.atomic():
                job_approve(job_id=job.pk, user=user)
            approved += 1
        except ApplicationError as exc:
            errors.append(f"Submission {job.canvas_submission_id}: {exc}")
    return BulkResult(approved, errors)


def job_retry(*, job: SubmissionJob) -> SubmissionJob:
    from canvas_pipeline.services import job_retry as pipeline_job_retry

    return pipeline_job_retry(job_id=job.pk)


def course_settings_save(
    *,
    course: CanvasCourse,
    auto_post: bool,
    min_confidence: float,
    hold_for_review: bool,
    is_enabled: bool,
) -> CanvasCourse:
    from canvas_pipeline.services.setup import course_settings_update

    return course_settings_update(
        course=course,
        is_enabled=is_enabled,
        auto_post=auto_post,
        min_confidence=min_confidence,
        hold_for_review=hold_for_review,
    )


def course_materials_upload(
    *, course: CanvasCourse, files: list[UploadedMaterial]
) -> CanvasCourse:
    """Add uploaded files to the course's evidence corpus (ingested on a worker)."""
    from canvas_pipeline.services.setup import course_materials_add

    if not files:
        raise ApplicationError("Choose at least one file to upload.", code="no_materials")
    return course_materials_add(course=course, files=files)
