"""An instructor's override of a reported attempt re-sends the Asset Report with the
corrected result."""

import pytest

from analytics import services as analytics_services
from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services import corrections
from lti_tool.models import LtiUser
from tests.asset_processor.conftest import run_job
from verification.models import ClaimResult


@pytest.mark.usefixtures("verifier_settings")
def test_an_override_re_sends_the_asset_report_with_the_corrected_result(
    client, processor, notices, canvas
):
    response = notices.post(client, notices.sign(notices.claims([notices.text_entry()])))
    assert response.status_code == 204
    job = SubmissionJob.objects.get()
    run_job(job.pk)
    job.refresh_from_db()
    (before,) = canvas.final_reports()
    claim = ClaimResult.objects.filter(run_id=job.run_id).exclude(label="contradicted").first()
    teacher = LtiUser.objects.create(platform=processor.platform, sub="u-teacher")
    analytics_services.claim_override_set(
        claim=claim,
        course=job.course,
        user=teacher,
        is_model_correct=False,
        label="contradicted",
    )

    corrections.job_correct(job_id=job.pk)

    after = canvas.final_reports()[-1]
    assert len(canvas.final_reports()) == 2
    assert after["timestamp"] > before["timestamp"]  # newer: the platform keeps this one
    assert "contradicted" in after["result"]
    assert after["result"] != before["result"] or after["indicationAlt"] != before["indicationAlt"]
    assert "Your instructor corrected 1 verdict." in after["indicationAlt"]
