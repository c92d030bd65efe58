"""One job per attempt whichever path notified first: a Live Event and a notice for
the same attempt meet on the LTI key (assignment LTI id, user LTI id, attempt), which
the database holds unique; one report and no second comment follow."""

import json
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from asset_processor.models import Notice
from canvas_pipeline.models import CanvasCourse, CommentPosting, SubmissionJob
from canvas_pipeline.services import maintenance
from canvas_pipeline.services.intake import event_intake, installation_cache_clear
from tests.asset_processor.conftest import ACTIVITY_ID, STUDENT_LTI_ID, run_job

CANVAS_SUBMISSION_ID = 9001


@pytest.fixture
def events_on(processor):  # type: ignore[no-untyped-def]
    """The course also sends Live Events (unsigned, on the secret path, for brevity)."""
    installation = processor.course.installation
    installation.allow_unsigned = True
    installation.save()
    CanvasCourse.objects.filter(pk=processor.course_id).update(is_enabled=True)
    installation_cache_clear()
    return installation


def _event(installation) -> bytes:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = {
        "metadata": {
            "event_name": "submission_created",
            "event_time": now,
            "root_account_uuid": installation.root_account_uuid,
            "context_type": "Course",
            "context_id": "7",
        },
        "body": {
            "submission_id": str(CANVAS_SUBMISSION_ID),
            "assignment_id": "42",
            "user_id": "502",
            "submitted_at": now,
            "submission_type": "online_text_entry",
            "attempt": "1",
            "workflow_state": "submitted",
            "lti_user_id": STUDENT_LTI_ID,
            "lti_assignment_id": ACTIVITY_ID,
        },
    }
    return json.dumps(payload).encode()


def _deliver_event(installation) -> str:  # type: ignore[no-untyped-def]
    result = event_intake(body=_event(installation), secret_token=installation.secret_path_token)
    return result.outcome


def _deliver_notice(client, notices) -> None:  # type: ignore[no-untyped-def]
    response = notices.post(client, notices.sign(notices.claims([notices.text_entry()])))
    assert response.status_code == 204


@pytest.mark.usefixtures("verifier_settings")
def test_notice_then_live_event_is_one_job_with_one_report(client, events_on, notices, canvas):  # type: ignore[no-untyped-def]
    _deliver_notice(client, notices)
    assert _deliver_event(events_on) == "duplicate"
    job = SubmissionJob.objects.get()
    assert job.canvas_submission_id == CANVAS_SUBMISSION_ID
    assert job.assignment.canvas_assignment_id == 42
    run_job(job.pk)
    job.refresh_from_db()
    assert job.state == SubmissionJob.State.DONE, job.error_message
    assert [r["processingProgress"] for r in canvas.final_reports()] == ["Processed"]
    assert not CommentPosting.objects.exists()


@pytest.mark.usefixtures("verifier_settings")
def test_live_event_then_notice_is_one_job_with_one_report(client, events_on, notices, canvas):  # type: ignore[no-untyped-def]
    assert _deliver_event(events_on) == "accepted"
    _deliver_notice(client, notices)
    job = SubmissionJob.objects.get()
    assert job.source == SubmissionJob.Source.EVENT
    assert (job.lti_assignment_id, job.lti_user_id) == (ACTIVITY_ID, STUDENT_LTI_ID)
    assert job.assets.count() == 1
    run_job(job.pk)
    assert [r["processingProgress"] for r in canvas.final_reports()] == ["Processed"]


def test_the_database_refuses_a_second_job_for_the_attempt(processor):  # type: ignore[no-untyped-def]
    from django.db import IntegrityError

    fields = {
        "installation": processor.course.installation,
        "course": processor.course,
        "assignment": processor.course.assignments.get_or_create(lti_assignment_id=ACTIVITY_ID)[0],
        "lti_assignment_id": ACTIVITY_ID,
        "lti_user_id": STUDENT_LTI_ID,
        "attempt": 1,
    }
    SubmissionJob.objects.create(**fields, source=SubmissionJob.Source.NOTICE)
    with pytest.raises(IntegrityError):
        SubmissionJob.objects.create(**fields, canvas_submission_id=1, source="event")


