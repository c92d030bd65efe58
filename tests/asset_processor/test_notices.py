"""Submission notices in, Asset Reports out: the pipeline's job steps run in this
process against the local Canvas (tests/asset_processor/conftest.py)."""

import pytest

from asset_processor.models import Asset, Notice
from canvas_pipeline.models import SubmissionJob
from lti_tool.claims import Claim
from tests.asset_processor.conftest import ACTIVITY_ID, STUDENT_LTI_ID, run_job
from tests.factories import ESSAY_TEXT, pdf_bytes

State = SubmissionJob.State


def _accepted(client, notices, assets, **kwargs):  # type: ignore[no-untyped-def]
    response = notices.post(client, notices.sign(notices.claims(assets, **kwargs)))
    assert response.status_code == 204, response.content
    return SubmissionJob.objects.get(attempt=kwargs.get("attempt", 1))


@pytest.mark.usefixtures("verifier_settings")
def test_a_text_entry_gets_processing_then_one_processed_report(client, processor, notices, canvas):
    asset = notices.text_entry()
    job = _accepted(client, notices, [asset])
    assert (job.lti_assignment_id, job.lti_user_id, job.source) == (
        ACTIVITY_ID,
        STUDENT_LTI_ID,
        SubmissionJob.Source.NOTICE,
    )
    run_job(job.pk)
    job.refresh_from_db()
    assert job.state == State.DONE, job.error_message
    assert [r["processingProgress"] for r in canvas.reports] == ["Processing", "Processed"]
    processing, processed = canvas.reports
    assert processing["timestamp"] < processed["timestamp"]
    assert processed["assetId"] == asset["asset_id"]
    assert processed["type"] == "smartnotes-factcheck"
    assert len(processed["result"]) <= 16
    assert 0 <= processed["priority"] <= 5
    assert processed["indicationColor"].startswith("#")
    assert "claims against the course materials" in processed["indicationAlt"]
    assert processed["title"] == "Fact check"
    assert processed["visibleToOwner"] is True
    assert processed["timestamp"].endswith("Z")
    assert len(processed["timestamp"]) == 27


@pytest.mark.usefixtures("verifier_settings")
def test_a_pdf_upload_is_downloaded_checked_and_reported(client, processor, notices, canvas):
    asset = notices.asset(pdf_bytes([ESSAY_TEXT]), "application/pdf", filename="essay.pdf")
    job = _accepted(client, notices, [asset])
    run_job(job.pk)
    job.refresh_from_db()
    assert job.state == State.DONE, job.error_message
    assert [r["processingProgress"] for r in canvas.final_reports()] == ["Processed"]
    assert Asset.objects.get().status == Asset.Status.READ
    assert "cell" in job.run.submission_text.lower()


@pytest.mark.usefixtures("verifier_settings")
def test_a_second_attempt_gets_its_own_job_and_report(client, processor, notices, canvas):
    first = _accepted(client, notices, [notices.text_entry()], attempt=1)
    run_job(first.pk)
    second = _accepted(client, notices, [notices.text_entry()], attempt=2)
    run_job(second.pk)
    assert first.pk != second.pk
    finals = canvas.final_reports()
    assert [r["processingProgress"] for r in finals] == ["Processed", "Processed"]
    assert finals[0]["assetId"] != finals[1]["assetId"]


def test_a_checksum_mismatch_is_a_failed_report(client, processor, notices, canvas):
    asset = notices.text_entry()
    asset["sha256_checksum"] = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    job = _accepted(client, notices, [asset])
    run_job(job.pk)
    job.refresh_from_db()
    (report,) = canvas.final_reports()
    assert report["processingProgress"] == "Failed"
    assert report["errorCode"] == "DOWNLOAD_FAILED"
    assert "checksum" in report["comment"]
    assert job.state == State.FAILED
    assert job.error_code == "no_readable_asset"


