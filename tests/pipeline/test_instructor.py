"""Instructor endpoints (launch-token guarded), the OAuth2 flow and the commands."""

from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from canvas_pipeline import selectors
from canvas_pipeline.models import CanvasCourse, CanvasInstallation, CanvasToken, SubmissionJob
from canvas_pipeline.services import jobs, posting
from canvas_pipeline.services.intake import event_intake
from tests.factories import MATERIALS_TEXT
from tests.pipeline.conftest import COURSE, ROOT_UUID, STUDENT

pytestmark = [pytest.mark.django_db]
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def enqueued(callbacks) -> int:
    """How many job messages the captured on-commit callbacks would send."""
    return sum("job_enqueue" in callback.__qualname__ for callback in callbacks)


def launch_token(course, roles: list[str], canvas_user_id: str = "9") -> tuple[str, object]:
    from lti_tool.models import Deployment, Launch, LtiContext, LtiUser
    from lti_tool.sessions import session_token_issue

    platform = course.installation.platform
    deployment, _ = Deployment.objects.get_or_create(platform=platform, deployment_id="1:abc")
    context, _ = LtiContext.objects.get_or_create(
        platform=platform, context_id="ctx-101", defaults={"canvas_course_id": str(COURSE)}
    )
    user, _ = LtiUser.objects.get_or_create(
        platform=platform, sub=f"user-{canvas_user_id}", defaults={"canvas_user_id": canvas_user_id}
    )
    launch = Launch.objects.create(
        platform=platform,
        deployment=deployment,
        user=user,
        context=context,
        message_type="LtiResourceLinkRequest",
        roles=roles,
    )
    return session_token_issue(launch), user


@pytest.fixture
def failed_job(course, text_submission, fake_canvas, signed_event):
    job_id = event_intake(body=signed_event()).job_id
    saved = dict(fake_canvas.submissions)
    fake_canvas.submissions.clear()
    jobs.job_process(job_id=job_id)
    fake_canvas.submissions.update(saved)
    return SubmissionJob.objects.get(pk=job_id)


def test_an_instructor_retries_a_failed_job(client, failed_job, django_capture_on_commit_callbacks):
    token, _ = launch_token(failed_job.course, [INSTRUCTOR])

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            f"/canvas/jobs/{failed_job.public_id}/retry/", HTTP_X_LTI_SESSION=token
        )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "received"
    assert enqueued(callbacks) == 1


def test_a_student_cannot_retry(client, failed_job):
    token, _ = launch_token(failed_job.course, [LEARNER], canvas_user_id=str(STUDENT))

    response = client.post(f"/canvas/jobs/{failed_job.public_id}/retry/", HTTP_X_LTI_SESSION=token)

    assert response.status_code == 403
    assert SubmissionJob.objects.get(pk=failed_job.pk).state == "failed"


def test_retry_without_a_launch_is_refused(client, failed_job):
    assert client.post(f"/canvas/jobs/{failed_job.public_id}/retry/").status_code == 401


def test_the_jobs_list_shows_state_reason_and_queue_position(client, failed_job, signed_event):
    token, _ = launch_token(failed_job.course, [INSTRUCTOR])
    event_intake(body=signed_event(submission_id="70000000000405", user_id="70000000000304"))

    data = client.get("/canvas/jobs/", HTTP_X_LTI_SESSION=token).json()

    by_state = {job["state"]: job for job in data["jobs"]}
    assert by_state["failed"]["error_code"] == "not_found"
    assert by_state["failed"]["can_retry"] is True
    assert by_state["received"]["queue_position"] == 1
    assert data["enabled"] is True


def test_queue_position_and_projected_wait_follow_recent_throughput(course, signed_event):
    from django.utils import timezone

    ids = [
        event_intake(
            body=signed_event(submission_id=f"7000000000{n:04d}", user_id=f"7000000001{n:04d}")
        ).job_id
        for n in range(1, 4)
    ]
    SubmissionJob.objects.filter(pk=ids[0]).update(state="done", verify_started_at=timezone.now())

    status = selectors.job_status(SubmissionJob.objects.get(pk=ids[2]))

    assert status["queue_position"] == 2
    assert status["projected_wait_s"] == 2 * 900


def test_the_oauth_flow_stores_an_encrypted_token_used_for_the_course(
    client, course, fake_canvas, text_submission, signed_event, verifier_settings
):
    installation = course.installation
    installation.oauth_client_id = "170000000000001"
    installation.api_token_encrypted = ""
    installation.save()
    token, user = launch_token(course, [INSTRUCTOR])

    start = client.get("/canvas/oauth/start/", HTTP_X_LTI_SESSION=token)
    assert start.status_code == 302
    location = urlsplit(start["Location"])
    assert location.path == "/login/oauth2/auth"
    query = parse_qs(location.query)
    fake_canvas.codes["code-1"] = "55"  # the instructor clicked "Authorize" in Canvas
    done = client.get("/canvas/oauth/callback/", {"code": "code-1", "state": query["state"][0]})

    assert done.status_code == 200
    stored = CanvasToken.objects.get()
    assert (stored.lti_user, stored.canvas_user_id, stored.state) == (user, "55", "active")
    assert "access-55" not in stored.access_token_encrypted
    assert CanvasCourse.objects.get(pk=course.pk).canvas_token == stored
    job_id = event_intake(body=signed_event()).job_id
    jobs.job_process(job_id=job_id)
    assert (
        fake_canvas.recorded("GET", "/submissions/")[-1]
        .headers["Authorization"]
        .startswith("Bearer access-55-")
    )


