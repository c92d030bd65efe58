"""The job of one attempt against the local Canvas: fetch, verify, one comment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from canvas_pipeline.canvas import CanvasTransientError
from canvas_pipeline.models import CanvasToken, CommentPosting, SubmissionJob
from canvas_pipeline.services import jobs, maintenance, posting
from canvas_pipeline.services.access import token_store
from canvas_pipeline.services.intake import event_intake
from tests.factories import ESSAY_TEXT, docx_bytes, pdf_bytes
from tests.pipeline.conftest import ASSIGNMENT, COURSE, STUDENT, SUBMISSION
from tests.pipeline.fake_canvas import Fault
from verification.engine import REPORT_MARKER

pytestmark = [pytest.mark.django_db]
State = SubmissionJob.State


@pytest.fixture
def job(course, text_submission, signed_event, verifier_settings):
    result = event_intake(body=signed_event())
    return SubmissionJob.objects.get(pk=result.job_id)


def report_target(comment: str) -> str:
    """The tool URL the comment's Full report link asks Canvas to launch."""
    from urllib.parse import parse_qs, urlsplit

    link = next(line for line in comment.splitlines() if line.startswith("Full report: "))
    parts = urlsplit(link.removeprefix("Full report: "))
    assert parts.path == f"/courses/{COURSE}/external_tools/retrieve"
    return parse_qs(parts.query)["url"][0]


def run_job(job_id: int) -> SubmissionJob:
    jobs.job_process(job_id=job_id)
    if SubmissionJob.objects.get(pk=job_id).state == State.QUEUED:
        jobs.job_verify(job_id=job_id)
    if SubmissionJob.objects.get(pk=job_id).state == State.POSTING:
        posting.job_post(job_id=job_id)
    return SubmissionJob.objects.get(pk=job_id)


def test_a_text_entry_attempt_gets_exactly_one_comment_on_that_attempt(job, fake_canvas):
    done = run_job(job.pk)

    assert done.state == State.DONE, done.error_message
    assert done.run.submission_text.startswith("Photosynthesis turns light energy")
    (comment,) = fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)
    assert comment["attempt"] == 1
    assert comment["comment"].startswith("Smart Notes checked")
    assert REPORT_MARKER in comment["comment"]
    assert report_target(comment["comment"]).endswith(f"/canvas/reports/{done.public_id}/")
    (put,) = fake_canvas.recorded("PUT")
    assert put.form["comment[attempt]"] == ["1"]
    assert put.headers["User-Agent"].startswith("SmartNotes/")
    get = fake_canvas.recorded("GET", "/submissions/")[0]
    assert get.query["include[]"] == ["submission_history", "submission_comments"]
    record = CommentPosting.objects.get(job=done)
    assert (record.state, record.canvas_comment_id) == ("posted", comment["id"])
    assert [done.fetch_started_at, done.queued_at, done.verify_started_at, done.finished_at]


def test_running_every_step_again_posts_nothing_more(job, fake_canvas):
    run_job(job.pk)

    assert jobs.job_process(job_id=job.pk) is False
    assert jobs.job_verify(job_id=job.pk) == "skip"
    assert posting.job_post(job_id=job.pk) is False
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1


def test_a_comment_already_on_canvas_is_adopted_not_posted_again(job, fake_canvas):
    """A worker that died after the PUT but before recording it left a comment behind."""
    jobs.job_process(job_id=job.pk)
    jobs.job_verify(job_id=job.pk)
    text, _, _ = posting.comment_text(SubmissionJob.objects.get(pk=job.pk))
    fake_canvas.submissions[(COURSE, ASSIGNMENT, STUDENT)]["submission_comments"].append(
        {"id": 77, "comment": text, "attempt": 1}
    )

    posting.job_post(job_id=job.pk)

    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1
    assert fake_canvas.recorded("PUT") == []
    record = CommentPosting.objects.get(job_id=job.pk)
    assert (record.found_existing, record.canvas_comment_id) == (True, 77)


def test_a_live_claim_keeps_a_second_poster_out(job, fake_canvas):
    jobs.job_process(job_id=job.pk)
    jobs.job_verify(job_id=job.pk)
    current = SubmissionJob.objects.get(pk=job.pk)
    CommentPosting.objects.create(
        job=current,
        installation_id=current.installation_id,
        canvas_submission_id=SUBMISSION,
        attempt=1,
        claim_expires_at=timezone.now() + timedelta(seconds=60),
        text="x",
        marker="m",
    )

    assert posting.comment_post(job_id=job.pk) is False
    assert fake_canvas.recorded("PUT") == []


