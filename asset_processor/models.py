"""Asset Processor records: the processor attached to an assignment, every notice
as received, each submitted asset of a job, and every report sent."""

import uuid

from django.db import models

from canvas_pipeline.models import CanvasCourse, SubmissionJob
from lti_tool.models import LtiContext, LtiUser, Platform


class AssetProcessor(models.Model):
    """Smart Notes attached to one assignment (an `ltiAssetProcessor` content item)."""

    class ReleasePolicy(models.TextChoices):
        IMMEDIATELY = "immediately", "Show students their report at once"
        AFTER_REVIEW = "after_review", "Show students their report after I release it"
        NEVER = "never", "Instructors only"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    deployment_id = models.CharField(max_length=255)
    # The activity claim's id: Canvas's assignment LTI id.
    lti_assignment_id = models.CharField(max_length=255)
    context = models.ForeignKey(
        LtiContext, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    course = models.ForeignKey(
        CanvasCourse, on_delete=models.CASCADE, related_name="asset_processors"
    )
    title = models.CharField(max_length=255, default="Smart Notes fact check")
    release_policy = models.CharField(
        max_length=16, choices=ReleasePolicy.choices, default=ReleasePolicy.IMMEDIATELY
    )
    # Claims below this confidence are not counted in the report's result.
    min_confidence = models.FloatField(default=0.0)
    # Also post the plain-text Canvas comment (needs REST credentials).
    post_comment = models.BooleanField(default=False)
    notice_handler_url = models.URLField(max_length=500, blank=True, default="")
    handler_registered_at = models.DateTimeField(null=True, blank=True)
    attached_by = models.ForeignKey(
        LtiUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "lti_assignment_id"], name="asset_processor_one_per_activity"
            ),
            models.CheckConstraint(
                condition=models.Q(min_confidence__gte=0.0, min_confidence__lte=1.0),
                name="asset_processor_min_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} on {self.lti_assignment_id}"


class Notice(models.Model):
    """A verified notice, stored before anything else happens (Canvas does not retry)."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    notice_id = models.CharField(max_length=255)
    notice_type = models.CharField(max_length=64)
    claims = models.JSONField()
    job = models.ForeignKey(
        SubmissionJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=32, blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "notice_id"], name="notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.notice_type} {self.notice_id}"


class Asset(models.Model):
    """One submitted file or text entry of an attempt, and where its report goes."""

    class Status(models.TextChoices):
        PENDING = "pending"
        READ = "read"
        NOT_PROCESSED = "not_processed"
        FAILED = "failed"

    job = models.ForeignKey(SubmissionJob, on_delete=models.CASCADE, related_name="assets")
    processor = models.ForeignKey(AssetProcessor, on_delete=models.CASCADE, related_name="assets")
    asset_id = models.CharField(max_length=255)
    url = models.URLField(max_length=2000)
    report_url = models.URLField(max_length=2000)
    sha256_checksum = models.CharField(max_length=128, blank=True, default="")
    size = models.BigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=255, blank=True, default="")
    title = models.CharField(max_length=500, blank=True, default="")
    filename = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    # Timestamps of the reports: Processing is stamped at intake, the final one once
    # (a re-sent report carries the same timestamp, so the platform keeps one report).
    received_at = models.DateTimeField()
    final_report_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "asset_id"], name="asset_once_per_job")
        ]

    def __str__(self) -> str:
        return self.filename or self.title or self.asset_id


class ReportPost(models.Model):
    """Every Asset Report sent and what the platform answered (409: a newer one is kept)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="reports")
    processing_progress = models.CharField(max_length=32)
    timestamp = models.DateTimeField()
    payload = models.JSONField()
    http_status = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["asset", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.processing_progress} for {self.asset} ({self.http_status})"
