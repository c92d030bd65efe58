"""Set-up writes used by the management commands and the instructor views."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction

from canvas_pipeline import crypto
from canvas_pipeline.ids import canvas_id_local
from canvas_pipeline.models import CanvasCourse, CanvasInstallation
from lti_tool.models import Platform
from smartnotes.errors import ApplicationError
from verification.services import UploadedMaterial, corpus_create, material_add


def platform_get(name: str) -> Platform:
    platforms = list(Platform.objects.filter(name=name)[:2])
    if len(platforms) != 1:
        raise ApplicationError(
            f"{'No' if not platforms else 'More than one'} LTI platform is named {name!r}; "
            "see lti_add_platform / the admin for names.",
            code="platform_not_found",
        )
    return platforms[0]


def installation_ensure(*, platform: Platform, api_domain: str = "") -> CanvasInstallation:
    """The platform's Canvas installation, created without REST credentials when it
    has none: a Document Processor (Asset Processor) install and in-frame or
    command-line materials need only the LTI registration. canvas_connect adds
    REST access and Live Events to the same row later."""
    installation = CanvasInstallation.objects.filter(platform=platform).first()
    if installation is not None:
        return installation
    api_url = platform.canvas_api_url or (f"https://{api_domain}" if api_domain else "")
    installation = CanvasInstallation(
        platform=platform,
        root_account_uuid=platform.tool_platform_guid or f"lti-platform-{platform.pk}",
        root_account_lti_guid=platform.tool_platform_guid,
        api_url=(api_url or platform.issuer).rstrip("/"),
        secret_path_token=secrets.token_urlsafe(24),
    )
    installation.full_clean()
    installation.save()
    return installation


def installation_connect(
    *,
    platform: Platform,
    root_account_uuid: str,
    root_account_lti_guid: str | None = None,
    api_url: str | None = None,
    api_token: str | None = None,
    live_events_jwks_url: str | None = None,
    allow_unsigned: bool | None = None,
    oauth_client_id: str | None = None,
    oauth_client_secret: str | None = None,
) -> CanvasInstallation:
    """Link a platform to a Canvas root account; options left None keep their value."""
    installation = CanvasInstallation.objects.filter(platform=platform).first()
    if installation is None:
        installation = CanvasInstallation(
            platform=platform, secret_path_token=secrets.token_urlsafe(24)
        )
    installation.root_account_uuid = root_account_uuid
    if root_account_lti_guid is not None:
        installation.root_account_lti_guid = root_account_lti_guid
    elif not installation.root_account_lti_guid:
        installation.root_account_lti_guid = platform.tool_platform_guid
    resolved_api_url = api_url or installation.api_url or platform.canvas_api_url
    if not resolved_api_url:
        raise ApplicationError(
            "Give --api-url (the Canvas address, e.g. https://canvas.example.edu).",
            code="no_api_url",
        )
    installation.api_url = resolved_api_url.rstrip("/").removesuffix("/api/v1")
    if api_token is not None:
        installation.api_token_encrypted = crypto.encrypt(api_token)
    if live_events_jwks_url is not None:
        installation.live_events_jwks_url = live_events_jwks_url
    if allow_unsigned is not None:
        installation.allow_unsigned = allow_unsigned
    if oauth_client_id is not None:
        installation.oauth_client_id = oauth_client_id
    if oauth_client_secret is not None:
        installation.oauth_client_secret_encrypted = crypto.encrypt(oauth_client_secret)
    installation.full_clean()
    installation.save()
    return installation


def course_get_or_create(
    *, installation: CanvasInstallation, canvas_course_id: str | int
) -> CanvasCourse:
    """The course record for a Canvas course id (local or global)."""
    try:
        local = canvas_id_local(canvas_course_id)
    except ValueError as exc:
        raise ApplicationError(
            f"{canvas_course_id!r} is not a Canvas course id", code="bad_id"
        ) from exc
    course, _ = CanvasCourse.objects.get_or_create(
        installation=installation, canvas_course_id=local
    )
    return course


def course_materials_add(
    *, course: CanvasCourse, files: Iterable[UploadedMaterial]
) -> CanvasCourse:
    """Add evidence materials to the course's corpus (created on first use)."""
    from django.conf import settings

    from verification.services import materials_check

    files = list(files)
    with transaction.atomic():
        course = CanvasCourse.objects.select_for_update().get(pk=course.pk)
        materials_check(
            files,
            already=course.corpus.materials.count() if course.corpus else 0,
            files_max=settings.SMARTNOTES_COURSE_MAX_FILES,
        )
        if course.corpus is None:
            course.corpus = corpus_create(
                name=f"Canvas course {course.canvas_course_id}", files=files
            )
            course.save(update_fields=["corpus", "updated_at"])
        else:
            for upload in files:
                material_add(corpus=course.corpus, upload=upload)
    return course


def course_settings_update(
    *,
    course: CanvasCourse,
    is_enabled: bool | None = None,
    auto_post: bool | None = None,
    min_confidence: float | None = None,
    hold_for_review: bool | None = None,
    drafts_enabled: bool | None = None,
    drafts_visible_to_staff: bool | None = None,
    draft_retention_days: int | None = None,
    draft_checks_per_day: int | None = None,
) -> CanvasCourse:
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise ApplicationError("Minimum confidence is between 0 and 1.", code="bad_min_confidence")
    for field, value in (
        ("is_enabled", is_enabled),
        ("auto_post", auto_post),
        ("min_confidence", min_confidence),
        ("hold_for_review", hold_for_review),
        ("drafts_enabled", drafts_enabled),
        ("drafts_visible_to_staff", drafts_visible_to_staff),
        ("draft_retention_days", draft_retention_days),
        ("draft_checks_per_day", draft_checks_per_day),
    ):
        if value is not None:
            setattr(course, field, value)
    course.full_clean()
    course.save()
    return course


def events_url(installation: CanvasInstallation) -> str:
    from django.conf import settings
    from django.urls import reverse

    path = reverse("canvas_pipeline:events-secret", args=[installation.secret_path_token])
    return f"{settings.SMARTNOTES_BASE_URL}{path}"
