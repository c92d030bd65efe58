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


def request_id_bind(incoming: str) -> str:
    """This request's id (the caller's X-Request-ID when sane, else a new one),
    bound to the log context for the rest of the request."""
    request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    return request_id


def request_record(*, method: str, route: str, path: str, status: int, duration_s: float) -> None:
    """The latency metric and one log line (none for health, metrics and static files)."""
    REQUEST_LATENCY_S.labels(method, route, status).observe(duration_s)
    if not path.startswith(_QUIET_PREFIXES):
        logger.info(
            "http.request",
            method=method,
            path=path,
            status=status,
            duration_ms=round(duration_s * 1000, 1),
        )


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
        request_id = request_id_bind(request.headers.get("X-Request-ID", ""))
        started = time.perf_counter()
        response = self.get_response(request)
        duration_s = time.perf_counter() - started
        match = request.resolver_match
        request_record(
            method=str(request.method),
            route=match.route if match else "unmatched",
            path=_loggable_path(request),
            status=response.status_code,
            duration_s=duration_s,
        )
        response["X-Request-ID"] = request_id
        structlog.contextvars.clear_contextvars()
        return response


def frame_ancestors_allow(request: HttpRequest, origins: list[str]) -> None:
    """Let `origins` frame this response, for pages of the launch flow that have no
    launch token yet (OIDC login, platform-storage check, registration dialog)."""
    request.frame_ancestors = origins  # type: ignore[attr-defined]


def _frame_ancestors(request: HttpRequest) -> str:
    lti = getattr(request, "lti", None)
    if lti:
        from lti_tool.selectors import frame_ancestor_origins_for

        origins = frame_ancestor_origins_for(lti.platform, context=lti.context)
    else:
        origins = getattr(request, "frame_ancestors", None)
    if origins is None:
        return "frame-ancestors 'none'"
    sources = dict.fromkeys(["'self'", *settings.SMARTNOTES_FRAME_ANCESTORS, *origins])
    return "frame-ancestors " + " ".join(sources)


class FrameAncestorsMiddleware:
    """CSP frame-ancestors, per request: a page of a launch may be framed by that
    launch's platform (and this site); every other page (admin, demo, health,
    machine endpoints) by nobody."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = _frame_ancestors(request)
        return response
