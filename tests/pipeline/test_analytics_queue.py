"""Low priority, off the submission path: a verified report's verdict counts are
made by the analytics task, queued once the report is on its way to Canvas."""

import pytest

from analytics import tasks as analytics_tasks
from analytics.models import RunVerdictCounts
from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services import jobs
from canvas_pipeline.services.intake import event_intake

pytestmark = [pytest.mark.django_db]


def test_a_verified_report_queues_its_verdict_counts_for_the_analytics_worker(
    course, text_submission, signed_event, verifier_settings, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    job_id = event_intake(body=signed_event()).job_id
    jobs.job_process(job_id=job_id)
    sent: list[tuple[int, ...]] = []
    monkeypatch.setattr(jobs, "job_enqueue", lambda *args, **kwargs: None)  # no posting here
    monkeypatch.setattr(analytics_tasks.run_counts_sync, "delay", lambda *a: sent.append(a))

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.job_verify(job_id=job_id) == "done"

    assert sent == [(course.pk,)]
    run_id = SubmissionJob.objects.get(pk=job_id).run_id
    assert not RunVerdictCounts.objects.filter(run_id=run_id).exists()
    assert analytics_tasks.run_counts_sync(*sent[0]) == 1  # what the analytics worker runs
    counts = RunVerdictCounts.objects.get(run_id=run_id)
    assert counts.total > 0
