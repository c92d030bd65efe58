"""An override of a reported attempt re-sends the Asset Report, on real processes:
the notice handler, the embedded broker and a Celery worker subprocess."""

import pytest

from analytics import services as analytics_services
from canvas_pipeline.models import SubmissionJob
from lti_tool.models import LtiUser
from tests.conftest import wait_until
from verification.models import ClaimResult

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def worker_env(worker_env, nli_model_dir):  # type: ignore[no-untyped-def]
    worker_env["SMARTNOTES_NLI_MODEL"] = str(nli_model_dir)
    worker_env["SMARTNOTES_NLI_DEVICE"] = "cpu"
    return worker_env


def test_an_override_after_reporting_sends_the_corrected_asset_report(
    processor, client, notices, canvas, celery_worker
):  # type: ignore[no-untyped-def]
    assert (
        notices.post(client, notices.sign(notices.claims([notices.text_entry()]))).status_code
        == 204
    )

    def finished() -> SubmissionJob | None:
        job = SubmissionJob.objects.get()
        return job if job.is_finished else None

    job = wait_until(finished, timeout_s=150, what="the job to finish")
    assert job.state == SubmissionJob.State.DONE, job.error_message
    teacher = LtiUser.objects.create(platform=processor.platform, sub="u-teacher")
    claim = ClaimResult.objects.filter(run_id=job.run_id).exclude(label="contradicted").first()
    analytics_services.claim_override_set(
        claim=claim, course=job.course, user=teacher, is_model_correct=False, label="contradicted"
    )

    wait_until(lambda: len(canvas.final_reports()) == 2, timeout_s=60, what="the corrected report")
    corrected = canvas.final_reports()[-1]
    assert "Your instructor corrected 1 verdict." in corrected["indicationAlt"]
    assert "contradicted" in corrected["result"]
