import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ops.metrics import REQUEST_LATENCY_S

logger = structlog.get_logger("smartnotes.request")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_QUIET_PREFIXES = ("/health/", "/metrics", "/static/")


def _loggable_path(request: HttpRequest) -> str:
    """The path, with URL secrets (route kwargs named ``*token*``) left out."""
    match = request.resolver_match
    if match and any("token" in name for name in match.kwargs):
        return "/" + match.route
    return request.path


class RequestContextMiddleware:
    """Gives every request an id (kept from X-Request-ID when sane), binds it to
    the log context, times the request and logs one line per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        duration_s = time.perf_counter() - started
        match = request.resolver_match
        route = match.route if match else "unmatched"
        REQUEST_LATENCY_S.labels(request.method, route, response.status_code).observe(duration_s)
        response["X-Request-ID"] = request_id
        if not request.path.startswith(_QUIET_PREFIXES):
            logger.info(
                "http.request",
                method=request.method,
                path=_loggable_path(request),
                status=response.status_code,
                duration_ms=round(duration_s * 1000, 1),
            )
        structlog.contextvars.clear_contextvars()
        return response


def _platform_origins() -> list[str]:
    from lti_tool.selectors import frame_ancestor_origins

    try:
        return list(frame_ancestor_origins())
    except Exception:
        logger.warning("http.frame_ancestors.unavailable", exc_info=True)
        return []


class FrameAncestorsMiddleware:
    """CSP frame-ancestors: only this site and registered LMS platforms may frame us."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            origins = [*settings.SMARTNOTES_FRAME_ANCESTORS, *_platform_origins()]
            response["Content-Security-Policy"] = "frame-ancestors " + " ".join(
                ["'self'", *dict.fromkeys(origins)]
            )
        return response