def test_a_forged_oauth_state_is_refused(client, course):
    response = client.get("/canvas/oauth/callback/", {"code": "x", "state": "forged"})

    assert response.status_code == 400
    assert not CanvasToken.objects.exists()


def test_the_report_page_is_for_the_student_and_staff_only(client, course, failed_job):
    staff, _ = launch_token(course, [INSTRUCTOR])
    student, _ = launch_token(course, [LEARNER], canvas_user_id=str(STUDENT))
    other, _ = launch_token(course, [LEARNER], canvas_user_id="999")
    url = f"/canvas/reports/{failed_job.public_id}/"

    assert client.get(url, HTTP_X_LTI_SESSION=staff).status_code == 200
    assert client.get(url, HTTP_X_LTI_SESSION=student).status_code == 404  # not released
    assert client.get(url, HTTP_X_LTI_SESSION=other).status_code == 404
    SubmissionJob.objects.filter(pk=failed_job.pk).update(state=SubmissionJob.State.DONE)
    assert client.get(url, HTTP_X_LTI_SESSION=student).status_code == 200


def test_approve_is_refused_for_a_job_that_is_not_held(failed_job):
    from verification.services import ApplicationError

    with pytest.raises(ApplicationError, match="held"):
        posting.job_approve(job_id=failed_job.pk, user=None)


def test_canvas_connect_is_idempotent_and_prints_the_events_url(fake_canvas, db):
    from lti_tool.models import Platform

    Platform.objects.create(
        name="State U",
        issuer="https://canvas.instructure.com",
        client_id="1",
        auth_login_url="https://sso.canvaslms.com/a",
        auth_token_url="https://sso.canvaslms.com/t",
        key_set_url="https://sso.canvaslms.com/k",
    )
    args = ["--platform", "State U", "--root-account-uuid", ROOT_UUID]
    args += ["--api-url", fake_canvas.url + "/api/v1", "--api-token", "tok"]
    first, second = StringIO(), StringIO()

    call_command("canvas_connect", *args, stdout=first)
    call_command("canvas_connect", *args, "--allow-unsigned", stdout=second)

    installation = CanvasInstallation.objects.get()
    assert installation.api_url == fake_canvas.url
    assert installation.allow_unsigned is True
    url = f"/canvas/events/{installation.secret_path_token}/"
    assert url in first.getvalue()
    assert first.getvalue().splitlines()[-1] == second.getvalue().splitlines()[-1]
    assert "tok" not in installation.api_token_encrypted


def test_canvas_connect_names_an_unknown_platform(db):
    with pytest.raises(CommandError, match="No LTI platform is named 'Nope'"):
        call_command("canvas_connect", "--platform", "Nope", "--root-account-uuid", "u")


def test_course_commands_create_the_course_add_materials_and_set_settings(
    installation, tmp_path, verifier_settings
):
    notes = tmp_path / "notes.md"
    notes.write_text(MATERIALS_TEXT)
    name = installation.platform.name
    out = StringIO()

    call_command(
        "course_materials_add",
        "--platform",
        name,
        "--course",
        "70000000000101",
        str(notes),
        stdout=out,
    )
    call_command(
        "course_settings",
        "--platform",
        name,
        "--course",
        str(COURSE),
        "--enabled",
        "on",
        "--auto-post",
        "off",
        "--min-confidence",
        "0.4",
        "--hold-for-review",
        "on",
        stdout=out,
    )

    course = CanvasCourse.objects.get()
    assert course.canvas_course_id == COURSE
    assert course.corpus.materials.get().status == "ingested"
    assert (course.is_enabled, course.auto_post, course.min_confidence, course.hold_for_review) == (
        True,
        False,
        0.4,
        True,
    )
    assert "enabled=on auto-post=off min-confidence=0.4 hold-for-review=on" in out.getvalue()
    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command(
            "course_settings", "--platform", name, "--course", str(COURSE), "--min-confidence", "2"
        )


def test_jobs_retry_command_retries_failed_jobs_by_code(failed_job):
    out = StringIO()

    call_command("jobs_retry", "--failed", "--code", failed_job.error_code, stdout=out)

    assert SubmissionJob.objects.get(pk=failed_job.pk).state == "received"
    assert f"{failed_job.public_id}: retried" in out.getvalue()
    assert "1 job(s) retried." in out.getvalue()
