"""Canvas submission pipeline records: installations (Canvas root accounts), courses
and their settings, assignments, Live Events, one job per submission attempt, the
comment posting record that makes posting exactly-once, and Canvas API tokens.

Canvas ids stored here are *local* ids (what Canvas shows in its URLs); events
carry global ids (shard x 10^13 + local), normalised by canvas_pipeline.ids.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from lti_tool.models import LtiContext, LtiUser, Platform
from verification.models import Corpus, VerificationRun


class CanvasInstallation(models.Model):
    """One Canvas root account linked to an LTI platform registration."""

    platform = models.OneToOneField(
        Platform, on_delete=models.CASCADE, related_name="canvas_installation"
    )
    root_account_uuid = models.CharField(max_length=64, unique=True)
    # Live Events metadata.root_account_lti_guid; the launch claim tool_platform.guid.
    root_account_lti_guid = models.CharField(max_length=255, blank=True, default="", db_index=True)
    # REST API base, e.g. https://canvas.example.edu (no /api/v1).
    api_url = models.URLField(max_length=500)
    # Canvas Data Services JWKS; empty means the Canvas default for the region.
    live_events_jwks_url = models.URLField(max_length=500, blank=True, default="")
    # Unsigned (plain JSON) events are accepted only when this is on AND the
    # request came in on the secret path below.
    allow_unsigned = models.BooleanField(default=False)
    secret_path_token = models.CharField(max_length=64, unique=True)
    # Fernet ciphertexts (canvas_pipeline.crypto); empty when not configured.
    api_token_encrypted = models.TextField(blank=True, default="")
    oauth_client_id = models.CharField(max_length=255, blank=True, default="")
    oauth_client_secret_encrypted = models.TextField(blank=True, default="")
    max_concurrent_requests = models.PositiveSmallIntegerField(default=4)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.platform.name} ({self.root_account_uuid})"


class CanvasToken(models.Model):
    """A Canvas OAuth2 user token (an instructor's), encrypted at rest."""

    class State(models.TextChoices):
        ACTIVE = "active"
        # Refresh failed or the token was revoked: the instructor must reconnect.
        NEEDS_RECONNECT = "needs_reconnect"

    installation = models.ForeignKey(
        CanvasInstallation, on_delete=models.CASCADE, related_name="tokens"
    )
    lti_user = models.ForeignKey(
        LtiUser, on_delete=models.CASCADE, null=True, blank=True, related_name="canvas_tokens"
    )
    canvas_user_id = models.CharField(max_length=64, blank=True, default="")
    access_token_encrypted = models.TextField()
    refresh_token_encrypted = models.TextField(blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "lti_user"], name="canvas_token_one_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"token of {self.lti_user or self.canvas_user_id} ({self.state})"


class CanvasCourse(models.Model):
    """A Canvas course, its evidence materials (a Corpus) and its Smart Notes settings."""

    installation = models.ForeignKey(
        CanvasInstallation, on_delete=models.CASCADE, related_name="courses"
    )
    canvas_course_id = models.BigIntegerField()
    lti_context = models.OneToOneField(
        LtiContext, on_delete=models.SET_NULL, null=True, blank=True, related_name="canvas_course"
    )
    corpus = models.ForeignKey(
        Corpus, on_delete=models.PROTECT, null=True, blank=True, related_name="canvas_courses"
    )
    # The instructor token used for this course's API calls (falls back to the
    # installation's admin token).
    canvas_token = models.ForeignKey(
        CanvasToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="courses"
    )
    name = models.CharField(max_length=255, blank=True, default="")
    # Settings (management command course_settings, instructor view).
    is_enabled = models.BooleanField(default=False)
    auto_post = models.BooleanField(default=True)
    # Claims below this confidence are left out of the comment (kept in the full report).
    min_confidence = models.FloatField(default=0.0)
    hold_for_review = models.BooleanField(default=False)
    # Student draft checks (drafts app): private to the student unless drafts_visible_to_staff;
    # deleted after draft_retention_days; draft_checks_per_day per student and assignment
    # in any 24 hours.
    drafts_enabled = models.BooleanField(default=True)
    drafts_visible_to_staff = models.BooleanField(default=False)
    draft_retention_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    draft_checks_per_day = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "canvas_course_id"], name="canvas_course_uniq"
            ),
            models.CheckConstraint(
                condition=models.Q(draft_retention_days__gte=1, draft_retention_days__lte=365),
                name="canvas_course_draft_retention_range",
            ),
            models.CheckConstraint(
                condition=models.Q(draft_checks_per_day__gte=1, draft_checks_per_day__lte=100),
                name="canvas_course_draft_checks_range",
            ),
            models.CheckConstraint(
                condition=models.Q(min_confidence__gte=0.0, min_confidence__lte=1.0),
                name="canvas_course_min_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"course {self.canvas_course_id}"


class CanvasAssignment(models.Model):
    course = models.ForeignKey(CanvasCourse, on_delete=models.CASCADE, related_name="assignments")
    # Null for an assignment known only from Asset Processor notices (LTI id only).
    canvas_assignment_id = models.BigIntegerField(null=True, blank=True)
    # $com.instructure.Assignment.lti.id: Live Events' lti_assignment_id, notices' activity.id.
    lti_assignment_id = models.CharField(max_length=255, blank=True, default="")
    name = models.CharField(max_length=255, blank=True, default="")
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "canvas_assignment_id"], name="canvas_assignment_uniq"
            ),
            models.UniqueConstraint(
                fields=["course", "lti_assignment_id"],
                condition=~models.Q(lti_assignment_id=""),
                name="canvas_assignment_lti_uniq",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"assignment {self.canvas_assignment_id}"


class SubmissionJob(models.Model):
    """One submission attempt's way through the pipeline. The row is the truth;
    Celery messages only say "look at job N" (STYLE.md §4)."""

    class State(models.TextChoices):
        RECEIVED = "received"
        FETCHING = "fetching"
        QUEUED = "queued"
        VERIFYING = "verifying"
        # Verified; waiting for the instructor to approve the comment.
        HELD = "held"
        POSTING = "posting"
        DONE = "done"
        FAILED = "failed"
        SKIPPED = "skipped"

    class Source(models.TextChoices):
        EVENT = "event"
        RECONCILIATION = "reconciliation"
        # An LTI Asset Processor submission notice (asset_processor).
        NOTICE = "notice"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    installation = models.ForeignKey(
        CanvasInstallation, on_delete=models.CASCADE, related_name="jobs"
    )
    course = models.ForeignKey(CanvasCourse, on_delete=models.CASCADE, related_name="jobs")
    assignment = models.ForeignKey(CanvasAssignment, on_delete=models.CASCADE, related_name="jobs")
    # Null until a Live Event names it: notices carry LTI ids only.
    canvas_submission_id = models.BigIntegerField(null=True, blank=True)
    # Local id when the student is on the course's shard, else the global id.
    canvas_user_id = models.CharField(max_length=32, blank=True, default="")
    attempt = models.PositiveIntegerField()
    # The key both intake paths share (Live Events: lti_assignment_id, lti_user_id;
    # notices: activity.id, for_user.user_id), so an attempt has one job whichever came first.
    lti_assignment_id = models.CharField(max_length=255, blank=True, default="")
    lti_user_id = models.CharField(max_length=255, blank=True, default="")
    submission_type = models.CharField(max_length=64, blank=True, default="")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.EVENT)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    run = models.ForeignKey(
        VerificationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Task deliveries that claimed this job, and the claim's lease (a dead worker lets it lapse).
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    # Notes for the report, e.g. attachments of unsupported types.
    notes = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    fetch_started_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    verify_started_at = models.DateTimeField(null=True, blank=True)
    posting_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "canvas_submission_id", "attempt"],
                name="canvas_job_one_per_attempt",
            ),
            models.UniqueConstraint(
                fields=["installation", "lti_assignment_id", "lti_user_id", "attempt"],
                condition=~models.Q(lti_assignment_id="") & ~models.Q(lti_user_id=""),
                name="canvas_job_one_per_lti_attempt",
            ),
        ]
        indexes = [models.Index(fields=["state", "state_changed_at"])]

    def __str__(self) -> str:
        return f"submission {self.canvas_submission_id} attempt {self.attempt} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED, self.State.SKIPPED}


