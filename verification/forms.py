from django import forms
from django.conf import settings

from verification.engine.limits import mb

ACCEPT = ".pdf,.docx,.xlsx,.rtf,.md,.txt,.html,.htm,.csv"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class DemoForm(forms.Form):
    """The demo's inputs. No ``max_length`` on the text boxes: a browser would cut
    pasted text silently; the services refuse over-long text with the limit named."""

    material_files = MultipleFileField(
        required=False, label="Course materials (PDF, DOCX, XLSX, RTF, Markdown, HTML, CSV or text)"
    )
    material_text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 8}), label="…or paste material text"
    )
    essay_file = forms.FileField(
        required=False,
        label="Essay file (PDF, DOCX, HTML, Markdown, RTF or text)",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    essay_text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 12}), label="Student essay"
    )

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if not data.get("material_files") and not (data.get("material_text") or "").strip():
            raise forms.ValidationError("Add course materials: upload files or paste text.")
        if not data.get("essay_file") and not (data.get("essay_text") or "").strip():
            raise forms.ValidationError("Add the essay: paste its text or upload a file.")
        files = data.get("material_files", [])
        if len(files) > settings.SMARTNOTES_MAX_FILES:
            raise forms.ValidationError(
                f"{len(files)} files is more than the limit of {settings.SMARTNOTES_MAX_FILES} "
                "course materials per check; combine or remove some."
            )
        limit = settings.SMARTNOTES_UPLOAD_MAX_BYTES
        for upload in [*files, data.get("essay_file")]:
            if upload is not None and upload.size > limit:
                raise forms.ValidationError(
                    f"{upload.name} is {mb(upload.size)}; the limit is {mb(limit)} per file."
                )
        return data
