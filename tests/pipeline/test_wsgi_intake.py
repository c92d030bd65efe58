"""Live Events through the deployed WSGI application (smartnotes.wsgi), whose fast
path answers them ahead of Django's middleware: same outcomes as the views."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from canvas_pipeline.models import LiveEvent, SubmissionJob
from canvas_pipeline.services.intake import installation_cache_clear
from smartnotes.wsgi import application
from tests.pipeline.conftest import SUBMISSION, event_payload

pytestmark = [pytest.mark.django_db(transaction=True)]


def call(
    path: str, body: bytes = b"", method: str = "POST", host: str = "testserver", **headers: str
) -> tuple[int, dict[str, str], dict[str, Any] | bytes]:
    """One request through the WSGI callable, as gunicorn makes it."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "HTTP_HOST": host,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/jwt",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    chunks = application(environ, start_response)
    data = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    is_json = answer["headers"].get("Content-Type", "").startswith("application/json")
    return answer["status"], answer["headers"], json.loads(data) if is_json else data


def test_a_signed_event_is_accepted_once_and_persisted(course, signed_event):
    body = signed_event()
    status, headers, payload = call("/canvas/events/", body, **{"X-Request-ID": "req-1"})
    again_status, _, again = call("/canvas/events/", body)

    assert (status, payload) == (202, {"status": "accepted", "reason": "submission_created"})
    assert (again_status, again["status"]) == (202, "duplicate")
    assert headers["X-Request-ID"] == "req-1"
    assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    job = SubmissionJob.objects.get()
    assert job.canvas_submission_id == SUBMISSION
    assert LiveEvent.objects.filter(job=job).count() == 1


def test_a_forged_signature_is_refused_without_a_job(course, other_key):
    from tests.pipeline.conftest import sign

    status, _, payload = call("/canvas/events/", sign(event_payload(), other_key))

    assert (status, payload["reason"]) == (401, "bad_signature")
    assert not SubmissionJob.objects.exists()


def test_an_oversized_body_is_refused_before_it_is_read(course, settings):
    settings.CANVAS_EVENT_MAX_BYTES = 1000

    status, _, payload = call("/canvas/events/", b"x" * 1001)

    assert (status, payload["reason"]) == (413, "too_large")


def test_unsigned_events_need_the_installations_secret_path(course):
    installation = course.installation
    installation.allow_unsigned = True
    installation.save(update_fields=["allow_unsigned"])
    installation_cache_clear()
    body = json.dumps(event_payload()).encode()

    wrong, _, refused = call("/canvas/events/not-the-token/", body)
    right, _, accepted = call(f"/canvas/events/{installation.secret_path_token}/", body)

    assert (wrong, refused["reason"]) == (401, "unsigned_not_allowed")
    assert (right, accepted["status"]) == (202, "accepted")


def test_other_requests_still_go_through_django(course, signed_event):
    bad_host, _, _ = call("/canvas/events/", signed_event(), host="evil.example")
    get, _, _ = call("/canvas/events/", method="GET")
    health, _, _ = call("/health/", method="GET")

    assert bad_host == 400  # ALLOWED_HOSTS, answered by Django
    assert get == 405
    assert health == 200
    assert not SubmissionJob.objects.exists()
