"""Failures recorded at the task boundary, capped, and shown to the instructor with a
Retry that works."""

import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from canvas_pipeline import tasks
from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services import jobs, maintenance, posting
from canvas_pipeline.services.intake import event_intake
from canvas_pipeline.services.state import MAX_JOB_ATTEMPTS
from tests.pipeline.conftest import ASSIGNMENT, COURSE, STUDENT
from tests.pipeline.test_instructor import INSTRUCTOR, launch_token
from verification import services as verification_services
from verification.models import VerificationRun

pytestmark = [pytest.mark.django_db]
State = SubmissionJob.State


@pytest.fixture
def job(course, text_submission, signed_event, verifier_settings):
    job_id = event_intake(body=signed_event()).job_id
    jobs.job_process(job_id=job_id)
    return SubmissionJob.objects.get(pk=job_id)


def _broken_materials(*args, **kwargs):
    raise zipfile.BadZipFile("File is not a zip file")


def test_an_unexpected_exception_fails_the_job_and_its_run_after_its_retries(job, monkeypatch):
    monkeypatch.setattr(verification_services, "corpus_index_get", _broken_materials)

    tasks.job_verify.apply(args=(job.pk,))  # eager: the task's retries run here too

    failed = SubmissionJob.objects.select_related("run").get(pk=job.pk)
    assert failed.run.attempts == verification_services.MAX_RUN_ATTEMPTS
    assert failed.state == State.FAILED
    assert failed.error_code == "verify_internal_error"
    assert "unexpected error" in failed.error_message
    assert "BadZipFile: File is not a zip file" in failed.error_message
    assert failed.run.status == VerificationRun.Status.FAILED  # never left running
    assert failed.run.error_message == failed.error_message


