"""Canvas REST access through canvasapi: explicit User-Agent, timeouts, throttling
classified into transient and permanent errors, plain dicts out.

Canvas throttles per token with a leaky bucket: over the limit it answers 403
"Rate Limit Exceeded" (X-Rate-Limit-Remaining, X-Request-Cost headers); proxies
in front of it answer 429. Both, 5xx and timeouts are transient.
https://canvas.instructure.com/doc/api/file.throttling.html
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import requests
import structlog
from canvasapi import Canvas
from canvasapi.assignment import Assignment
from canvasapi.exceptions import (
    CanvasException,
    InvalidAccessToken,
    ResourceDoesNotExist,
    Unauthorized,
)
from canvasapi.submission import Submission
from django.conf import settings

from ops.outbound import OutboundRefused, OutboundSession

logger = structlog.get_logger(__name__)


class CanvasError(Exception):
    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class CanvasTransientError(CanvasError):
    """Worth retrying: throttled, 5xx, timeout, connection error, no free API slot."""

    def __init__(self, message: str, *, code: str, retry_after_s: float | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after_s = retry_after_s


class CanvasPermanentError(CanvasError):
    """Retrying cannot help (404, 403 other than throttling, 401 after refresh, bad data)."""


class CanvasAuthError(CanvasPermanentError):
    """401: the token is invalid or expired; the caller may refresh once."""


def backoff_s(retries: int, *, base_s: float = 2.0, cap_s: float = 300.0) -> float:
    """Exponential backoff with full jitter (AWS architecture blog), never below 0.5 s."""
    return max(0.5, random.uniform(0, min(cap_s, base_s * 2**retries)))  # noqa: S311


class CanvasSession(OutboundSession):
    """Every request: our User-Agent (Canvas rejects requests without one; canvasapi
    would send its own), a timeout, the last response kept for its headers, and the
    outbound checks (redirects only to allowed hosts, never to private addresses)."""

    def __init__(self) -> None:
        super().__init__()
        self.last_response: requests.Response | None = None

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        headers = dict(kwargs.pop("headers", None) or {})
        headers["User-Agent"] = settings.CANVAS_USER_AGENT
        kwargs["headers"] = headers
        kwargs.setdefault("timeout", settings.CANVAS_HTTP_TIMEOUT_S)
        try:
            response = super().request(method, url, *args, **kwargs)
        except OutboundRefused as exc:
            raise CanvasPermanentError(
                f"Canvas URL refused ({method}): {exc}", code="url_refused"
            ) from exc
        except requests.Timeout as exc:
            raise CanvasTransientError(
                f"Canvas did not answer {method} in time", code="timeout"
            ) from exc
        except requests.ConnectionError as exc:
            raise CanvasTransientError(f"cannot reach Canvas: {exc}", code="connection") from exc
        self.last_response = response
        return response


def _retry_after(response: requests.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


def _raw(obj: Any) -> dict[str, Any]:
    """The JSON a canvasapi object was built from (it adds `<name>_date` copies of dates)."""
    values = {k: v for k, v in vars(obj).items() if k != "_requester"}
    return {k: v for k, v in values.items() if not (k.endswith("_date") and k[:-5] in values)}


@dataclass
class CanvasClient:
    """One token against one Canvas; methods return the API's JSON as dicts."""

    api_url: str
    token: str

    def __post_init__(self) -> None:
        self._canvas = Canvas(self.api_url, self.token)
        self.session = CanvasSession()
        self._canvas._Canvas__requester._session = self.session  # type: ignore[attr-defined]
        self._requester = self._canvas._Canvas__requester  # type: ignore[attr-defined]

    def _call(self, what: str, function, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return function(*args, **kwargs)
        except (InvalidAccessToken, Unauthorized) as exc:
            raise CanvasAuthError(
                f"Canvas refused the token ({what})", code="unauthorized"
            ) from exc
        except ResourceDoesNotExist as exc:
            raise CanvasPermanentError(f"Canvas has no {what}", code="not_found") from exc
        except CanvasException as exc:
            raise self._classify(what, exc) from exc

    def _classify(self, what: str, exc: CanvasException) -> CanvasError:
        response = self.session.last_response
        status = response.status_code if response is not None else 0
        text = response.text[:300] if response is not None else str(exc)
        if status == 403 and "rate limit exceeded" in text.lower():
            remaining = response.headers.get("X-Rate-Limit-Remaining", "?") if response else "?"
            logger.warning("canvas.throttled", status=status, remaining=remaining, what=what)
            return CanvasTransientError(
                f"Canvas rate limit exceeded ({what}; remaining {remaining})", code="rate_limited"
            )
        if status == 429 or status >= 500:
            logger.warning("canvas.transient", status=status, what=what)
            return CanvasTransientError(
                f"Canvas answered {status} ({what})",
                code="rate_limited" if status == 429 else "canvas_unavailable",
                retry_after_s=_retry_after(response),
            )
        return CanvasPermanentError(
            f"Canvas answered {status or 'an error'} ({what}): {text}", code=f"http_{status}"
        )

    def submission_get(self, *, course_id: int, assignment_id: int, user_id: str) -> dict[str, Any]:
        """The submission with every attempt (submission_history) and its comments."""
        assignment = Assignment(self._requester, {"id": assignment_id, "course_id": course_id})
        submission = self._call(
            "submission",
            assignment.get_submission,
            user_id,
            include=["submission_history", "submission_comments"],
        )
        return _raw(submission)

    def submissions_list(
        self, *, course_id: int, assignment_id: int, submitted_since: str
    ) -> list[dict[str, Any]]:
        """Submissions of an assignment changed since an ISO time, with their history."""
        assignment = Assignment(self._requester, {"id": assignment_id, "course_id": course_id})

        def fetch() -> list[dict[str, Any]]:
            pages = assignment.get_submissions(
                include=["submission_history"], submitted_since=submitted_since, per_page=100
            )
            return [_raw(s) for s in pages]

        return self._call("submissions", fetch)

    def assignments_list(self, *, course_id: int) -> list[dict[str, Any]]:
        """A course's assignments that take online submissions: `id` and `lti_context_id`
        (the assignment's LTI id: Live Events' lti_assignment_id, notices' activity.id;
        "" when Canvas does not send it)."""
        from canvasapi.course import Course

        course = Course(self._requester, {"id": course_id})

        def fetch() -> list[dict[str, Any]]:
            return [
                {"id": int(a.id), "lti_context_id": str(getattr(a, "lti_context_id", "") or "")}
                for a in course.get_assignments(per_page=100)
                if {"online_text_entry", "online_upload"} & set(getattr(a, "submission_types", []))
            ]

        return self._call("assignments", fetch)

    def comment_post(
        self, *, course_id: int, assignment_id: int, user_id: str, attempt: int, text: str
    ) -> dict[str, Any]:
        """PUT one plain-text comment on one attempt; the updated submission comes back."""
        submission = Submission(
            self._requester,
            {"id": 0, "course_id": course_id, "assignment_id": assignment_id, "user_id": user_id},
        )
        self._call("comment", submission.edit, comment={"text_comment": text, "attempt": attempt})
        return _raw(submission)

    def file_download(self, url: str, *, max_bytes: int) -> bytes:
        """An attachment's bytes, following Canvas's redirect to file storage.

        requests drops the Authorization header when a redirect leaves the host."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = self.session.get(url, headers=headers, stream=True, allow_redirects=True)
        except CanvasTransientError:
            raise
        with response:
            if response.status_code == 429 or response.status_code >= 500:
                raise CanvasTransientError(
                    f"file download answered {response.status_code}", code="canvas_unavailable"
                )
            if response.status_code != 200:
                raise CanvasPermanentError(
                    f"file download answered {response.status_code}",
                    code=f"http_{response.status_code}",
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise CanvasPermanentError(
                        f"the file is larger than {max_bytes // 1024 // 1024} MB", code="too_large"
                    )
                chunks.append(chunk)
        return b"".join(chunks)


def oauth_token_request(api_url: str, data: dict[str, str]) -> dict[str, Any]:
    """POST /login/oauth2/token (authorization_code or refresh_token grant).

    https://canvas.instructure.com/doc/api/file.oauth_endpoints.html#post-login-oauth2-token
    """
    session = CanvasSession()
    response = session.post(f"{api_url.rstrip('/')}/login/oauth2/token", data=data)
    if response.status_code == 429 or response.status_code >= 500:
        raise CanvasTransientError(
            f"Canvas token endpoint answered {response.status_code}", code="canvas_unavailable"
        )
    if response.status_code != 200:
        raise CanvasAuthError(
            f"Canvas token endpoint answered {response.status_code}: {response.text[:200]}",
            code="oauth_refused",
        )
    return dict(response.json())
