"""Reads other apps need from the LTI side.

For the current request's course, user and role use `request.lti` (see
lti_tool.sessions); these selectors cover reads outside a request.
"""

from urllib.parse import urlsplit

from django.core.cache import cache
from django.db.models import QuerySet

from lti_tool.models import Launch, LtiContext, Membership, Platform, ToolKey

FRAME_ANCESTORS_CACHE_S = 60
FRAME_ANCESTORS_CACHE_KEY = "lti:frame-ancestors"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def frame_ancestor_origins() -> list[str]:
    """Origins of registered LMS platforms, allowed to frame Smart Notes pages.

    From each active platform's issuer, OIDC auth URL and Canvas API URL, and the
    Canvas domains seen in launches. Cached briefly (this runs on every response)
    and dropped when a registration or a new Canvas domain appears.
    """
    origins = cache.get(FRAME_ANCESTORS_CACHE_KEY)
    if origins is None:
        origins = []
        for row in Platform.objects.filter(is_active=True).values_list(
            "issuer", "auth_login_url", "canvas_api_url"
        ):
            origins.extend(o for o in map(_origin, row) if o)
        # Canvas frames the tool from the institution's domain ($Canvas.api.domain).
        domains = (
            LtiContext.objects.filter(platform__is_active=True)
            .exclude(canvas_api_domain="")
            .values_list("platform__issuer", "canvas_api_domain")
            .distinct()
        )
        for issuer, domain in domains:
            scheme = "http" if issuer.startswith("http://") else "https"
            origins.append(f"{scheme}://{domain}")
        origins = list(dict.fromkeys(origins))
        cache.set(FRAME_ANCESTORS_CACHE_KEY, origins, FRAME_ANCESTORS_CACHE_S)
    return list(origins)


def platform_list_for_admin(platform: Platform) -> QuerySet[Platform]:
    """Registrations an administrator launching through `platform` may see: those of
    the same root account (same tool_platform.guid), never other tenants' (Canvas
    cloud institutions all share the issuer https://canvas.instructure.com)."""
    if platform.tool_platform_guid:
        rows = Platform.objects.filter(
            issuer=platform.issuer, tool_platform_guid=platform.tool_platform_guid
        )
    else:
        rows = Platform.objects.filter(pk=platform.pk)
    return rows.prefetch_related("deployments").order_by("name", "id")


def launch_list_recent_for_platform(platform: Platform, *, limit: int = 20) -> QuerySet[Launch]:
    return (
        Launch.objects.filter(platform=platform)
        .select_related("platform", "user", "context")
        .order_by("-created_at")[:limit]
    )


def tool_key_list() -> QuerySet[ToolKey]:
    return ToolKey.objects.order_by("-created_at")


def membership_list_for_context(context: LtiContext) -> QuerySet[Membership]:
    """Active members of a course (from launches and roster syncs)."""
    return Membership.objects.filter(context=context, is_active=True).select_related("user")
