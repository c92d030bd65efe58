"""Finding 6 (Low items owned here): held reports, OAuth state binding, public ops
endpoints, the production session cookie. Framing of the admin is in
test_framing_and_custom_fields; DEBUG and weak keys in test_secrets_at_rest; failed
JWKS fetches in test_outbound_redirects; TA uploads in tests/asset_processor."""

from urllib.parse import parse_qs, urlsplit

import pytest

from canvas_pipeline.models import CanvasToken, SubmissionJob
from canvas_pipeline.services.intake import event_intake
from tests.django.test_settings import PRODUCTION_ENV, _manage
from tests.pipeline.conftest import STUDENT
from tests.pipeline.test_instructor import INSTRUCTOR, LEARNER, launch_token


@pytest.fixture
def held_job(course, text_submission, fake_canvas, signed_event):
    job_id = event_intake(body=signed_event()).job_id
    SubmissionJob.objects.filter(pk=job_id).update(state=SubmissionJob.State.HELD)
    return SubmissionJob.objects.get(pk=job_id)


def test_a_student_cannot_open_their_own_held_report(client, held_job):
    student, _ = launch_token(held_job.course, [LEARNER], canvas_user_id=str(STUDENT))
    staff, _ = launch_token(held_job.course, [INSTRUCTOR])
    url = f"/canvas/reports/{held_job.public_id}/"

    assert client.get(url, HTTP_X_LTI_SESSION=student).status_code == 404
    assert client.get(url, HTTP_X_LTI_SESSION=staff).status_code == 200
    SubmissionJob.objects.filter(pk=held_job.pk).update(state=SubmissionJob.State.DONE)
    assert client.get(url, HTTP_X_LTI_SESSION=student).status_code == 200  # once approved


@pytest.fixture
def oauth_state(client, course):
    installation = course.installation
    installation.oauth_client_id = "170000000000001"
    installation.save()
    token, _ = launch_token(course, [INSTRUCTOR])
    start = client.get("/canvas/oauth/start/", HTTP_X_LTI_SESSION=token)
    assert start.status_code == 302
    return parse_qs(urlsplit(start["Location"]).query)["state"][0]


def test_oauth_state_from_another_browser_is_refused(client, oauth_state, fake_canvas):
    fake_canvas.codes["code-1"] = "55"
    client.cookies.clear()  # the victim's browser: it never started this flow
    done = client.get("/canvas/oauth/callback/", {"code": "code-1", "state": oauth_state})
    assert done.status_code == 400
    assert "another browser" in done.content.decode()
    assert not CanvasToken.objects.exists()


def test_oauth_state_cannot_be_replayed(client, oauth_state, fake_canvas):
    fake_canvas.codes["code-1"] = "55"
    cookie = client.cookies["sn_canvas_oauth"].value
    assert (
        client.get("/canvas/oauth/callback/", {"code": "code-1", "state": oauth_state}).status_code
        == 200
    )
    fake_canvas.codes["code-2"] = "66"
    client.cookies["sn_canvas_oauth"] = cookie
    replay = client.get("/canvas/oauth/callback/", {"code": "code-2", "state": oauth_state})
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert CanvasToken.objects.get().canvas_user_id == "55"


@pytest.mark.parametrize("path", ["/metrics", "/health/ready/"])
def test_ops_details_need_the_ops_token(client, db, settings, path):
    settings.SMARTNOTES_OPS_TOKEN = "ops-secret"
    anonymous = client.get(path)
    if path == "/metrics":
        assert anonymous.status_code == 403
    else:
        assert set(anonymous.json()) == {"status"}
    operator = client.get(path, HTTP_AUTHORIZATION="Bearer ops-secret")
    assert operator.status_code in (200, 503)
    assert b"smartnotes_" in operator.content or "components" in operator.json()


def test_production_without_ops_token_shows_nobody(client, db, settings):
    settings.IS_PRODUCTION = True
    settings.SMARTNOTES_OPS_TOKEN = ""
    assert client.get("/metrics").status_code == 403
    body = client.get("/health/ready/").json()
    assert set(body) == {"status"}
    assert "pid" not in str(body)
    assert "model" not in str(body)


def test_production_session_cookie_is_not_sent_cross_site():
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_SAMESITE)"
    result = _manage("shell", "-c", code, env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.strip().splitlines()[-1] == "Lax"
