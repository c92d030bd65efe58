"""The draft check form: an assignment, and the draft pasted or uploaded."""

from typing import Any

from django import forms
from django.conf import settings

from canvas_pipeline.models import CanvasAssignment
from verification.engine.limits import mb

ACCEPT = ".pdf,.docx,.rtf,.md,.txt,.html,.htm"


class DraftForm(forms.Form):
    """No ``max_length`` on the text box: a browser would cut a pasted draft silently;
    the services refuse over-long text with the limit named."""

    assignment = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Assignment"
    )
    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 14}), label="Paste your draft"
    )
    file = forms.FileField(
        required=False,
        label="…or upload it (PDF, DOCX, RTF, HTML, Markdown or text)",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, assignments: list[CanvasAssignment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignment"]
        field.choices = [("", "No particular assignment"), *((a.pk, str(a)) for a in assignments)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is None and not (data.get("text") or "").strip():
            raise forms.ValidationError("Add your draft: paste its text or upload a file.")
        limit = settings.SMARTNOTES_UPLOAD_MAX_BYTES
        if upload is not None and upload.size > limit:
            raise forms.ValidationError(
                f"{upload.name} is {mb(upload.size)}; the limit is {mb(limit)} per file."
            )
        return data

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