@pytest.mark.parametrize(
    "fault",
    [
        Fault(403, "403 Forbidden (Rate Limit Exceeded)", {"X-Rate-Limit-Remaining": "0"}),
        Fault(429, "", {"Retry-After": "3"}),
        Fault(500),
        Fault(0, delay_s=1.5),
    ],
    ids=["403-rate-limit", "429", "500", "slow"],
)
def test_throttling_and_outages_are_retried_then_succeed(job, fake_canvas, settings, fault):
    settings.CANVAS_HTTP_TIMEOUT_S = 0.5
    fake_canvas.inject(Fault(**{**fault.__dict__, "method": "GET"}))

    with pytest.raises(CanvasTransientError):
        jobs.job_process(job_id=job.pk)
    assert SubmissionJob.objects.get(pk=job.pk).state == State.RECEIVED

    assert run_job(job.pk).state == State.DONE
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1


def test_a_put_that_timed_out_after_landing_is_not_repeated(job, fake_canvas, settings):
    settings.CANVAS_HTTP_TIMEOUT_S = 0.5
    jobs.job_process(job_id=job.pk)
    jobs.job_verify(job_id=job.pk)
    fake_canvas.put_delay_s = 1.0

    with pytest.raises(CanvasTransientError):
        posting.job_post(job_id=job.pk)
    fake_canvas.put_delay_s = 0.0
    posting.job_post(job_id=job.pk)

    assert SubmissionJob.objects.get(pk=job.pk).state == State.DONE
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1
    assert CommentPosting.objects.get(job_id=job.pk).found_existing is True


def test_a_missing_submission_fails_the_job_with_the_reason(job, fake_canvas):
    fake_canvas.submissions.clear()

    done = run_job(job.pk)

    assert done.state == State.FAILED
    assert done.error_code == "not_found"
    assert "Canvas has no submission" in done.error_message


def test_a_failed_job_can_be_retried(job, fake_canvas):
    saved = dict(fake_canvas.submissions)
    fake_canvas.submissions.clear()
    run_job(job.pk)
    fake_canvas.submissions.update(saved)

    posting.job_retry(job_id=job.pk)

    assert run_job(job.pk).state == State.DONE
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1


def test_hold_for_review_posts_only_after_approval(job, fake_canvas, course):
    course.hold_for_review = True
    course.save()

    assert run_job(job.pk).state == State.HELD
    assert fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT) == []

    posting.job_approve(job_id=job.pk, user=None)
    posting.job_post(job_id=job.pk)

    assert SubmissionJob.objects.get(pk=job.pk).state == State.DONE
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1


def test_min_confidence_leaves_low_confidence_claims_out_of_the_comment(job, fake_canvas, course):
    course.min_confidence = 1.0
    course.save()

    run_job(job.pk)

    (comment,) = fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)
    assert "Most important first" not in comment["comment"]  # no claim is listed
    assert "4 claims below this course's minimum confidence (100%)" in comment["comment"]


def test_uploaded_files_are_downloaded_through_the_redirect_and_read(
    fake_canvas, course, signed_event, verifier_settings
):
    half = len(ESSAY_TEXT) // 2
    attachments = [
        fake_canvas.add_file(1, "essay.pdf", pdf_bytes([ESSAY_TEXT[:half]]), "application/pdf"),
        fake_canvas.add_file(
            2,
            "more.docx",
            docx_bytes("Essay", [ESSAY_TEXT[half:]]),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        fake_canvas.add_file(3, "slides.pptx", b"PK\x03\x04", "application/vnd.ms-powerpoint"),
    ]
    fake_canvas.add_submission(
        course_id=COURSE,
        assignment_id=ASSIGNMENT,
        user_id=STUDENT,
        submission_id=SUBMISSION,
        attempts=[{"submission_type": "online_upload", "attachments": attachments}],
    )
    job_id = event_intake(body=signed_event(submission_type="online_upload")).job_id

    done = run_job(job_id)

    assert done.state == State.DONE, done.error_message
    assert "Photosynthesis turns light" in done.run.submission_text
    assert "Jan Ingenhousz" in done.run.submission_text
    assert len(fake_canvas.recorded("GET", "/storage/")) == 2
    (comment,) = fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)
    assert "slides.pptx was not checked" in comment["comment"]


