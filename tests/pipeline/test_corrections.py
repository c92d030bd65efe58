"""Instructor overrides reach Canvas: in the comment when the report was held, as one
correction comment when it had been posted; audited and shown as corrections."""

import pytest

from analytics import services as analytics_services
from analytics.models import ClaimOverrideEvent
from canvas_pipeline.models import CommentCorrection, SubmissionJob
from canvas_pipeline.services import corrections, posting
from canvas_pipeline.services.intake import event_intake
from tests.pipeline.conftest import ASSIGNMENT, COURSE, STUDENT
from tests.pipeline.test_jobs import run_job
from verification.models import ClaimResult

pytestmark = [pytest.mark.django_db]
State = SubmissionJob.State


@pytest.fixture
def job(course, text_submission, signed_event, verifier_settings):
    return SubmissionJob.objects.get(pk=event_intake(body=signed_event()).job_id)


@pytest.fixture
def instructor(course):
    from lti_tool.models import LtiUser

    return LtiUser.objects.create(
        platform=course.installation.platform, sub="u-teacher", name="Ada Teacher"
    )


def _override_supported(job: SubmissionJob, instructor, note: str = "") -> ClaimResult:
    claim = ClaimResult.objects.filter(run_id=job.run_id, label="supported").first()
    analytics_services.claim_override_set(
        claim=claim,
        course=job.course,
        user=instructor,
        is_model_correct=False,
        label="contradicted",
        note=note,
    )
    return claim


def test_an_override_in_a_held_report_is_in_the_comment_once_approved(
    job, course, instructor, fake_canvas
):
    course.hold_for_review = True
    course.save()
    assert run_job(job.pk).state == State.HELD
    job.refresh_from_db()
    claim = _override_supported(job, instructor)

    posting.job_approve(job_id=job.pk, user=instructor)
    posting.job_post(job_id=job.pk)

    (comment,) = fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)
    number = claim.claim_index + 1
    assert f"[{number}] CONTRADICTED, corrected by your instructor" in comment["comment"]
    assert "Your instructor corrected 1 verdict." in comment["comment"]
    assert corrections.job_correct(job_id=job.pk) == "none"  # nothing more to tell


def test_an_override_after_posting_sends_exactly_one_correction(job, instructor, fake_canvas):
    assert run_job(job.pk).state == State.DONE
    job.refresh_from_db()
    claim = _override_supported(job, instructor, note="See chapter 2.")

    assert corrections.job_correct(job_id=job.pk) == "posted"
    assert corrections.job_correct(job_id=job.pk) == "none"  # a redelivery posts nothing

    report, correction = fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)
    assert "SUPPORTED" in report["comment"]
    text = correction["comment"]
    assert text.startswith("Smart Notes correction: your instructor changed the verdict of 1")
    assert f'[{claim.claim_index + 1}] now CONTRADICTED (was supported): "{claim.text}"' in text
    assert "Your instructor's note: See chapter 2." in text
    assert len(fake_canvas.recorded("PUT")) == 2


def test_a_correction_that_landed_before_its_worker_died_is_adopted(job, instructor, fake_canvas):
    from django.utils import timezone

    run_job(job.pk)
    job.refresh_from_db()
    _override_supported(job, instructor)
    with pytest.raises(RuntimeError):
        _crash_after_put(fake_canvas, job)
    CommentCorrection.objects.update(claim_expires_at=timezone.now())

    assert corrections.job_correct(job_id=job.pk) == "adopted"
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 2
    assert CommentCorrection.objects.get().state == CommentCorrection.State.POSTED


def _crash_after_put(fake_canvas, job) -> None:
    """Run the correction step, dying after Canvas stored the comment."""
    from unittest import mock

    real = corrections._find
    calls = {"n": 0}

    def find(submission, marker):
        calls["n"] += 1
        if calls["n"] == 2:  # the PUT's answer: the comment is on Canvas now
            raise RuntimeError("worker killed")
        return real(submission, marker)

    with mock.patch.object(corrections, "_find", find):
        corrections.job_correct(job_id=job.pk)


def test_overrides_are_audited_who_when_from_to_and_note(job, instructor):
    run_job(job.pk)
    job.refresh_from_db()
    claim = _override_supported(job, instructor, note="Wrong date.")
    analytics_services.claim_override_clear(claim=claim, user=instructor)

    set_event, cleared = ClaimOverrideEvent.objects.filter(claim=claim)
    assert (set_event.action, set_event.from_label, set_event.to_label) == (
        "set",
        "supported",
        "contradicted",
    )
    assert (set_event.note, set_event.created_by) == ("Wrong date.", instructor)
    assert set_event.created_at is not None
    assert (cleared.action, cleared.from_label, cleared.to_label) == (
        "cleared",
        "contradicted",
        "supported",
    )


def test_an_override_of_a_posted_report_enqueues_the_correction(
    job, instructor, django_capture_on_commit_callbacks
):
    run_job(job.pk)
    job.refresh_from_db()

    with django_capture_on_commit_callbacks() as callbacks:
        _override_supported(job, instructor)

    assert any("job_enqueue" in c.__qualname__ for c in callbacks)


def test_a_comment_posted_before_verdicts_were_recorded_is_corrected_against_the_model(
    job, instructor, fake_canvas
):
    from canvas_pipeline.models import CommentPosting

    run_job(job.pk)
    job.refresh_from_db()
    CommentPosting.objects.update(verdicts={})  # a row from before the snapshot existed
    _override_supported(job, instructor)

    assert corrections.job_correct(job_id=job.pk) == "posted"
    _report, correction = fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)
    assert "changed the verdict of 1 claim." in correction["comment"]
