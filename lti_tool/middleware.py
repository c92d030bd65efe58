"""Attaches `request.lti` from the signed launch token (see lti_tool.sessions).

The token is read from the `lti_session` query parameter, the `lti_session` form
field, or the `X-LTI-Session` header; without a valid one `request.lti` is the
falsy `ABSENT` launch. Cookies are never consulted, so the same code path serves
browsers that block third-party cookies. A request with a valid token skips the
CSRF cookie check: the token itself is the unforgeable per-launch secret.
"""

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse

from lti_tool.selectors import frame_ancestor_origins_for
from lti_tool.sessions import (
    ABSENT,
    TOKEN_HEADER,
    TOKEN_PARAM,
    LtiLaunch,
    LtiRequest,
    launch_from_token,
    platform_from_stale_token,
)
from ops.middleware import frame_ancestors_allow


def _token_from(request: HttpRequest) -> str:
    token = request.GET.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER, "")
    if not token and request.method == "POST":
        # Reading POST here is fine: form posts carry the token as a hidden field.
        token = request.POST.get(TOKEN_PARAM, "")
    return token


class LtiLaunchMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: LtiRequest) -> HttpResponse:
        token = _token_from(request)
        launch = launch_from_token(token) if token else None
        # ABSENT has LtiLaunch's attributes and is falsy: views test `if request.lti`.
        request.lti = launch if launch is not None else cast(LtiLaunch, ABSENT)
        if token and launch is None:
            # An expired (or revoked) token still names its platform: the "open it
            # again" page stays visible in that platform's frame.
            platform = platform_from_stale_token(token)
            if platform is not None:
                frame_ancestors_allow(request, frame_ancestor_origins_for(platform))
        if launch is not None:
            # The token is a per-launch secret no other site can read, so it stands in
            # for the CSRF cookie that cookieless browsers never send back.
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        response = self.get_response(request)
        if launch is not None:
            # The token is in the URL: keep it out of Referer headers sent elsewhere.
            response.setdefault("Referrer-Policy", "same-origin")
        return response