def test_an_oauth_token_is_refreshed_before_it_expires(job, fake_canvas, course):
    installation = course.installation
    installation.oauth_client_id = "dev-key"
    installation.save()
    fake_canvas.refresh_tokens["refresh-9"] = "9"
    token = token_store(
        installation=installation,
        lti_user_id=None,
        data={"access_token": "stale", "refresh_token": "refresh-9", "expires_in": 60},
    )
    course.canvas_token = token
    course.save()

    assert run_job(job.pk).state == State.DONE
    assert len(fake_canvas.recorded("POST", "/login/oauth2/token")) == 1
    token.refresh_from_db()
    assert token.expires_at > timezone.now() + timedelta(minutes=50)
    assert "stale" not in token.access_token_encrypted  # encrypted at rest


def test_a_refused_refresh_asks_the_instructor_to_reconnect(job, fake_canvas, course):
    from canvas_pipeline.selectors import course_needs_reconnect

    installation = course.installation
    installation.oauth_client_id = "dev-key"
    installation.save()
    token = token_store(
        installation=installation,
        lti_user_id=None,
        data={"access_token": "revoked", "refresh_token": "unknown", "expires_in": 3600},
    )
    course.canvas_token = token
    course.save()

    done = run_job(job.pk)

    assert (done.state, done.error_code) == (State.FAILED, "canvas_reconnect")
    assert CanvasToken.objects.get(pk=token.pk).state == CanvasToken.State.NEEDS_RECONNECT
    assert course_needs_reconnect(course)


def test_the_per_installation_limit_refuses_a_call_when_every_slot_is_taken(job, installation):
    from canvas_pipeline.models import ApiSlot
    from canvas_pipeline.services.access import api_slot

    installation.max_concurrent_requests = 1
    installation.save()
    with (
        api_slot(installation_id=installation.pk),
        pytest.raises(CanvasTransientError, match="slots"),
    ):
        jobs.job_process(job_id=job.pk)
    assert ApiSlot.objects.get().holder == ""


def test_the_sweeper_resends_jobs_whose_message_was_lost(job):
    assert maintenance.jobs_requeue_stale(received_older_than_s=3600) == 0
    assert maintenance.jobs_requeue_stale(received_older_than_s=0) == 1


def test_reconciliation_creates_a_job_for_an_attempt_that_never_arrived(
    course, text_submission, fake_canvas
):
    submission = fake_canvas.submissions[(COURSE, ASSIGNMENT, STUDENT)]
    recent = timezone.now().isoformat()
    for version in submission["submission_history"]:
        version["submitted_at"] = recent

    assert maintenance.reconcile() == 1
    assert maintenance.reconcile() == 0
    job = SubmissionJob.objects.get()
    assert (job.source, job.attempt, job.canvas_user_id) == ("reconciliation", 1, str(STUDENT))
    assert job.assignment.canvas_assignment_id == ASSIGNMENT  # discovered through the API


def _submitted_recently(fake_canvas) -> None:
    submission = fake_canvas.submissions[(COURSE, ASSIGNMENT, STUDENT)]
    for version in submission["submission_history"]:
        version["submitted_at"] = timezone.now().isoformat()


def test_reconciliation_gives_the_job_the_attempts_lti_ids(course, text_submission, fake_canvas):
    """The assignment's LTI id from the assignments API and the student's launch `sub`
    make the key Asset Processor notices use (0006)."""
    from lti_tool.models import LtiUser

    fake_canvas.assignment_lti_ids[ASSIGNMENT] = "a9a3c2d1-lti-assignment"
    LtiUser.objects.create(
        platform=course.installation.platform, sub="student-sub", canvas_user_id=str(STUDENT)
    )
    _submitted_recently(fake_canvas)

    assert maintenance.reconcile() == 1
    job = SubmissionJob.objects.get()
    assert (job.lti_assignment_id, job.lti_user_id) == ("a9a3c2d1-lti-assignment", "student-sub")
    assert job.assignment.lti_assignment_id == "a9a3c2d1-lti-assignment"


def test_reconciliation_without_the_students_lti_id_leaves_the_key_empty(
    course, text_submission, fake_canvas
):
    fake_canvas.assignment_lti_ids[ASSIGNMENT] = "a9a3c2d1-lti-assignment"
    _submitted_recently(fake_canvas)

    assert maintenance.reconcile() == 1
    job = SubmissionJob.objects.get()
    assert (job.lti_assignment_id, job.lti_user_id) == ("", "")
