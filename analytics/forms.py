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


class SettingsForm(forms.ModelForm):
    class Meta:
        model = CanvasCourse
        fields = ["is_enabled", "auto_post", "hold_for_review", "min_confidence"]
        labels = {
            "is_enabled": "Check new submissions in this course",
            "auto_post": "Post the report as a Canvas comment automatically",
            "hold_for_review": "Hold reports for my review before students see them",
            "min_confidence": "Minimum confidence for a claim to appear in the comment",
        }
        help_texts = {
            "min_confidence": "Between 0 and 1. Claims below it stay in the full report.",
        }
        widgets = {"min_confidence": forms.NumberInput(attrs={"step": "0.05", "min": 0, "max": 1})}


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
