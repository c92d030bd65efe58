"""Finding 4: launch tokens reach the logs; they were valid 2 h and not revocable."""

import io
import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from lti_tool.models import Launch
from lti_tool.services import launch_revoke
from tests.lti.conftest import full_launch


def _token(response) -> str:
    assert response.status_code == 302, response.content[:500]
    return parse_qs(urlsplit(response["Location"]).query)["lti_session"][0]


@pytest.fixture
def log_output():
    """What the configured console handler writes (its filter included)."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and h.filters
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_no_log_line_carries_the_launch_token(client, platform, log_output):
    token = _token(full_launch(client, platform, "instructor"))
    client.get("/course/", {"lti_session": token})
    client.get("/no-such-page/", {"lti_session": token})  # django.request: Not Found
    client.get("/course/", {"lti_session": token + "x"})  # refused: 401
    client.get("/canvas/oauth/callback/", {"code": "oauth-code-1", "state": "s"})  # 400
    text = log_output.getvalue()
    assert "Not Found" in text  # Django's own logger wrote through the filter
    assert token not in text
    assert token[:40] not in text
    assert "oauth-code-1" not in text


def test_django_server_request_lines_lose_their_query():
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
        ("GET /course/?lti_session=secret.token:abc HTTP/1.1", "200", "512"), None,
    )  # fmt: skip
    from ops.logging import QueryStringFilter

    QueryStringFilter().filter(record)
    assert "secret.token" not in record.getMessage()
    assert record.getMessage().startswith('"GET /course/?[query removed] HTTP/1.1" 200')


def test_exception_text_loses_query_strings(log_output):
    try:
        raise ValueError("fetch failed: https://x.test/a?access_token=leaked-value")
    except ValueError:
        logging.getLogger("smartnotes.test").exception("outbound.failed")
    assert "leaked-value" not in log_output.getvalue()
    assert "outbound.failed" in log_output.getvalue()


def test_sentry_events_lose_query_strings():
    from ops.logging import sentry_event_scrub

    event = {
        "request": {
            "url": "https://notes.test/course/?lti_session=tok",
            "query_string": "lti_session=tok",
        },
        "breadcrumbs": {"values": [{"message": "GET https://notes.test/x?lti_session=tok"}]},
    }
    assert "tok" not in str(sentry_event_scrub(event, {}))


def test_a_revoked_launch_token_stops_working(client, platform):
    token = _token(full_launch(client, platform, "instructor"))
    assert client.get("/course/", {"lti_session": token}).status_code == 200
    launch_revoke(launch=Launch.objects.get())
    assert client.get("/course/", {"lti_session": token}).status_code == 401


def test_revoke_command_ends_a_users_sessions(client, platform):
    token = _token(full_launch(client, platform, "instructor"))
    launch = Launch.objects.get()
    out = io.StringIO()
    call_command(
        "lti_revoke_sessions",
        "--platform",
        str(launch.platform_id),
        "--sub",
        launch.user.sub,
        stdout=out,
    )
    assert "Revoked 1 launch" in out.getvalue()
    assert client.get("/course/", {"lti_session": token}).status_code == 401


def test_token_lifetime_counts_from_the_launch(client, platform, settings):
    token = _token(full_launch(client, platform, "instructor"))
    Launch.objects.update(
        created_at=timezone.now() - timedelta(seconds=settings.LTI_SESSION_TOKEN_MAX_AGE_S + 1)
    )
    assert client.get("/course/", {"lti_session": token}).status_code == 401


def test_token_is_bound_to_its_launch_user_and_context(client, platform):
    from django.core import signing

    token = _token(full_launch(client, platform, "learner"))
    payload = signing.loads(token, salt="lti_tool.session")
    assert client.get("/course/my-feedback/", {"lti_session": token}).status_code == 200
    forged = signing.dumps(
        {**payload, "u": payload["u"] + 1}, salt="lti_tool.session", compress=True
    )
    assert client.get("/course/my-feedback/", {"lti_session": forged}).status_code == 401


def test_default_token_lifetime_is_at_most_an_hour(settings):
    assert settings.LTI_SESSION_TOKEN_MAX_AGE_S <= 3600