class LiveEvent(models.Model):
    """A relevant Live Event as received, less the essay HTML (its length is kept:
    the job fetches the submission itself); irrelevant events are never stored."""

    installation = models.ForeignKey(
        CanvasInstallation, on_delete=models.CASCADE, related_name="events"
    )
    # installation:submission:attempt:event_name; Canvas's retries collapse onto one row.
    idempotency_key = models.CharField(max_length=255, unique=True)
    event_name = models.CharField(max_length=64)
    event_time = models.DateTimeField(null=True, blank=True)
    is_signed = models.BooleanField()
    payload = models.JSONField()
    job = models.ForeignKey(
        SubmissionJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.idempotency_key


class CommentPosting(models.Model):
    """The claim on, and record of, the one comment for an attempt.

    Created (claimed) before the Canvas PUT; the unique constraints make a
    second posting for the same attempt impossible in the database."""

    class State(models.TextChoices):
        CLAIMED = "claimed"
        POSTED = "posted"

    job = models.OneToOneField(SubmissionJob, on_delete=models.CASCADE, related_name="posting")
    installation = models.ForeignKey(
        CanvasInstallation, on_delete=models.CASCADE, related_name="postings"
    )
    canvas_submission_id = models.BigIntegerField()
    attempt = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.CLAIMED)
    claim_expires_at = models.DateTimeField()
    text = models.TextField()
    marker = models.CharField(max_length=64)
    canvas_comment_id = models.BigIntegerField(null=True, blank=True)
    # True when an earlier (crashed) try had already posted: found by marker, not re-posted.
    found_existing = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        LtiUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The effective verdict per claim number the text tells (what a correction compares to).
    verdicts = models.JSONField(default=dict, blank=True)
    claimed_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "canvas_submission_id", "attempt"],
                name="canvas_comment_one_per_attempt",
            )
        ]

    def __str__(self) -> str:
        return f"comment on submission {self.canvas_submission_id} attempt {self.attempt}"


