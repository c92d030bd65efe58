"""Canvas Live Events straight from WSGI, ahead of Django's middleware stack.

Canvas streams events at institution scale and deactivates a stream that
answers slowly. The session, auth, CSRF, messages and LTI middleware do nothing
for a machine POST authenticated by its signature, yet cost about a fifth of the
CPU of each event (docs/benchmarks-pipeline.md). This wrapper answers
``POST /canvas/events/`` and ``POST /canvas/events/<token>/`` itself with the same
service the Django views call, and keeps what matters from the stack: host
validation, the HTTPS redirect, request ids, the latency metric, one log line,
error reporting, and the request signals that return pooled database
connections. Everything else goes to Django unchanged.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import structlog
from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest

from ops.middleware import request_id_bind, request_record

logger = structlog.get_logger("smartnotes.request")

EVENTS_PATH = re.compile(r"^/canvas/events/(?:(?P<token>[^/]+)/)?$")
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class LiveEventsFastPath:
    """WSGI middleware: Live Events POSTs are handled here, the rest by ``app``."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = EVENTS_PATH.match(environ.get("PATH_INFO", ""))
        if match is None or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        request = WSGIRequest(environ)
        try:
            request.get_host()
        except DisallowedHost:
            return self.app(environ, start_response)  # Django answers 400 and logs it
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return self.app(environ, start_response)  # Django redirects to HTTPS
        return self._intake(request, match["token"], start_response)

    def _intake(
        self, request: WSGIRequest, token: str | None, start_response: StartResponse
    ) -> Iterable[bytes]:
        request_id = request_id_bind(request.headers.get("X-Request-ID", ""))
        started = time.perf_counter()
        signals.request_started.send(sender=self.__class__, environ=request.environ)
        try:
            status, payload = self._answer(request, token)
        finally:
            # Returns this thread's database connection to the pool, as Django does.
            signals.request_finished.send(sender=self.__class__)
        duration_s = time.perf_counter() - started
        request_record(
            method="POST",
            route="canvas/events/<str:secret_token>/" if token else "canvas/events/",
            path=request.path if not token else "/canvas/events/<secret>/",
            status=status,
            duration_s=duration_s,
        )
        structlog.contextvars.clear_contextvars()
        body = json.dumps(payload).encode()
        start_response(
            f"{status} {HTTPStatus(status).phrase}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("X-Request-ID", request_id),
                ("Content-Security-Policy", "frame-ancestors 'none'"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [body]

    def _answer(self, request: WSGIRequest, token: str | None) -> tuple[int, dict[str, str]]:
        from canvas_pipeline.services.intake import event_intake

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 400, {"status": "rejected", "reason": "bad_content_length"}
        if length > settings.CANVAS_EVENT_MAX_BYTES:
            # Refused before reading: the service would refuse it after.
            return 413, {"status": "rejected", "reason": "too_large"}
        try:
            result = event_intake(body=request.body, secret_token=token)
        except Exception:
            logger.exception("canvas.event.error")
            import sentry_sdk

            sentry_sdk.capture_exception()
            return 500, {"status": "error", "reason": "internal_error"}
        return result.http_status, {"status": result.outcome, "reason": result.reason}
