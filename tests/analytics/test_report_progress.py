"""The instructor report of a submission still being checked: progress and the claims
decided so far through the shared mechanism, under the one access rule, then the report."""

from urllib.parse import urlencode

import pytest

from canvas_pipeline.models import SubmissionJob
from lti_tool.sessions import TOKEN_PARAM
from verification.models import VerificationRun

pytestmark = pytest.mark.django_db
State = SubmissionJob.State


@pytest.fixture
def running_job(course_a):
    """A job whose run is half-way: its report not written yet, three claims stored."""
    job = SubmissionJob.objects.filter(
        course=course_a.course, state=State.DONE, run__isnull=False
    ).first()
    run = job.run
    report = run.report
    run.claims.filter(claim_index__gte=3).delete()
    VerificationRun.objects.filter(pk=run.pk).update(
        status=VerificationRun.Status.RUNNING, report=None, progress=0.5, stage="scoring"
    )
    SubmissionJob.objects.filter(pk=job.pk).update(state=State.VERIFYING)
    job.refresh_from_db()
    job.saved_report = report
    return job


def _urls(job):
    page = f"/course/submissions/{job.public_id}/"
    return page, page + "progress.json"


def test_the_instructor_sees_progress_and_the_claims_so_far(course_a, as_user, running_job):
    client = as_user(course_a, course_a.instructor, "instructor")
    page_url, progress_url = _urls(running_job)

    page = client.get(page_url).content.decode()
    snapshot = client.get(progress_url).json()

    assert 'role="progressbar"' in page
    # The poll URL carries the launch token: no cookie reaches the Canvas iframe.
    assert f"progress.json?{urlencode({TOKEN_PARAM: client.token})}" in page
    assert (snapshot["state"], snapshot["progress"], snapshot["checked"]) == ("running", 0.5, 3)
    assert snapshot["stage"] == "Checking claims against the evidence"
    for claim in running_job.run.claims.all():
        assert claim.text in page
    # Overrides wait for the finished report.
    assert 'form class="override"' not in page


def test_the_finished_report_follows_once_the_run_is_done(course_a, as_user, running_job):
    client = as_user(course_a, course_a.instructor, "instructor")
    page_url, progress_url = _urls(running_job)
    VerificationRun.objects.filter(pk=running_job.run_id).update(
        status=VerificationRun.Status.DONE, report=running_job.saved_report, progress=1.0
    )

    snapshot = client.get(progress_url).json()
    page = client.get(page_url).content.decode()

    assert (snapshot["state"], snapshot["checked"], snapshot["total"]) == ("done", 3, 3)
    assert "data-progress-url" not in page
    assert 'class="override"' in page


@pytest.mark.parametrize(("who", "status"), [("learner", 403), ("other_course", 404)])
def test_progress_follows_the_report_access_rule(
    course_a, course_b, as_user, running_job, who, status
):
    if who == "learner":
        owner = next(u for u in course_a.learners if u.canvas_user_id == running_job.canvas_user_id)
        client = as_user(course_a, owner, "learner")
    else:
        client = as_user(course_b, course_b.instructor, "instructor")

    assert client.get(_urls(running_job)[1]).status_code == status