class CommentCorrection(models.Model):
    """One correction comment after the report comment: instructor overrides made
    after posting. Claimed before the Canvas PUT like CommentPosting; revision n is
    unique per job, so two workers cannot both post the n-th correction."""

    class State(models.TextChoices):
        CLAIMED = "claimed"
        POSTED = "posted"

    job = models.ForeignKey(SubmissionJob, on_delete=models.CASCADE, related_name="corrections")
    revision = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.CLAIMED)
    claim_expires_at = models.DateTimeField()
    text = models.TextField()
    marker = models.CharField(max_length=80)
    # The effective verdict per claim number after this correction.
    verdicts = models.JSONField(default=dict)
    canvas_comment_id = models.BigIntegerField(null=True, blank=True)
    found_existing = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "revision"], name="canvas_correction_uniq")
        ]

    def __str__(self) -> str:
        return f"correction {self.revision} of job {self.job_id} ({self.state})"


class ApiSlot(models.Model):
    """A per-installation concurrency slot for Canvas API calls (a lease row)."""

    installation = models.ForeignKey(
        CanvasInstallation, on_delete=models.CASCADE, related_name="api_slots"
    )
    slot = models.PositiveSmallIntegerField()
    holder = models.CharField(max_length=64, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "slot"], name="canvas_api_slot_uniq")
        ]

    def __str__(self) -> str:
        return f"API slot {self.slot} of installation {self.installation_id}"
