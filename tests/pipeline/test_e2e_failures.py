"""A task that raises an unexpected exception on a real worker ends `failed` after its
retries, with the reason on the instructor's page and a Retry that works."""

from __future__ import annotations

import hashlib

import pytest

from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services.intake import event_intake
from tests.conftest import wait_until
from tests.pipeline.conftest import ASSIGNMENT, COURSE, STUDENT
from tests.pipeline.test_instructor import INSTRUCTOR, launch_token
from verification.models import Corpus, VerificationRun
from verification.services import MAX_RUN_ATTEMPTS

pytestmark = [pytest.mark.e2e]
State = SubmissionJob.State


@pytest.fixture
def worker_env(worker_env, nli_model_dir):
    worker_env["SMARTNOTES_NLI_MODEL"] = str(nli_model_dir)
    worker_env["SMARTNOTES_NLI_DEVICE"] = "cpu"
    return worker_env


def _corrupt_stored_index(corpus: Corpus) -> None:
    """A stored index whose bytes no longer read (numpy raises zipfile.BadZipFile)."""
    shas = "".join(corpus.materials.order_by("id").values_list("sha256", flat=True))
    Corpus.objects.filter(pk=corpus.pk).update(
        version=hashlib.sha256(shas.encode()).hexdigest(), index_blob=b"PK\x03\x04broken"
    )


def _job_in(job_id: int, state: str) -> SubmissionJob | None:
    job = SubmissionJob.objects.select_related("run").get(pk=job_id)
    return job if job.state == state else None


def test_an_unexpected_error_fails_the_job_after_its_retries_and_retry_works(
    client, course, text_submission, signed_event, fake_canvas, celery_worker
):
    _corrupt_stored_index(course.corpus)
    job_id = event_intake(body=signed_event()).job_id

    failed = wait_until(
        lambda: _job_in(job_id, State.FAILED), timeout_s=150, what="the job to fail"
    )

    assert failed.error_code == "verify_internal_error"
    assert "unexpected error" in failed.error_message
    assert "BadZipFile" in failed.error_message
    assert failed.run.status == VerificationRun.Status.FAILED  # not left running
    assert failed.run.attempts == MAX_RUN_ATTEMPTS
    token, _ = launch_token(course, [INSTRUCTOR])
    page = client.get("/course/", HTTP_X_LTI_SESSION=token).content.decode()
    assert "BadZipFile" in page
    assert f"/course/submissions/{failed.public_id}/retry/" in page

    Corpus.objects.filter(pk=course.corpus_id).update(index_blob=None)  # the cause, fixed
    response = client.post(
        f"/course/submissions/{failed.public_id}/retry/", HTTP_X_LTI_SESSION=token
    )
    assert response.status_code == 302

    done = wait_until(lambda: _job_in(job_id, State.DONE), timeout_s=150, what="the retry")
    assert done.error_message == ""
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1
