"""Real-time work never waits behind a burst of submissions: with the submissions
queue flooded and its worker busy, an instructor's single-claim check is answered
by the realtime worker while the flood is still queued. Real worker processes, the
real intake and the local Canvas; the check goes through the class view."""

from __future__ import annotations

import pytest

from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services.intake import event_intake
from lti_tool.claims import MessageType, Role
from lti_tool.models import Deployment, Launch, LtiContext, LtiUser
from lti_tool.sessions import session_token_issue
from tests.analytics.conftest import LtiClient
from tests.conftest import wait_until, worker_start, worker_stop
from tests.factories import ESSAY_TEXT
from tests.pipeline.conftest import ASSIGNMENT, COURSE, global_id

pytestmark = [pytest.mark.e2e]
State = SubmissionJob.State
FLOOD = 20


@pytest.fixture
def worker_env(worker_env, nli_model_dir):
    worker_env["SMARTNOTES_NLI_MODEL"] = str(nli_model_dir)
    worker_env["SMARTNOTES_NLI_DEVICE"] = "cpu"
    return worker_env


@pytest.fixture
def workers(worker_env, tmp_path):
    """The production topology in small: a batch worker (submissions, inference,
    analytics; one process) and the realtime worker (threads)."""
    from smartnotes.celery import app
    from verification.claim_check import realtime_worker_alive

    app.control.purge()
    batch = worker_start(
        worker_env, tmp_path / "batch.log", "batch", queues="submissions,gpu,analytics"
    )
    realtime = worker_start(
        worker_env,
        tmp_path / "realtime.log",
        "realtime",
        queues="realtime",
        pool=("--pool", "threads", "-c", "2"),
    )
    try:
        wait_until(realtime_worker_alive, timeout_s=240, what="the realtime worker's heartbeat")
        yield batch, realtime
    finally:
        app.control.purge()  # the flood's leftovers must not reach a later test's worker
        worker_stop(batch)
        worker_stop(realtime)


def _instructor(course) -> LtiClient:
    platform = course.installation.platform
    context = LtiContext.objects.create(
        platform=platform, context_id="biology-101", canvas_course_id=str(COURSE)
    )
    user = LtiUser.objects.create(platform=platform, sub="teacher-1", name="Ada Teacher")
    launch = Launch.objects.create(
        platform=platform,
        deployment=Deployment.objects.create(platform=platform, deployment_id="1:flood"),
        user=user,
        context=context,
        message_type=MessageType.RESOURCE_LINK,
        roles=[str(Role.INSTRUCTOR)],
        claims={},
    )
    return LtiClient(session_token_issue(launch))


def _flood(fake_canvas, signed_event) -> None:
    for n in range(FLOOD):
        student, submission = 5000 + n, 7000 + n
        fake_canvas.add_submission(
            course_id=COURSE,
            assignment_id=ASSIGNMENT,
            user_id=student,
            submission_id=submission,
            attempts=[{"submission_type": "online_text_entry", "body": f"<p>{ESSAY_TEXT}</p>"}],
        )
        body = signed_event(
            metadata={"user_id": global_id(student)},
            submission_id=global_id(submission),
            user_id=global_id(student),
        )
        assert event_intake(body=body).job_id is not None


def _check(client: LtiClient, sentence: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/course/claim-check/", {"sentence": sentence}, HTTP_ACCEPT="application/json"
    )


def test_a_single_claim_check_is_answered_while_a_submission_flood_is_still_queued(
    course, fake_canvas, signed_event, workers, settings
):
    settings.SMARTNOTES_CLAIM_CHECK_TIMEOUT_S = 120  # the first check loads the model
    instructor = _instructor(course)
    warm = _check(instructor, "Photosynthesis requires light energy from the sun.")
    assert warm.status_code == 200, warm.json()
    _flood(fake_canvas, signed_event)
    wait_until(
        lambda: SubmissionJob.objects.exclude(state=State.RECEIVED).exists(),
        timeout_s=60,
        what="the batch worker to start on the flood",
    )

    response = _check(instructor, "Cellular respiration releases oxygen into the air.")

    still_queued = SubmissionJob.objects.filter(state__in=(State.RECEIVED, State.QUEUED)).count()
    assert response.status_code == 200, response.json()
    assert "Cellular respiration releases oxygen into the air." in response.json()["html"]
    assert response.json()["summary"].startswith("Checked: ")
    assert still_queued >= FLOOD // 2, f"only {still_queued} of {FLOOD} submissions still queued"
