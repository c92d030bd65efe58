"""Reads other apps need from the LTI side.

For the current request's course, user and role use `request.lti` (see
lti_tool.sessions); these selectors cover reads outside a request.
"""

from urllib.parse import urlsplit

from django.db.models import QuerySet

from lti_tool.models import Launch, LtiContext, Membership, Platform, ToolKey
from ops.outbound import is_hostname


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def canvas_domain_origin(platform: Platform, domain: str) -> str:
    """The origin of a Canvas domain ($Canvas.api.domain), or "" if it is no hostname."""
    if not is_hostname(domain):
        return ""
    scheme = "http" if platform.issuer.startswith("http://") else "https"
    return f"{scheme}://{domain.lower()}"


def frame_ancestor_origins_for(
    platform: Platform, *, context: LtiContext | None = None, canvas_api_domain: str = ""
) -> list[str]:
    """Origins that may frame a page of a launch from `platform`: its issuer, OIDC auth
    URL and Canvas API URL, and the Canvas domain of this launch's course only.

    Built per request from the launching platform alone, so nothing one institution
    sends can change the header another institution's pages get."""
    origins = [_origin(u) for u in (platform.issuer, platform.auth_login_url)]
    origins.append(_origin(platform.canvas_api_url))
    for domain in (context.canvas_api_domain if context else "", canvas_api_domain):
        origins.append(canvas_domain_origin(platform, domain))
    return list(dict.fromkeys(o for o in origins if o))


def frame_ancestor_origins_for_login(platform: Platform) -> list[str]:
    """Before the id_token names a course (OIDC login), the platform's origins and the
    Canvas domains its own launches have shown."""
    domains = (
        LtiContext.objects.filter(platform=platform)
        .exclude(canvas_api_domain="")
        .values_list("canvas_api_domain", flat=True)
        .distinct()[:50]
    )
    origins = frame_ancestor_origins_for(platform)
    origins.extend(canvas_domain_origin(platform, d) for d in domains)
    return list(dict.fromkeys(o for o in origins if o))


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
