"""Forms of the instructor pages (labelled controls, validated here, written by services)."""

from typing import Any

from django import forms

from analytics.selectors.common import LABEL_NAMES
from canvas_pipeline.models import CanvasCourse


class OverrideForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("right", "Verdict is right"), ("wrong", "Verdict is wrong"), ("clear", "Undo")]
    )
    label = forms.ChoiceField(
        choices=[("", "Choose…"), *LABEL_NAMES.items()],
        required=False,
        label="Correct verdict",
    )
    note = forms.CharField(max_length=500, required=False, label="Note (optional)")

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


# The student draft check's course settings (drafts app).
DRAFT_SETTINGS = (
    "drafts_enabled",
    "drafts_visible_to_staff",
    "draft_retention_days",
    "draft_checks_per_day",
)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = CanvasCourse
        fields = [
            "is_enabled",
            "auto_post",
            "hold_for_review",
            "min_confidence",
            *DRAFT_SETTINGS,
        ]
        labels = {
            "is_enabled": "Check new submissions in this course",
            "auto_post": "Post the report as a Canvas comment automatically",
            "hold_for_review": "Hold reports for my review before students see them",
            "min_confidence": "Minimum confidence for a claim to appear in the comment",
            "drafts_enabled": "Students can check drafts before submitting",
            "drafts_visible_to_staff": "Instructors can read students' drafts",
            "draft_retention_days": "Delete drafts after (days)",
            "draft_checks_per_day": "Draft checks per student per assignment in 24 hours",
        }
        help_texts = {
            "min_confidence": "Between 0 and 1. Claims below it stay in the full report.",
            "drafts_visible_to_staff": "Off: you see only how many drafts were checked.",
            "draft_retention_days": "Between 1 and 365.",
            "draft_checks_per_day": "Between 1 and 100.",
        }
        widgets = {
            "min_confidence": forms.NumberInput(attrs={"step": "0.05", "min": 0, "max": 1}),
            "draft_retention_days": forms.NumberInput(attrs={"min": 1, "max": 365}),
            "draft_checks_per_day": forms.NumberInput(attrs={"min": 1, "max": 100}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A number left empty keeps the course's value, so a form without it changes nothing.
        for name in ("draft_retention_days", "draft_checks_per_day"):
            self.fields[name].required = False

    def _kept(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value is None else value

    def clean_draft_retention_days(self) -> Any:
        return self._kept("draft_retention_days")

    def clean_draft_checks_per_day(self) -> Any:
        return self._kept("draft_checks_per_day")


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class MaterialsForm(forms.Form):
    files = _MultipleFileField(
        label="Course materials (PDF, DOCX, HTML, Markdown or text)",
        widget=_MultipleFileInput(attrs={"accept": ".pdf,.docx,.html,.htm,.md,.txt"}),
    )
