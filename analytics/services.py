"""Writes of the dashboards: verdict overrides, and the instructor actions that
belong to the Canvas pipeline (approve, retry, settings, materials), which are
delegated to canvas_pipeline's services rather than reimplemented."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from django.db import transaction
from django.db.models import Count
from django.db.models.lookups import Exact

from analytics.models import ClaimOverride, ClaimOverrideEvent, RunVerdictCounts
from analytics.selectors.common import LABELS, effective_label
from canvas_pipeline.models import CanvasCourse, SubmissionJob
from lti_tool.models import LtiUser
from smartnotes.errors import ApplicationError
from verification.models import ClaimResult, VerificationRun
from verification.services import UploadedMaterial

logger = structlog.get_logger("smartnotes.analytics")


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
    elif label not in ClaimResult.Label.values:
        raise ApplicationError("Choose the correct verdict.", code="override_label")
    elif label == claim.label:
        raise ApplicationError(
            "The correct verdict must differ from the model's when marking it wrong.",
            code="override_same_label",
        )
    override = ClaimOverride.objects.filter(claim=claim).first() or ClaimOverride(claim=claim)
    shown_before = override.label if override.pk else claim.label
    override.course = course
    override.model_label = claim.label
    override.label = label
    override.is_model_correct = is_model_correct
    override.note = note[:500]
    override.created_by = user
    override.full_clean(validate_constraints=True)
    with transaction.atomic():
        override.save()
        ClaimOverrideEvent.objects.create(
            claim=claim,
            course=course,
            action=ClaimOverrideEvent.Action.SET,
            from_label=shown_before,
            to_label=label,
            note=override.note,
            created_by=user,
        )
        run_counts_refresh(run_id=claim.run_id)
        _correction_send(run_id=claim.run_id)
    logger.info(
        "analytics.override.saved",
        claim_id=claim.pk,
        course_id=course.pk,
        correct=is_model_correct,
        label=label,
    )
    return override


def claim_override_clear(*, claim: ClaimResult, user: LtiUser | None = None) -> None:
    override = ClaimOverride.objects.filter(claim=claim).first()
    if override is None:
        return
    with transaction.atomic():
        override.delete()
        ClaimOverrideEvent.objects.create(
            claim=claim,
            course=override.course,
            action=ClaimOverrideEvent.Action.CLEARED,
            from_label=override.label,
            to_label=claim.label,
            created_by=user,
        )
        run_counts_refresh(run_id=claim.run_id)
        _correction_send(run_id=claim.run_id)


def _correction_send(*, run_id: int) -> None:
    """A report already published hears of the change: one correction comment and the
    Asset Report re-sent (canvas_pipeline.services.corrections). A held report needs
    nothing: the comment, when approved, is built from the effective verdicts."""
    from canvas_pipeline.services.corrections import job_correct_enqueue_for_run

    job_correct_enqueue_for_run(run_id=run_id)


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
    **drafts: Any,
) -> CanvasCourse:
    """Save the settings page; ``drafts`` are the draft check's (analytics.forms.DRAFT_SETTINGS)."""
    from canvas_pipeline.services.setup import course_settings_update

    return course_settings_update(
        course=course,
        is_enabled=is_enabled,
        auto_post=auto_post,
        min_confidence=min_confidence,
        hold_for_review=hold_for_review,
        **drafts,
    )


def course_materials_upload(*, course: CanvasCourse, files: list[UploadedMaterial]) -> CanvasCourse:
    """Add uploaded files to the course's evidence corpus (ingested on a worker)."""
    from canvas_pipeline.services.setup import course_materials_add

    if not files:
        raise ApplicationError("Choose at least one file to upload.", code="no_materials")
    return course_materials_add(course=course, files=files)


def _counted(run_ids: Any) -> dict[int, dict[str, int]]:
    """Effective verdict counts per run, grouped by the database."""
    per_label = {label: Count("id", filter=Exact(effective_label(), label)) for label in LABELS}
    rows = (
        ClaimResult.objects.filter(run_id__in=run_ids)
        .values("run_id")
        .annotate(total=Count("id"), **per_label)
    )
    return {row.pop("run_id"): row for row in rows}


def run_counts_sync(*, course: CanvasCourse | None) -> int:
    """Store verdict counts for the course's finished runs that have none yet.

    Cheap when nothing is new (one anti-join over the course's jobs). Returns the
    number of runs counted."""
    if course is None:
        return 0
    missing = list(
        SubmissionJob.objects.filter(
            course=course,
            run__status=VerificationRun.Status.DONE,
            run__verdict_counts__isnull=True,
        ).values_list("run_id", flat=True)
    )
    if not missing:
        return 0
    counted = _counted(
        SubmissionJob.objects.filter(
            course=course,
            run__status=VerificationRun.Status.DONE,
            run__verdict_counts__isnull=True,
        ).values("run_id")
    )
    RunVerdictCounts.objects.bulk_create(
        [RunVerdictCounts(run_id=run_id, **counted.get(run_id, {})) for run_id in set(missing)],
        ignore_conflicts=True,  # a concurrent request counted the same runs
        batch_size=2000,
    )
    logger.info("analytics.run_counts.synced", course_id=course.pk, runs=len(missing))
    return len(missing)


def run_counts_refresh(*, run_id: int) -> None:
    """Recount one run (after an override changed one of its claims)."""
    counts = _counted([run_id]).get(run_id, {})
    RunVerdictCounts.objects.update_or_create(
        run_id=run_id, defaults={"total": 0, **dict.fromkeys(LABELS, 0), **counts}
    )