@pytest.fixture
def rest_canvas(events_on):  # type: ignore[no-untyped-def]
    """Canvas REST credentials for the installation, and the attempt on that Canvas."""
    from canvas_pipeline.services.setup import installation_connect
    from tests.factories import ESSAY_TEXT
    from tests.pipeline.fake_canvas import FakeCanvas

    fake = FakeCanvas().start()
    installation_connect(
        platform=events_on.platform,
        root_account_uuid=events_on.root_account_uuid,
        api_url=fake.url,
        api_token="admin-token",
    )
    fake.add_submission(
        course_id=7,
        assignment_id=42,
        user_id=502,
        submission_id=CANVAS_SUBMISSION_ID,
        attempts=[{"submission_type": "online_text_entry", "body": f"<p>{ESSAY_TEXT}</p>"}],
    )
    fake.assignment_lti_ids[42] = ACTIVITY_ID  # Canvas's Assignment.lti_context_id
    yield fake
    fake.stop()


@pytest.mark.usefixtures("verifier_settings")
def test_a_course_that_wants_comments_gets_one_comment_and_one_report(
    client, processor, rest_canvas, notices, canvas
):  # type: ignore[no-untyped-def]
    from asset_processor.models import AssetProcessor

    AssetProcessor.objects.filter(pk=processor.pk).update(post_comment=True)
    _deliver_notice(client, notices)
    _deliver_event(processor.course.installation)
    job = SubmissionJob.objects.get()
    run_job(job.pk)
    job.refresh_from_db()
    assert job.state == SubmissionJob.State.DONE, job.error_message
    assert [r["processingProgress"] for r in canvas.final_reports()] == ["Processed"]
    assert len(rest_canvas.comments(7, 42, 502)) == 1
    assert CommentPosting.objects.get().state == CommentPosting.State.POSTED


def _reconcile(rest_canvas) -> int:  # type: ignore[no-untyped-def]
    """The nightly reconciliation, with the attempt inside its lookback."""
    for version in rest_canvas.submissions[(7, 42, 502)]["submission_history"]:
        version["submitted_at"] = timezone.now().isoformat()
    return maintenance.reconcile()


@pytest.fixture
def student_launched(processor):  # type: ignore[no-untyped-def]
    """The student launched Smart Notes once: their `sub` and Canvas user id are known."""
    from lti_tool.models import LtiUser

    return LtiUser.objects.create(
        platform=processor.platform, sub=STUDENT_LTI_ID, canvas_user_id="502"
    )


@pytest.mark.usefixtures("verifier_settings", "student_launched")
def test_reconciled_attempt_then_notice_is_one_job_with_one_comment_and_one_report(
    client, processor, rest_canvas, notices, canvas
):  # type: ignore[no-untyped-def]
    assert _reconcile(rest_canvas) == 1
    job = SubmissionJob.objects.get()
    assert (job.lti_assignment_id, job.lti_user_id) == (ACTIVITY_ID, STUDENT_LTI_ID)

    _deliver_notice(client, notices)
    assert Notice.objects.get().outcome == "duplicate:submission"
    assert SubmissionJob.objects.get().pk == job.pk
    assert job.assets.count() == 1
    run_job(job.pk)
    job.refresh_from_db()
    assert job.state == SubmissionJob.State.DONE, job.error_message
    assert len(rest_canvas.comments(7, 42, 502)) == 1
    assert [r["processingProgress"] for r in canvas.final_reports()] == ["Processed"]
    assert _reconcile(rest_canvas) == 0
    assert SubmissionJob.objects.count() == 1


def test_notice_adopts_a_reconciled_job_whose_student_lti_id_was_unknown(
    client, processor, rest_canvas, notices
):  # type: ignore[no-untyped-def]
    """Nobody recorded the student's LTI id: the notice finds the job by assignment,
    Canvas user (custom canvas_user_id) and attempt, and gives it the LTI key."""
    assert _reconcile(rest_canvas) == 1
    assert SubmissionJob.objects.get().lti_user_id == ""

    _deliver_notice(client, notices)
    job = SubmissionJob.objects.get()
    assert job.source == SubmissionJob.Source.RECONCILIATION
    assert (job.lti_assignment_id, job.lti_user_id) == (ACTIVITY_ID, STUDENT_LTI_ID)
    assert job.assets.count() == 1
    assert Notice.objects.get().outcome == "duplicate:submission"


def test_notice_then_reconciliation_is_one_job(client, processor, rest_canvas, notices):  # type: ignore[no-untyped-def]
    """The notice's job (LTI ids only) is adopted by reconciliation, which gives it its
    Canvas submission id; the notice's assignment row learns its Canvas id."""
    _deliver_notice(client, notices)
    assert _reconcile(rest_canvas) == 0
    job = SubmissionJob.objects.get()
    assert job.source == SubmissionJob.Source.NOTICE
    assert job.canvas_submission_id == CANVAS_SUBMISSION_ID
    assert job.assignment.canvas_assignment_id == 42
    assert processor.course.assignments.count() == 1