def test_an_unsupported_type_is_not_processed(client, processor, notices, canvas):
    asset = notices.asset(b"\x89PNG\r\n", "image/png", filename="photo.png")
    job = _accepted(client, notices, [asset])
    run_job(job.pk)
    (report,) = canvas.final_reports()
    assert report["processingProgress"] == "NotProcessed"
    assert report["errorCode"] == "UNSUPPORTED_ASSET_TYPE"
    assert canvas.blobs
    assert all(r["processingProgress"] != "Processed" for r in canvas.reports)


def test_a_stale_report_gets_409_and_is_recorded_not_retried(client, processor, notices, canvas):
    from asset_processor.publishing import reports_processing_post

    job = _accepted(client, notices, [notices.asset(b"x", "image/png")])
    run_job(job.pk)  # Processing, then NotProcessed
    Asset.objects.filter(job=job).update(final_report_at=None, status=Asset.Status.PENDING)
    reports_processing_post(job_id=job.pk)  # a late Processing, stamped at intake
    assert canvas.report_statuses == [200, 200, 409]
    assert canvas.reports[-1]["processingProgress"] == "NotProcessed"
    assert Asset.objects.get().reports.filter(http_status=409).count() == 1


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        ("signature", "signature"),
        ("deployment", "deployment_unknown"),
        ("audience", "registration_unknown"),
        ("expired", "token_expired"),
        ("version", "version"),
    ],
)
def test_a_forged_notice_is_rejected_and_makes_no_job(
    client, processor, notices, forge, reason, other_key_pem
):  # type: ignore[no-untyped-def]
    claims = notices.claims([notices.text_entry()])
    pem = None
    if forge == "signature":
        pem = other_key_pem
    elif forge == "deployment":
        claims[Claim.DEPLOYMENT_ID] = "1:unknown-deployment"
    elif forge == "audience":
        claims["aud"] = "some-other-tool"
    elif forge == "expired":
        claims["exp"] = claims["iat"] - 3600
    elif forge == "version":
        claims[Claim.VERSION] = "1.1"
    response = notices.post(client, notices.sign(claims, private_pem=pem))
    assert response.status_code == 401
    assert response.json() == {"rejected": [reason]}
    assert not SubmissionJob.objects.exists()
    assert not Notice.objects.exists()


def test_a_replayed_notice_is_rejected(client, processor, notices):
    token = notices.sign(notices.claims([notices.text_entry()]))
    assert notices.post(client, token).status_code == 204
    replay = notices.post(client, token)
    assert replay.status_code == 401
    assert replay.json() == {"rejected": ["nonce_replay"]}
    assert SubmissionJob.objects.count() == 1
    assert Notice.objects.count() == 1


def test_a_notice_for_an_assignment_without_smart_notes_is_stored_and_ignored(
    client, lms, canvas, notices
):  # type: ignore[no-untyped-def]
    response = notices.post(client, notices.sign(notices.claims([notices.text_entry()])))
    assert response.status_code == 204
    assert Notice.objects.get().outcome == "ignored:activity_unknown"
    assert not SubmissionJob.objects.exists()


def test_a_course_without_materials_gets_a_failed_report_and_retries_later(
    client, processor, notices, canvas
):  # type: ignore[no-untyped-def]
    from canvas_pipeline.models import CanvasCourse

    CanvasCourse.objects.filter(pk=processor.course_id).update(corpus=None)
    job = _accepted(client, notices, [notices.text_entry()])
    run_job(job.pk)
    job.refresh_from_db()
    (report,) = canvas.final_reports()
    assert (report["processingProgress"], report["errorCode"]) == ("Failed", "NO_COURSE_MATERIALS")
    assert job.error_code == "no_materials"
    assert Asset.objects.get().status == Asset.Status.PENDING


def test_a_failed_verification_is_a_failed_report(client, processor, notices, canvas):
    from canvas_pipeline.services.state import job_fail

    job = _accepted(client, notices, [notices.text_entry()])
    job_fail(job_id=job.pk, code="verify_model_error", message="the model could not load")
    (report,) = canvas.final_reports()
    assert (report["processingProgress"], report["errorCode"]) == ("Failed", "PROCESSING_FAILED")
