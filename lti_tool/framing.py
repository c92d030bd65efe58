"""Who may frame the pages of the launch flow, before a launch token exists.

A page that belongs to a launch (``request.lti``) gets its frame-ancestors from
``ops.middleware`` and that launch's platform. The OIDC login, the launch POST, the
platform-storage check and the registration dialog run before that; these helpers
name the platform (or origin) each may be framed by. Every other page is framed by
no one.
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

from lti_tool.claims import Claim
from lti_tool.launch import SmartNotesMessageLaunch, tool_conf
from lti_tool.models import Platform
from lti_tool.selectors import frame_ancestor_origins_for, frame_ancestor_origins_for_login
from ops.middleware import frame_ancestors_allow
from ops.outbound import host_matches, is_hostname


def _origin_on_registration_hosts(url: str) -> str:
    """The URL's origin when its host is a bare hostname on LTI_DYNAMIC_REGISTRATION_HOSTS."""
    parts = urlsplit(url)
    if (
        parts.scheme in ("http", "https")
        and is_hostname(parts.netloc)
        and host_matches(parts.hostname or "", settings.LTI_DYNAMIC_REGISTRATION_HOSTS)
    ):
        return f"{parts.scheme}://{parts.netloc.lower()}"
    return ""


def frame_for_platform(
    request: HttpRequest, platform: Platform | None, claims: dict[str, Any] | None = None
) -> None:
    """Pages of the launch flow may be framed by the platform the launch comes from."""
    if platform is None:
        return
    if claims is None:
        frame_ancestors_allow(request, frame_ancestor_origins_for_login(platform))
        return
    custom = claims.get(Claim.CUSTOM) or {}
    domain = str(custom.get("canvas_api_domain", "") or "")
    frame_ancestors_allow(request, frame_ancestor_origins_for(platform, canvas_api_domain=domain))


def frame_for_login(request: HttpRequest, platform: Platform | None) -> None:
    """The login page (platform-storage path) is framed by the Canvas domain the user
    is on, which a first launch has not shown yet: the platform's origins, plus the
    posting page's Origin when it is on a registration host (LTI_DYNAMIC_REGISTRATION_HOSTS).
    The page has no controls; it only messages the platform and moves on."""
    if platform is None:
        return
    origins = frame_ancestor_origins_for_login(platform)
    posted_from = _origin_on_registration_hosts(request.headers.get("Origin", ""))
    frame_ancestors_allow(request, [*origins, posted_from] if posted_from else origins)


def frame_for_unverified(request: HttpRequest, message_launch: SmartNotesMessageLaunch) -> None:
    """A refused launch shows its reason inside the frame of the registered platform
    it names (the reason page is all that platform can frame)."""
    body = (getattr(message_launch, "_jwt", None) or {}).get("body") or {}
    if not isinstance(body, dict):
        return
    aud = body.get("aud")
    client_id = body.get("azp") or (aud[0] if isinstance(aud, list) and aud else aud)
    if isinstance(client_id, str) and isinstance(body.get("iss"), str):
        frame_for_platform(request, tool_conf().platform_get(body["iss"], client_id))


def frame_for_registration(request: HttpRequest, openid_configuration: str) -> None:
    """The LMS opens Dynamic Registration in a dialog frame of its own origin."""
    origin = _origin_on_registration_hosts(openid_configuration)
    if origin:
        frame_ancestors_allow(request, [origin])