def test_the_instructor_sees_the_reason_and_retry_finishes_the_job(
    client, job, monkeypatch, fake_canvas, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(verification_services, "corpus_index_get", _broken_materials)
    tasks.job_verify.apply(args=(job.pk,))
    monkeypatch.undo()
    token, _ = launch_token(job.course, [INSTRUCTOR])

    page = client.get("/course/", HTTP_X_LTI_SESSION=token).content.decode()
    (status,) = client.get("/canvas/jobs/", HTTP_X_LTI_SESSION=token).json()["jobs"]
    assert "BadZipFile" in page
    assert "Retry" in page
    assert status["can_retry"]
    assert "unexpected error" in status["error_message"]

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/canvas/jobs/{job.public_id}/retry/", HTTP_X_LTI_SESSION=token)
    assert response.status_code == 200
    jobs.job_process(job_id=job.pk)
    jobs.job_verify(job_id=job.pk)
    posting.job_post(job_id=job.pk)
    assert SubmissionJob.objects.get(pk=job.pk).state == State.DONE
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1


def test_an_error_that_goes_away_is_retried_and_the_job_finishes(job, monkeypatch, fake_canvas):
    real = verification_services.corpus_index_get
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise zipfile.BadZipFile("File is not a zip file")
        return real(**kwargs)

    monkeypatch.setattr(verification_services, "corpus_index_get", flaky)

    tasks.job_verify.apply(args=(job.pk,))

    verified = SubmissionJob.objects.select_related("run").get(pk=job.pk)
    assert verified.state == State.POSTING
    assert (verified.run.status, verified.run.attempts, verified.run.error_message) == (
        VerificationRun.Status.DONE,
        2,
        "",
    )


def test_an_unexpected_error_in_the_fetch_is_retried_then_recorded(
    course, text_submission, signed_event, monkeypatch
):
    job_id = event_intake(body=signed_event()).job_id
    monkeypatch.setattr(jobs, "_attempt_text", _broken_materials)

    tasks.job_process.apply(args=(job_id,))

    failed = SubmissionJob.objects.get(pk=job_id)
    assert (failed.state, failed.error_code, failed.attempts) == (
        State.FAILED,
        "internal_error",
        MAX_JOB_ATTEMPTS,
    )
    assert "BadZipFile" in failed.error_message


def test_a_demo_run_that_raises_ends_failed_not_running(db, monkeypatch):
    from verification.tasks import run_execute

    corpus = verification_services.corpus_create(
        name="c",
        files=[verification_services.UploadedMaterial("m.txt", b"Plants need light.")],
    )
    run = verification_services.run_create(
        corpus=corpus, text="Plants need light.", source="demo", enqueue=False
    )
    monkeypatch.setattr(verification_services, "corpus_index_get", _broken_materials)

    run_execute.apply(args=(run.pk,))

    run.refresh_from_db()
    assert run.status == VerificationRun.Status.FAILED
    assert run.attempts == verification_services.MAX_RUN_ATTEMPTS
    assert run.error_code == "internal_error"
    assert "BadZipFile" in run.error_message


def _worker_died(run: VerificationRun, attempts: int) -> None:
    VerificationRun.objects.filter(pk=run.pk).update(
        status=VerificationRun.Status.RUNNING,
        attempts=attempts,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )


def test_a_run_whose_worker_keeps_dying_is_failed_after_the_cap_and_not_resent(job):
    SubmissionJob.objects.filter(pk=job.pk).update(
        state=State.VERIFYING, state_changed_at=timezone.now() - timedelta(hours=1)
    )
    _worker_died(job.run, verification_services.MAX_RUN_ATTEMPTS)

    maintenance.jobs_requeue_stale()  # fails the run; its job's verify step is sent once
    jobs.job_verify(job_id=job.pk)

    failed = SubmissionJob.objects.select_related("run").get(pk=job.pk)
    assert failed.run.status == VerificationRun.Status.FAILED
    assert failed.run.error_code == "attempts_exhausted"
    assert (failed.state, failed.error_code) == (State.FAILED, "verify_attempts_exhausted")
    assert "gave up after 3 attempts" in failed.error_message
    assert maintenance.jobs_requeue_stale() == 0
    assert verification_services.runs_requeue_stale() == 0


def test_a_run_with_attempts_left_is_resent(job):
    SubmissionJob.objects.filter(pk=job.pk).update(state=State.VERIFYING)
    _worker_died(job.run, verification_services.MAX_RUN_ATTEMPTS - 1)

    assert maintenance.jobs_requeue_stale() == 1
    assert VerificationRun.objects.get(pk=job.run_id).status == VerificationRun.Status.RUNNING


def test_a_fetch_whose_worker_keeps_dying_is_failed_after_the_cap(
    course, text_submission, signed_event
):
    job_id = event_intake(body=signed_event()).job_id
    SubmissionJob.objects.filter(pk=job_id).update(
        state=State.FETCHING,
        attempts=MAX_JOB_ATTEMPTS,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )

    assert maintenance.jobs_requeue_stale() == 0
    assert jobs.job_process(job_id=job_id) is False

    failed = SubmissionJob.objects.get(pk=job_id)
    assert (failed.state, failed.error_code) == (State.FAILED, "attempts_exhausted")


def test_a_post_that_keeps_stopping_is_failed_after_the_cap_and_retry_posts_it(job, fake_canvas):
    from canvas_pipeline.services.state import POSTING_MAX_S

    jobs.job_verify(job_id=job.pk)
    long_ago = timezone.now() - timedelta(seconds=POSTING_MAX_S + 60)
    SubmissionJob.objects.filter(pk=job.pk).update(
        posting_started_at=long_ago, state_changed_at=long_ago
    )

    assert maintenance.jobs_requeue_stale() == 0  # failed, not sent again

    failed = SubmissionJob.objects.get(pk=job.pk)
    assert (failed.state, failed.error_code) == (State.FAILED, "posting_stuck")
    posting.job_retry(job_id=job.pk)
    posting.job_post(job_id=job.pk)
    assert SubmissionJob.objects.get(pk=job.pk).state == State.DONE
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1
