"""A fetch that runs into its soft time limit fails its job with the reason (the
worker lives on); a long fetch renews its lease, and one whose lease was taken
over writes nothing."""

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services import jobs
from canvas_pipeline.services.intake import event_intake
from verification.models import VerificationRun

pytestmark = [pytest.mark.django_db]
State = SubmissionJob.State


@pytest.fixture
def job_id(course, text_submission, signed_event):
    return event_intake(body=signed_event()).job_id


def test_the_soft_time_limit_fails_the_job_with_its_reason(job_id, monkeypatch):
    def slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(jobs, "_attempt_text", slow)

    assert jobs.job_process(job_id=job_id) is True

    job = SubmissionJob.objects.get(pk=job_id)
    assert (job.state, job.error_code) == (State.FAILED, "fetch_time_limit")
    assert job.lease_expires_at is None


def test_a_fetch_renews_its_lease_and_keeps_the_job(job_id, monkeypatch):
    seen = []
    original = jobs.JobLease.renew

    def renew(self):  # type: ignore[no-untyped-def]
        before = self.expires_at
        original(self)
        seen.append(self.expires_at > before)

    monkeypatch.setattr(jobs.JobLease, "renew", renew)

    jobs.job_process(job_id=job_id)

    assert seen
    assert all(seen)
    assert SubmissionJob.objects.get(pk=job_id).state == State.QUEUED


def test_a_fetch_whose_lease_was_taken_over_writes_nothing(job_id, monkeypatch):
    original = jobs.JobLease.renew

    def taken_over(self):  # type: ignore[no-untyped-def]
        SubmissionJob.objects.filter(pk=self.job_id).update(
            lease_expires_at=timezone.now() + timedelta(minutes=5)
        )
        original(self)

    monkeypatch.setattr(jobs.JobLease, "renew", taken_over)

    assert jobs.job_process(job_id=job_id) is False
    assert SubmissionJob.objects.get(pk=job_id).run is None
    assert not VerificationRun.objects.exists()


def test_a_run_past_its_soft_time_limit_is_failed_not_left_running(course, monkeypatch):
    from tests.factories import RunFactory
    from verification import services

    run = RunFactory(corpus=course.corpus)

    def slow(**kwargs):  # type: ignore[no-untyped-def]
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "corpus_index_get", slow)

    services.run_execute(run_id=run.id)

    run.refresh_from_db()
    assert (run.status, run.error_code) == (VerificationRun.Status.FAILED, "time_limit")
    assert run.lease_expires_at is None
