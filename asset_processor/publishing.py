"""Reading assets into the job's text, and Asset Reports (Asset Processor 1.0 §7):
`Processing` at once, then one final report per asset: `Processed`,
`NotProcessed` (type or size we do not read) or `Failed` (download or checksum).

Each final report's timestamp is fixed once (``Asset.final_report_at``), so a task
delivered twice re-sends the same report, which the platform keeps as one; an
older timestamp than the platform's gets 409 and is recorded, not retried.
"""

from datetime import UTC, datetime
from typing import Any

import structlog
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from asset_processor import platform_client
from asset_processor.models import Asset, ReportPost
from canvas_pipeline.canvas import CanvasPermanentError
from canvas_pipeline.models import SubmissionJob
from verification.presentation import VERDICTS

logger = structlog.get_logger(__name__)
REPORT_TYPE = "smartnotes-factcheck"
READABLE_TYPES = frozenset(
    {
        "text/html",
        "text/plain",
        "text/markdown",
        "text/csv",
        "text/rtf",
        "application/rtf",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)
# Indication colours: the verdict colours of verification.presentation, one palette.
COLORS = {
    "fine": VERDICTS["supported"].colour,
    "check": VERDICTS["partially_supported"].colour,
    "urgent": VERDICTS["contradicted"].colour,
    "none": VERDICTS["not_enough_evidence"].colour,
}
State = SubmissionJob.State


def iso_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds, as the report service compares them."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _send(asset: Asset, progress: str, timestamp: datetime, **fields: Any) -> int:
    payload = {
        "assetId": asset.asset_id,
        "type": REPORT_TYPE,
        "timestamp": iso_timestamp(timestamp),
        "processingProgress": progress,
        "title": asset.processor.title,
        "priority": 0,
        "visibleToOwner": False,
        **fields,
    }
    status = platform_client.report_post(
        platform=asset.processor.platform, report_url=asset.report_url, payload=payload
    )
    ReportPost.objects.create(
        asset=asset,
        processing_progress=progress,
        timestamp=timestamp,
        payload=payload,
        http_status=status,
    )
    logger.info(
        "asset_processor.report.sent", asset_id=asset.pk, progress=progress, http_status=status
    )
    return status


def reports_processing_post(*, job_id: int) -> int:
    """`Processing` for each asset that has no final report yet, stamped at intake."""
    assets = Asset.objects.select_related("processor__platform").filter(
        job_id=job_id, status=Asset.Status.PENDING, final_report_at__isnull=True
    )
    return sum(
        1
        for asset in assets
        if _send(
            asset,
            "Processing",
            asset.received_at,
            comment="Smart Notes is checking the claims in this submission.",
        )
        == 200
    )


def _final_stamp(asset: Asset) -> datetime:
    """The final report's timestamp, fixed by whoever gets here first."""
    now = timezone.now()
    Asset.objects.filter(pk=asset.pk, final_report_at__isnull=True).update(final_report_at=now)
    asset.refresh_from_db(fields=["final_report_at", "released_at"])
    return asset.final_report_at or now


def _not_read(asset: Asset, progress: str, code: str, message: str) -> None:
    status = Asset.Status.NOT_PROCESSED if progress == "NotProcessed" else Asset.Status.FAILED
    Asset.objects.filter(pk=asset.pk).update(status=status, error_code=code, error_message=message)
    _send(
        asset,
        progress,
        _final_stamp(asset),
        errorCode=code,
        comment=message[:1000],
        indicationColor=COLORS["none"],
        indicationAlt=f"Smart Notes did not check this file: {message}"[:500],
    )


def _asset_text(asset: Asset, max_bytes: int) -> str | None:
    """The asset's text, or None after its NotProcessed/Failed report went out."""
    from verification.services import UploadedMaterial, submission_text_from_upload

    content_type = asset.content_type.split(";", 1)[0].strip().lower()
    name = asset.filename or asset.title or asset.asset_id
    if content_type not in READABLE_TYPES:
        _not_read(
            asset,
            "NotProcessed",
            "UNSUPPORTED_ASSET_TYPE",
            f"{name} ({content_type or 'unknown type'}) is not read; Smart Notes reads text "
            "entries, PDF, DOCX, XLSX, RTF, HTML, Markdown, CSV and plain text.",
        )
        return None
    if asset.size is not None and asset.size > max_bytes:
        _not_read(
            asset,
            "NotProcessed",
            "ASSET_TOO_LARGE",
            f"{name} is larger than {max_bytes // 1024 // 1024} MB.",
        )
        return None
    try:
        downloaded = platform_client.asset_download(
            platform=asset.processor.platform,
            url=asset.url,
            sha256_b64=asset.sha256_checksum,
            size=asset.size,
            max_bytes=max_bytes,
        )
    except (platform_client.AssetDownloadError, CanvasPermanentError) as exc:
        _not_read(asset, "Failed", "DOWNLOAD_FAILED", f"{name} could not be downloaded: {exc}.")
        return None
    from smartnotes.errors import ApplicationError

    # One reader path for every type (HTML text entries included): the same
    # limits, and a per-file message instead of an exception.
    try:
        text = submission_text_from_upload(
            UploadedMaterial(name=name, data=downloaded.data, content_type=content_type)
        )
    except ApplicationError as exc:
        _not_read(asset, "Failed", "CONTENT_UNREADABLE", f"{name}: {exc.message}")
        return None
    Asset.objects.filter(pk=asset.pk).update(status=Asset.Status.READ)
    return text


def _send_failed(asset: Asset, code: str, comment: str, alt: str) -> None:
    """A `Failed` report stamped now; the asset stays retryable."""
    _send(
        asset,
        "Failed",
        timezone.now(),
        errorCode=code,
        comment=comment,
        indicationColor=COLORS["none"],
        indicationAlt=alt,
    )


def _no_materials(assets: list[Asset]) -> None:
    """`Failed` now, so SpeedGrader does not show `Processing` for ever; the assets stay
    pending, so a retry after materials are added reports again with a newer timestamp."""
    for asset in assets:
        if asset.status == Asset.Status.PENDING:
            _send_failed(
                asset,
                "NO_COURSE_MATERIALS",
                "The course has no materials to check claims against yet.",
                "Smart Notes could not check this file: no course materials.",
            )


def job_assets_text(job: SubmissionJob) -> tuple[str, list[str]] | None:
    """canvas_pipeline text source: the attempt's text from its notice's assets, or
    None for a job no notice described (the Canvas REST fetch runs instead)."""
    assets = list(
        Asset.objects.select_related("processor__platform").filter(job=job).order_by("pk")
    )
    if not assets:
        return None
    if job.course.corpus_id is None:
        _no_materials(assets)
        raise CanvasPermanentError(
            "This course has no materials yet; add them on the processor's settings page "
            "(the gear on Smart Notes in the assignment's Document Processing), then press "
            "Retry on the Smart Notes course page.",
            code="no_materials",
        )
    max_bytes = settings.CANVAS_ATTACHMENT_MAX_BYTES
    texts: list[str] = []
    notes: list[str] = []
    for asset in assets:
        if asset.status == Asset.Status.PENDING:
            text = _asset_text(asset, max_bytes)
            asset.refresh_from_db(fields=["status", "error_message"])
        else:
            text = None
        if text and text.strip():
            texts.append(text)
        elif asset.error_message:
            notes.append(asset.error_message)
    if not texts:
        raise CanvasPermanentError(
            " ".join(notes) or "The attempt holds no text.", code="no_readable_asset"
        )
    return "\n\n".join(texts), notes


def _summary(job: SubmissionJob, min_confidence: float) -> dict[str, Any]:
    """result, priority, color, alt text and comment from the job's effective report
    (verification.reports: instructor overrides applied)."""
    from verification.models import VerificationRun
    from verification.reports import report_effective

    report = report_effective(VerificationRun.objects.get(pk=job.run_id))
    kept = [c for c in report.claims if c.confidence >= min_confidence or c.is_corrected]
    counts = {
        label: sum(1 for c in kept if c.effective == label)
        for label in ("supported", "partially_supported", "contradicted", "not_enough_evidence")
    }
    total = len(kept)
    contradicted, unsupported = counts["contradicted"], counts["not_enough_evidence"]
    if contradicted:
        result, level = f"{contradicted} contradicted", "urgent"
        priority = min(5, 3 + (contradicted - 1) // 2)
    elif unsupported:
        result, level, priority = f"{unsupported} unsupported", "check", 1 if unsupported < 3 else 2
    else:
        result, level, priority = (f"{total} supported" if total else "no claims"), "fine", 0
    if len(result) > 16:
        result = result.split(" ", 1)[0][:16]
    alt = (
        f"Smart Notes checked {total} claims against the course materials: "
        f"{counts['supported']} supported, {counts['partially_supported']} partly supported, "
        f"{contradicted} contradicted, {unsupported} without evidence."
    )
    corrected = len(report.corrected)
    if corrected:
        alt += f" Your instructor corrected {corrected} verdict{'s' if corrected != 1 else ''}."
    named = sorted(
        (c for c in kept if c.effective == "contradicted"),
        key=lambda c: (not c.is_corrected, -c.confidence),
    )
    return {
        "result": result,
        "priority": priority,
        "indicationColor": COLORS[level],
        "indicationAlt": alt,
        "comment": report_comment([c.text for c in named], alt),
    }


# What SpeedGrader shows of an Asset Report comment; longer comments are cut.
COMMENT_MAX_CHARS = 1000
NAMED_CLAIMS_MAX = 3
CLAIM_BRIEF_CHARS = 140


def report_comment(contradicted: list[str], counts: str) -> str:
    """The Asset Report comment: the contradicted claims first (briefly, most confident
    first), then the counts, within the platform's length."""
    parts = []
    if contradicted:
        briefs = [
            text if len(text) <= CLAIM_BRIEF_CHARS else text[: CLAIM_BRIEF_CHARS - 1] + "…"
            for text in (" ".join(t.split()) for t in contradicted[:NAMED_CLAIMS_MAX])
        ]
        more = len(contradicted) - len(briefs)
        listed = " ".join(f'"{brief}"' for brief in briefs)
        parts.append(
            f"Contradicted by the course materials: {listed}"
            + (f" (and {more} more)." if more else "")
        )
    parts.append(counts)
    parts.append("Open the report for the evidence behind each claim.")
    comment = " ".join(parts)
    return comment if len(comment) <= COMMENT_MAX_CHARS else comment[: COMMENT_MAX_CHARS - 1] + "…"


def _visible_to_owner(asset: Asset) -> bool:
    processor = asset.processor
    policy = processor.release_policy
    if policy == processor.ReleasePolicy.NEVER:
        return False
    if policy == processor.ReleasePolicy.IMMEDIATELY and not processor.course.hold_for_review:
        return True
    return asset.released_at is not None


def reports_final_post(*, job_id: int) -> int:
    """`Processed` for each asset whose text was checked; the count sent."""
    job = SubmissionJob.objects.get(pk=job_id)
    assets = list(
        Asset.objects.select_related("processor__platform", "processor__course").filter(
            Q(status=Asset.Status.READ) | Q(status=Asset.Status.PENDING), job=job
        )
    )
    if not assets or job.run_id is None:
        return 0
    fields = _summary(job, assets[0].processor.min_confidence)
    for asset in assets:
        stamp = _final_stamp(asset)
        _send(asset, "Processed", stamp, **fields, visibleToOwner=_visible_to_owner(asset))
    return len(assets)


def _comment_wanted(job: SubmissionJob) -> bool:
    """The pipeline's plain-text comment too: the course and processor want it and
    Canvas REST credentials and ids are there."""
    processor = job.assets.select_related("processor").first().processor  # type: ignore[union-attr]
    course = job.course
    wanted = course.auto_post and (processor.post_comment or job.source != job.Source.NOTICE)
    has_ids = (
        bool(job.canvas_user_id and job.assignment.canvas_assignment_id is not None)
        and job.canvas_submission_id is not None
    )
    has_credentials = bool(course.canvas_token_id or course.installation.api_token_encrypted)
    return bool(wanted and has_ids and has_credentials)


def job_reports_publish(job: SubmissionJob) -> bool:
    """canvas_pipeline publisher: the final reports; True when the job is finished
    here, False when the pipeline's comment step should run as well."""
    from canvas_pipeline.services.state import job_state_set

    if not job.assets.exists():
        return False
    reports_final_post(job_id=job.pk)
    job = SubmissionJob.objects.select_related("course__installation", "assignment").get(pk=job.pk)
    if _comment_wanted(job):
        return False
    job_state_set(
        job.pk,
        State.DONE,
        from_states=(State.POSTING,),
        finished_at=timezone.now(),
        lease_expires_at=None,
        error_code="",
        error_message="",
    )
    logger.info("asset_processor.job.published", job_id=job.pk)
    return True


def job_failure_report(*, job_id: int, code: str, message: str) -> None:
    """canvas_pipeline failure listener: a `Failed` report for each asset still shown
    as `Processing` when the verification itself failed (reading failures were
    reported when they happened)."""
    from canvas_pipeline.canvas import CanvasError

    if not code.startswith("verify_"):
        return
    assets = Asset.objects.select_related("processor__platform").filter(
        job_id=job_id,
        status__in=(Asset.Status.PENDING, Asset.Status.READ),
        final_report_at__isnull=True,
    )
    for asset in assets:
        try:
            _send_failed(
                asset,
                "PROCESSING_FAILED",
                "Smart Notes could not check this submission; an instructor can retry.",
                "Smart Notes could not check this file.",
            )
        except CanvasError as exc:
            logger.warning("asset_processor.report.failed", asset_id=asset.pk, error=exc.message)


def job_reports_correct(job: SubmissionJob) -> None:
    """canvas_pipeline correction publisher: after an instructor's override, each asset
    already reported gets a newer `Processed` report with the corrected result."""
    reported = Asset.objects.filter(
        job=job, status=Asset.Status.READ, final_report_at__isnull=False
    ).update(final_report_at=None)
    if reported:
        reports_final_post(job_id=job.pk)
        logger.info("asset_processor.reports.corrected", job_id=job.pk, assets=reported)
