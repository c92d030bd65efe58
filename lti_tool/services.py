"""Writes for the LTI tool: platform registration and the records a launch upserts."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lti_tool.claims import AppRole, Claim, app_roles
from lti_tool.models import (
    Deployment,
    Launch,
    LtiContext,
    LtiUser,
    Membership,
    Platform,
    ResourceLink,
)
from ops.outbound import is_hostname

logger = structlog.get_logger("smartnotes.lti")

# Custom fields requested in config.json; Canvas substitutes the $variables.
CUSTOM_FIELDS = {
    "canvas_course_id": "$Canvas.course.id",
    "canvas_user_id": "$Canvas.user.id",
    "canvas_assignment_id": "$Canvas.assignment.id",
    "canvas_api_domain": "$Canvas.api.domain",
    "lti_assignment_id": "$com.instructure.Assignment.lti.id",
}


class PlatformAlreadyRegistered(Exception):
    """A new registration names an (issuer, client_id) that is already stored."""


@dataclass(frozen=True, slots=True)
class PlatformRegistered:
    platform: Platform
    deployment: Deployment | None
    created: bool


@transaction.atomic
def platform_register(
    *,
    name: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployment_id: str = "",
    canvas_api_url: str = "",
    auth_audience: str = "",
    auto_register_deployments: bool | None = None,
    update_existing: bool = True,
) -> PlatformRegistered:
    """Create or update a registration (idempotent on issuer + client id).

    With `update_existing=False` (dynamic registration, which anyone can start) an
    existing (issuer, client_id) raises `PlatformAlreadyRegistered` and nothing changes.
    """
    existing = (
        Platform.objects.select_for_update().filter(issuer=issuer, client_id=client_id).first()
    )
    created = existing is None
    if existing is not None and not update_existing:
        raise PlatformAlreadyRegistered(f"{issuer} / {client_id}")
    platform = existing or Platform(issuer=issuer, client_id=client_id)
    platform.name = name
    platform.auth_login_url = auth_login_url
    platform.auth_token_url = auth_token_url
    platform.key_set_url = key_set_url
    platform.auth_audience = auth_audience
    if canvas_api_url:
        platform.canvas_api_url = canvas_api_url.rstrip("/")
    if auto_register_deployments is not None:
        platform.auto_register_deployments = auto_register_deployments
    platform.is_active = True
    try:
        platform.full_clean()
        with transaction.atomic():  # a savepoint, so the check below can still query
            platform.save()
    except (ValidationError, IntegrityError) as exc:
        # A concurrent registration of the same pair won the race.
        if created and Platform.objects.filter(issuer=issuer, client_id=client_id).exists():
            raise PlatformAlreadyRegistered(f"{issuer} / {client_id}") from exc
        raise
    deployment = None
    if deployment_id:
        deployment, _ = Deployment.objects.get_or_create(
            platform=platform, deployment_id=deployment_id
        )
    return PlatformRegistered(platform=platform, deployment=deployment, created=created)


def deployment_register_from_launch(*, issuer: str, client_id: str, deployment_id: str) -> bool:
    """Add a deployment seen in a signature-verified launch, if its platform allows it."""
    platform = Platform.objects.filter(
        issuer=issuer, client_id=client_id, is_active=True, auto_register_deployments=True
    ).first()
    if platform is None:
        return False
    Deployment.objects.get_or_create(platform=platform, deployment_id=deployment_id)
    return True


ROSTER_STALE_AFTER = timedelta(hours=24)
STAFF_ROLES = frozenset({AppRole.INSTRUCTOR, AppRole.TEACHING_ASSISTANT})


def _roster_is_stale(context: LtiContext) -> bool:
    if not context.nrps_url:
        return False
    synced = context.roster_synced_at
    return synced is None or synced < timezone.now() - ROSTER_STALE_AFTER


def _roster_sync_enqueue(context_id: int) -> None:
    from lti_tool.tasks import roster_sync as roster_sync_task

    roster_sync_task.delay(context_id)


# Custom fields end up in URLs, API paths and headers: each must look like what
# Canvas substitutes, or it is dropped (and logged) instead of stored.
_CANVAS_ID_RE = re.compile(r"[0-9]{1,20}")
_LTI_ID_RE = re.compile(r"[A-Za-z0-9._:~-]{1,255}")
_CUSTOM_VALID: dict[str, Callable[[str], bool]] = {
    "canvas_course_id": lambda v: bool(_CANVAS_ID_RE.fullmatch(v)),
    "canvas_user_id": lambda v: bool(_CANVAS_ID_RE.fullmatch(v)),
    "canvas_assignment_id": lambda v: bool(_CANVAS_ID_RE.fullmatch(v)),
    "canvas_api_domain": is_hostname,
    "lti_assignment_id": lambda v: bool(_LTI_ID_RE.fullmatch(v)),
}


def _custom(claims: dict[str, Any], key: str) -> str:
    value = (claims.get(Claim.CUSTOM) or {}).get(key, "")
    value = "" if value is None else str(value)
    # Canvas sends the variable name itself when it has no value in this placement.
    if not value or value.startswith("$"):
        return ""
    valid = _CUSTOM_VALID.get(key)
    if valid is not None and not valid(value):
        logger.warning("lti.launch.custom_field_refused", field=key, length=len(value))
        return ""
    return value


def _user_upsert(platform: Platform, claims: dict[str, Any]) -> LtiUser:
    user, _ = LtiUser.objects.get_or_create(platform=platform, sub=str(claims["sub"]))
    user.name = str(claims.get("name", ""))[:255]
    user.email = str(claims.get("email", ""))[:254]
    user.canvas_user_id = _custom(claims, "canvas_user_id") or user.canvas_user_id
    user.lti11_legacy_user_id = str(claims.get(Claim.LTI11_LEGACY_USER_ID, "") or "")
    user.save()
    return user


def _context_upsert(platform: Platform, claims: dict[str, Any]) -> LtiContext | None:
    data = claims.get(Claim.CONTEXT) or {}
    if not data.get("id"):
        return None
    context, _ = LtiContext.objects.get_or_create(platform=platform, context_id=str(data["id"]))
    context.title = str(data.get("title", ""))[:500]
    context.label = str(data.get("label", ""))[:255]
    context.canvas_course_id = _custom(claims, "canvas_course_id") or context.canvas_course_id
    context.canvas_api_domain = (
        _custom(claims, "canvas_api_domain").lower() or context.canvas_api_domain
    )
    nrps = claims.get(Claim.NRPS) or {}
    context.nrps_url = str(nrps.get("context_memberships_url", "") or context.nrps_url)
    context.save()
    return context


def _resource_link_upsert(context: LtiContext, claims: dict[str, Any]) -> ResourceLink | None:
    data = claims.get(Claim.RESOURCE_LINK) or {}
    if not data.get("id"):
        return None
    link, _ = ResourceLink.objects.get_or_create(context=context, resource_link_id=str(data["id"]))
    link.title = str(data.get("title", "") or "")[:500]
    link.canvas_assignment_id = _custom(claims, "canvas_assignment_id") or link.canvas_assignment_id
    link.lti_assignment_id = _custom(claims, "lti_assignment_id") or link.lti_assignment_id
    ags = claims.get(Claim.AGS) or {}
    link.ags_lineitem_url = str(ags.get("lineitem", "") or link.ags_lineitem_url)
    link.save()
    return link


@transaction.atomic
def launch_record(*, platform: Platform, claims: dict[str, Any]) -> Launch:
    """Upsert user, context, membership and resource link from validated claims,
    keep the platform guid, and write the `Launch` the session token will name."""
    deployment = Deployment.objects.get(
        platform=platform, deployment_id=claims[Claim.DEPLOYMENT_ID]
    )
    guid = str((claims.get(Claim.TOOL_PLATFORM) or {}).get("guid", "") or "")
    if guid and guid != platform.tool_platform_guid:
        Platform.objects.filter(pk=platform.pk).update(tool_platform_guid=guid)
        platform.tool_platform_guid = guid
    roles = [str(r) for r in claims.get(Claim.ROLES, [])]
    user = _user_upsert(platform, claims)
    context = _context_upsert(platform, claims)
    resource_link = None
    if context is not None:
        Membership.objects.update_or_create(
            context=context,
            user=user,
            defaults={"roles": roles, "is_active": True, "source": Membership.Source.LAUNCH},
        )
        resource_link = _resource_link_upsert(context, claims)
        if _roster_is_stale(context) and app_roles(roles) & STAFF_ROLES:
            transaction.on_commit(lambda: _roster_sync_enqueue(context.pk))
    return Launch.objects.create(
        platform=platform,
        deployment=deployment,
        user=user,
        context=context,
        resource_link=resource_link,
        message_type=str(claims.get(Claim.MESSAGE_TYPE, "")),
        roles=roles,
        claims=claims,
    )


def launch_revoke(*, launch: Launch) -> None:
    """End the launch's session: its tokens stop working at once."""
    Launch.objects.filter(pk=launch.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def launches_revoke(*, platform: Platform | None = None, user: LtiUser | None = None) -> int:
    """Revoke every unrevoked launch (of a platform, of a user, or all); the count."""
    rows = Launch.objects.filter(revoked_at__isnull=True)
    if platform is not None:
        rows = rows.filter(platform=platform)
    if user is not None:
        rows = rows.filter(user=user)
    return rows.update(revoked_at=timezone.now())
