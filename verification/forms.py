from django import forms
from django.conf import settings


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.md,.txt,.html,.htm"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class DemoForm(forms.Form):
    material_files = MultipleFileField(
        required=False, label="Course materials (PDF, DOCX, Markdown, HTML or text)"
    )
    material_text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        label="…or paste material text",
        max_length=500_000,
    )
    essay_file = forms.FileField(required=False, label="Essay file (PDF, DOCX, text)")
    essay_text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        label="Student essay",
        max_length=200_000,
    )

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if not data.get("material_files") and not (data.get("material_text") or "").strip():
            raise forms.ValidationError("Add course materials: upload files or paste text.")
        if not data.get("essay_file") and not (data.get("essay_text") or "").strip():
            raise forms.ValidationError("Add the essay: paste its text or upload a file.")
        for upload in [*data.get("material_files", []), data.get("essay_file")]:
            if upload is not None and upload.size > settings.SMARTNOTES_UPLOAD_MAX_BYTES:
                raise forms.ValidationError(
                    f"{upload.name} is larger than the "
                    f"{settings.SMARTNOTES_UPLOAD_MAX_BYTES // 1024 // 1024} MB limit."
                )
        return data
