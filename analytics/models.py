"""Instructor overrides of claim verdicts. The dashboards read a claim's verdict
as the override's label when there is one (see analytics.selectors)."""

from django.db import models

from canvas_pipeline.models import CanvasCourse
from lti_tool.models import LtiUser
from verification.models import ClaimResult, VerificationRun

Label = ClaimResult.Label


class ClaimOverride(models.Model):
    """An instructor's judgement of one claim's verdict: right or wrong, and the
    correct verdict. One per claim; a later judgement replaces the earlier one."""

    claim = models.OneToOneField(ClaimResult, on_delete=models.CASCADE, related_name="override")
    # Denormalised for scoping and the course's observed error rate.
    course = models.ForeignKey(CanvasCourse, on_delete=models.CASCADE, related_name="overrides")
    # What the model said when the instructor judged it.
    model_label = models.CharField(max_length=32, choices=Label.choices)
    # The correct verdict (equal to model_label when the model was right).
    label = models.CharField(max_length=32, choices=Label.choices)
    is_model_correct = models.BooleanField()
    note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        LtiUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(is_model_correct=True, label=models.F("model_label"))
                    | (models.Q(is_model_correct=False) & ~models.Q(label=models.F("model_label")))
                ),
                name="claim_override_correct_matches_label",
            )
        ]
        indexes = [models.Index(fields=["course", "is_model_correct"])]

    def __str__(self) -> str:
        return f"{self.model_label} -> {self.label} on claim {self.claim_id}"


class ClaimOverrideEvent(models.Model):
    """The audit trail of overrides: every judgement and every undo, never replaced."""

    class Action(models.TextChoices):
        SET = "set"
        CLEARED = "cleared"

    claim = models.ForeignKey(ClaimResult, on_delete=models.CASCADE, related_name="override_events")
    course = models.ForeignKey(
        CanvasCourse, on_delete=models.CASCADE, related_name="override_events"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    # The verdict shown before and after (the model's when there was no override).
    from_label = models.CharField(max_length=32, choices=Label.choices)
    to_label = models.CharField(max_length=32, choices=Label.choices)
    note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        LtiUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_label} -> {self.to_label} on claim {self.claim_id}"


class RunVerdictCounts(models.Model):
    """Effective verdict counts of one verification run, kept so class-wide pages
    read one row per submission instead of grouping every claim on each request.

    Filled for new runs by analytics.services.run_counts_sync and refreshed for a
    run by run_counts_refresh whenever one of its claims is overridden."""

    run = models.OneToOneField(
        VerificationRun, on_delete=models.CASCADE, primary_key=True, related_name="verdict_counts"
    )
    total = models.PositiveIntegerField(default=0)
    supported = models.PositiveIntegerField(default=0)
    partially_supported = models.PositiveIntegerField(default=0)
    contradicted = models.PositiveIntegerField(default=0)
    not_enough_evidence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"counts of run {self.run_id}"
