"""Asset Processor writes: attach (register the notice handler, then answer the deep
link), submission notices to jobs, per-assignment settings, releasing reports."""

from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from pylti1p3.deep_link import DeepLink

from asset_processor import platform_client
from asset_processor.models import Asset, AssetProcessor, Notice
from asset_processor.notices import NoticeResult
from canvas_pipeline.canvas import CanvasError
from canvas_pipeline.models import CanvasAssignment, CanvasCourse, SubmissionJob
from canvas_pipeline.services.setup import installation_ensure
from lti_tool.claims import Claim
from lti_tool.launch import registration_for
from lti_tool.sessions import LtiLaunch
from smartnotes.errors import ApplicationError

logger = structlog.get_logger(__name__)
REPORT_TYPE = "smartnotes-factcheck"
State = SubmissionJob.State


def _numeric(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def course_for_launch(lti: LtiLaunch) -> CanvasCourse:
    """The Canvas course of an instructor launch (created on first use)."""
    if lti.context is None:
        raise ApplicationError("Open Smart Notes from a course.", code="no_context")
    course = CanvasCourse.objects.filter(lti_context=lti.context).first()
    if course is not None:
        return course
    canvas_course_id = _numeric(lti.custom.get("canvas_course_id"))
    if canvas_course_id is None:
        raise ApplicationError(
            "Canvas did not send the course id; add the custom field "
            "canvas_course_id=$Canvas.course.id to the developer key.",
            code="no_course_id",
        )
    # The context's domain, checked as a hostname at launch (not the raw custom field).
    installation = installation_ensure(
        platform=lti.platform, api_domain=lti.context.canvas_api_domain
    )
    course, _ = CanvasCourse.objects.get_or_create(
        installation=installation,
        canvas_course_id=canvas_course_id,
        defaults={"name": lti.context.title[:255] if lti.context.title else ""},
    )
    if course.lti_context_id is None:
        CanvasCourse.objects.filter(pk=course.pk).update(lti_context=lti.context)
    return course


@dataclass(frozen=True, slots=True)
class _ContentItem:
    """An `ltiAssetProcessor` content item, in the shape pylti1p3's DeepLink signs."""

    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.data


def notice_handler_url() -> str:
    return settings.SMARTNOTES_BASE_URL + reverse("asset_processor:notices")


def processor_attach(
    *, lti: LtiLaunch, title: str, release_policy: str, post_comment: bool = False
) -> tuple[str, str]:
    """Register our notice handler with the platform, record the processor, and return
    (deep_link_return_url, signed LtiDeepLinkingResponse with the ltiAssetProcessor item).

    The PUT runs outside any transaction: no database lock is held while the
    platform answers."""
    activity_id = str((lti.claims.get(Claim.ACTIVITY) or {}).get("id") or "")
    service_url = str(
        lti.platform_notification_service.get("platform_notification_service_url") or ""
    )
    if not activity_id or not service_url:
        raise ApplicationError("Add Smart Notes as a document processor.", code="not_attach")
    if release_policy not in AssetProcessor.ReleasePolicy.values:
        raise ApplicationError("Choose when students see their report.", code="bad_policy")
    course = course_for_launch(lti)
    try:
        platform_client.notice_handler_register(
            platform=lti.platform, service_url=service_url, handler_url=notice_handler_url()
        )
    except CanvasError as exc:
        raise ApplicationError(
            f"Canvas did not accept Smart Notes' notice handler ({exc.message}); try again.",
            code="handler_not_registered",
        ) from exc
    processor, _ = AssetProcessor.objects.update_or_create(
        platform=lti.platform,
        lti_assignment_id=activity_id,
        defaults={
            "deployment_id": str(lti.claims[Claim.DEPLOYMENT_ID]),
            "context": lti.context,
            "course": course,
            "title": title.strip()[:255] or "Smart Notes fact check",
            "release_policy": release_policy,
            "post_comment": post_comment,
            "notice_handler_url": notice_handler_url(),
            "handler_registered_at": timezone.now(),
            "attached_by": lti.user,
        },
    )
    launch_url = settings.SMARTNOTES_BASE_URL + reverse("lti_tool:launch")
    item = {
        "type": "ltiAssetProcessor",
        "url": launch_url,
        "title": processor.title,
        "text": "Checks each claim in the submission against the course materials.",
        "icon": {
            "url": settings.SMARTNOTES_BASE_URL + static("lti_tool/icon.svg"),
            "width": 64,
            "height": 64,
        },
        "custom": {"smartnotes_processor": str(processor.public_id)},
        "report": {
            "url": launch_url,
            "custom": {"smartnotes_processor": str(processor.public_id)},
        },
    }
    dl_settings = lti.claims.get(Claim.DEEP_LINKING_SETTINGS) or {}
    deep_link = DeepLink(
        registration_for(lti.platform), lti.claims[Claim.DEPLOYMENT_ID], dl_settings
    )
    logger.info("asset_processor.attached", processor_id=processor.pk, activity_id=activity_id)
    return dl_settings["deep_link_return_url"], deep_link.get_response_jwt([_ContentItem(item)])


def _attempt_of(submission_id: str) -> int | None:
    """Canvas's submission id is `<submission uuid>:<attempt>`."""
    _, _, attempt = submission_id.rpartition(":")
    return int(attempt) if attempt.isdigit() and int(attempt) > 0 else None


def _assignment_for(course: CanvasCourse, lti_assignment_id: str, custom: dict) -> CanvasAssignment:
    found = CanvasAssignment.objects.filter(course=course, lti_assignment_id=lti_assignment_id)
    assignment = found.first()
    if assignment is not None:
        return assignment
    canvas_id = _numeric(custom.get("canvas_assignment_id"))
    if canvas_id is not None:
        updated = CanvasAssignment.objects.filter(
            course=course, canvas_assignment_id=canvas_id, lti_assignment_id=""
        ).update(lti_assignment_id=lti_assignment_id)
        if updated:
            return found.get()
    assignment, _ = CanvasAssignment.objects.get_or_create(
        course=course,
        lti_assignment_id=lti_assignment_id,
        defaults={"canvas_assignment_id": canvas_id},
    )
    return assignment


def _job_for_attempt(
    processor: AssetProcessor, lti_user_id: str, attempt: int, custom: dict
) -> tuple[SubmissionJob, bool]:
    """The attempt's job by the key shared with Live Events, else the job reconciliation
    made from Canvas ids; created when new."""
    course = processor.course
    key = {
        "installation_id": course.installation_id,
        "lti_assignment_id": processor.lti_assignment_id,
        "lti_user_id": lti_user_id,
        "attempt": attempt,
    }
    job = SubmissionJob.objects.filter(**key).first()
    if job is not None:
        return job, False
    assignment = _assignment_for(course, processor.lti_assignment_id, custom)
    canvas_user_id = str(_numeric(custom.get("canvas_user_id")) or "")
    job = _job_by_canvas_ids(assignment, canvas_user_id, key)
    if job is not None:
        return job, False
    try:
        with transaction.atomic():
            job = SubmissionJob.objects.create(
                **key,
                course=course,
                assignment=assignment,
                canvas_user_id=canvas_user_id,
                source=SubmissionJob.Source.NOTICE,
            )
    except IntegrityError:  # a Live Event or another notice created it a moment ago
        return SubmissionJob.objects.get(**key), False
    return job, True


def _job_by_canvas_ids(
    assignment: CanvasAssignment, canvas_user_id: str, key: dict[str, Any]
) -> SubmissionJob | None:
    """The attempt's job found by assignment, Canvas user and attempt: one reconciliation
    created from the REST listing without knowing the student's LTI id (0006). It takes
    the LTI key, so the next notice for the attempt finds it directly."""
    if not canvas_user_id:
        return None
    job = (
        SubmissionJob.objects.filter(
            assignment=assignment, canvas_user_id=canvas_user_id, attempt=key["attempt"]
        )
        .order_by("pk")
        .first()
    )
    if job is None or job.lti_user_id:
        return job
    lti_ids = {k: key[k] for k in ("lti_assignment_id", "lti_user_id")}
    from canvas_pipeline.services.jobs import job_lti_ids_set

    # False: a notice just took the key, so that job is the attempt's.
    if not job_lti_ids_set(job.pk, lti_ids):
        return SubmissionJob.objects.get(**key)
    return job


def submission_notice_apply(*, notice: Notice) -> NoticeResult:
    """Job (one per attempt) and asset rows for a stored submission notice; the
    `Processing` reports and the job's first step go out once this commits."""
    from asset_processor import tasks
    from canvas_pipeline.services.jobs import job_enqueue

    claims = notice.claims
    activity_id = str((claims.get(Claim.ACTIVITY) or {}).get("id") or "")
    lti_user_id = str((claims.get(Claim.FOR_USER) or {}).get("user_id") or "")
    attempt = _attempt_of(str((claims.get(Claim.SUBMISSION) or {}).get("id") or ""))
    report_url = str((claims.get(Claim.ASSET_REPORT) or {}).get("report_url") or "")
    assets = (claims.get(Claim.ASSET_SERVICE) or {}).get("assets") or []
    if not (activity_id and lti_user_id and attempt and report_url and assets):
        return _notice_outcome(notice, NoticeResult("ignored", "incomplete_notice"))
    processor = (
        AssetProcessor.objects.select_related("course")
        .filter(platform=notice.platform, lti_assignment_id=activity_id)
        .first()
    )
    if processor is None:
        return _notice_outcome(notice, NoticeResult("ignored", "activity_unknown"))
    custom = claims.get(Claim.CUSTOM) or {}
    with transaction.atomic():
        job, created = _job_for_attempt(processor, lti_user_id, attempt, custom)
        now = timezone.now()
        for item in assets:
            if not item.get("asset_id") or not item.get("url"):
                continue
            Asset.objects.update_or_create(
                job=job,
                asset_id=str(item["asset_id"])[:255],
                defaults={
                    "processor": processor,
                    "url": str(item["url"]),
                    "report_url": report_url,
                    "sha256_checksum": str(item.get("sha256_checksum") or "")[:128],
                    "size": _numeric(item.get("size")),
                    "content_type": str(item.get("content_type") or "")[:255],
                    "title": str(item.get("title") or "")[:500],
                    "filename": str(item.get("filename") or "")[:500],
                    "received_at": now,
                },
            )
        Notice.objects.filter(pk=notice.pk).update(job=job)
        transaction.on_commit(lambda: tasks.reports_processing.delay(job.pk), robust=True)
        if created:
            job_enqueue(job.pk, step="process")
        elif job.state == State.DONE and job.run_id is not None:
            # The Live Events path finished first: publish this attempt's reports now.
            transaction.on_commit(lambda: tasks.reports_publish.delay(job.pk), robust=True)
    outcome = "accepted" if created else "duplicate"
    return _notice_outcome(notice, NoticeResult(outcome, "submission", job.pk))


def _notice_outcome(notice: Notice, result: NoticeResult) -> NoticeResult:
    Notice.objects.filter(pk=notice.pk).update(outcome=f"{result.outcome}:{result.reason}"[:32])
    return result


def processor_settings_update(
    *,
    processor: AssetProcessor,
    release_policy: str,
    min_confidence: float,
    post_comment: bool,
    title: str | None = None,
) -> AssetProcessor:
    if release_policy not in AssetProcessor.ReleasePolicy.values:
        raise ApplicationError("Choose when students see their report.", code="bad_policy")
    if not 0.0 <= min_confidence <= 1.0:
        raise ApplicationError("Minimum confidence is between 0 and 1.", code="bad_min_confidence")
    processor.release_policy = release_policy
    processor.min_confidence = min_confidence
    processor.post_comment = post_comment
    if title is not None and title.strip():
        processor.title = title.strip()[:255]
    processor.full_clean()
    processor.save()
    return processor


def job_reports_release(*, job: SubmissionJob) -> int:
    """Make the attempt's reports visible to the student (a newer report replaces the
    hidden one); returns how many assets will be re-reported."""
    from asset_processor import tasks

    with transaction.atomic():
        count = Asset.objects.filter(job=job, released_at__isnull=True).update(
            released_at=timezone.now(), final_report_at=None
        )
        transaction.on_commit(lambda: tasks.reports_publish.delay(job.pk), robust=True)
    logger.info("asset_processor.reports.released", job_id=job.pk, assets=count)
    return count
