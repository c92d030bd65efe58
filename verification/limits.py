"""The input limits from settings, and how they are told to users before they reach them."""

from django.conf import settings

from verification.engine.limits import InputLimits, mb


def input_limits() -> InputLimits:
    """The engine's limits with the deployment's settings (one source for demo, CLI, Canvas)."""
    return InputLimits(
        file_max_bytes=settings.SMARTNOTES_UPLOAD_MAX_BYTES,
        files_max=settings.SMARTNOTES_MAX_FILES,
        essay_max_chars=settings.SMARTNOTES_ESSAY_MAX_CHARS,
        claims_max=settings.SMARTNOTES_MAX_CLAIMS,
    )


def limits_describe() -> str:
    """One sentence listing the limits, for forms and ``--help``."""
    limits = input_limits()
    total = mb(settings.SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES)
    return "Limits: " + "; ".join([*limits.describe(), f"{total} per upload in all"]) + "."
