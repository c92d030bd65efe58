"""The Asset Processor's LTI messages, signed by the platform library: each new
message type is accepted when valid and refused when forged or incomplete, and
opens its page."""

import dataclasses

import pytest

from asset_processor.models import AssetProcessor
from lti_tool.claims import Claim, MessageType
from tests.asset_processor.conftest import (
    ACTIVITY_ID,
    SUBMISSION_UUID,
    ap_claims,
    launch,
    oidc_login,
    run_job,
    token_from,
)


def _claims(canvas, message_type: str, for_user: str = "u-learner") -> dict:  # type: ignore[no-untyped-def]
    if message_type == "attach":
        return ap_claims(canvas)
    claims = {Claim.MESSAGE_TYPE: message_type, Claim.ACTIVITY: {"id": ACTIVITY_ID}}
    if message_type == MessageType.REPORT_REVIEW:
        claims |= {
            Claim.SUBMISSION: {"id": f"{SUBMISSION_UUID}:1"},
            Claim.FOR_USER: {"user_id": for_user},
            Claim.ASSET: {"id": "asset-1"},
            Claim.ASSET_REPORT_TYPE: "smartnotes-factcheck",
        }
    if message_type == MessageType.EULA:
        claims[Claim.EULA_SERVICE] = {"url": canvas.url + "/eula", "scope": []}
    return claims


OPENS = {
    "attach": "/asset-processor/attach/",
    MessageType.REPORT_REVIEW: "/asset-processor/report/",
    MessageType.ASSET_PROCESSOR_SETTINGS: "/asset-processor/settings/",
}
REQUIRED = {
    "attach": Claim.ACTIVITY,
    MessageType.REPORT_REVIEW: Claim.FOR_USER,
    MessageType.ASSET_PROCESSOR_SETTINGS: Claim.ACTIVITY,
    MessageType.EULA: Claim.EULA_SERVICE,
}
TYPES = [
    "attach",
    MessageType.REPORT_REVIEW,
    MessageType.ASSET_PROCESSOR_SETTINGS,
    MessageType.EULA,
]


@pytest.mark.parametrize("message_type", TYPES)
def test_a_valid_message_opens_its_page(client, lms, canvas, message_type):  # type: ignore[no-untyped-def]
    response = launch(client, lms, "instructor", _claims(canvas, message_type))
    if message_type == MessageType.EULA:
        assert response.status_code == 200
        assert b"terms of use" in response.content
    else:
        assert response.status_code == 302, response.content[:300]
        assert response["Location"].startswith(OPENS[message_type])


@pytest.mark.parametrize("message_type", TYPES)
def test_a_message_signed_with_another_key_is_refused(
    client, lms, canvas, message_type, other_key_pem
):  # type: ignore[no-untyped-def]
    forger = dataclasses.replace(lms, private_pem=other_key_pem)
    response = launch(client, forger, "instructor", _claims(canvas, message_type))
    assert response.status_code == 400
    assert b"kid_unknown" in response.content or b"signature" in response.content


@pytest.mark.parametrize("message_type", TYPES)
def test_a_message_without_its_required_claim_is_refused(client, lms, canvas, message_type):  # type: ignore[no-untyped-def]
    claims = _claims(canvas, message_type)
    claims[REQUIRED[message_type]] = {}
    response = launch(client, lms, "instructor", claims)
    assert response.status_code == 400
    assert b"message" in response.content


def test_a_resource_link_deep_link_still_opens_the_link_picker(client, lms):  # type: ignore[no-untyped-def]
    params = oidc_login(client, lms)
    data = lms.id_token(params, "instructor", deep_linking=True)
    response = client.post("/lti/launch/", {k: data[k] for k in ("id_token", "state")})
    assert response.status_code == 302
    assert response["Location"].startswith("/lti/deep-link/")


def _learner_attempt(client, notices):  # type: ignore[no-untyped-def]
    claims = notices.claims([notices.text_entry()])
    claims[Claim.FOR_USER] = {"user_id": "u-learner"}
    assert notices.post(client, notices.sign(claims)).status_code == 204
    from canvas_pipeline.models import SubmissionJob

    job = SubmissionJob.objects.get()
    run_job(job.pk)
    return job


@pytest.mark.usefixtures("verifier_settings")
def test_the_report_review_shows_claims_and_the_student_sees_it_once_released(
    client, processor, notices, canvas
):  # type: ignore[no-untyped-def]
    AssetProcessor.objects.filter(pk=processor.pk).update(release_policy="after_review")
    _learner_attempt(client, notices)
    assert canvas.final_reports()[-1]["visibleToOwner"] is False

    review = launch(client, notices.lms, "learner", _claims(canvas, MessageType.REPORT_REVIEW))
    assert client.get(review["Location"]).status_code == 404

    review = launch(client, notices.lms, "instructor", _claims(canvas, MessageType.REPORT_REVIEW))
    page = client.get(review["Location"])
    assert page.status_code == 200
    assert b"Release this report" in page.content
    assert b"claims checked against the course materials" in page.content
    released = client.post(
        "/asset-processor/report/", {"lti_session": token_from(review["Location"])}
    )
    assert released.status_code == 200

    from asset_processor.publishing import reports_final_post
    from canvas_pipeline.models import SubmissionJob

    reports_final_post(job_id=SubmissionJob.objects.get().pk)  # what the enqueued task runs
    latest = canvas.final_reports()[-1]
    assert latest["visibleToOwner"] is True
    assert latest["timestamp"] > canvas.final_reports()[-2]["timestamp"]
    review = launch(client, notices.lms, "learner", _claims(canvas, MessageType.REPORT_REVIEW))
    assert client.get(review["Location"]).status_code == 200


def test_settings_page_changes_the_processor(client, processor, lms, canvas):  # type: ignore[no-untyped-def]
    response = launch(
        client, lms, "instructor", _claims(canvas, MessageType.ASSET_PROCESSOR_SETTINGS)
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    saved = client.post(
        "/asset-processor/settings/",
        {
            "lti_session": token_from(response["Location"]),
            "release_policy": "never",
            "min_confidence": "0.4",
            "post_comment": "on",
            "title": "Claim check",
        },
    )
    assert saved.status_code == 200
    assert b"Saved." in saved.content
    processor.refresh_from_db()
    assert (processor.release_policy, processor.min_confidence, processor.post_comment) == (
        "never",
        0.4,
        True,
    )
    assert processor.title == "Claim check"


def test_settings_page_is_for_instructors_only(client, processor, lms, canvas):  # type: ignore[no-untyped-def]
    response = launch(client, lms, "learner", _claims(canvas, MessageType.ASSET_PROCESSOR_SETTINGS))
    assert client.get(response["Location"]).status_code == 403


def test_settings_page_refuses_material_uploads_from_a_ta(client, processor, lms, canvas):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from canvas_pipeline.models import CanvasCourse

    corpus_before = CanvasCourse.objects.get(pk=processor.course_id).corpus_id
    response = launch(client, lms, "ta", _claims(canvas, MessageType.ASSET_PROCESSOR_SETTINGS))
    upload = client.post(
        "/asset-processor/settings/",
        {
            "lti_session": token_from(response["Location"]),
            "release_policy": "never",
            "materials": SimpleUploadedFile("notes.txt", b"Cells divide.", "text/plain"),
        },
    )
    assert upload.status_code == 403
    assert CanvasCourse.objects.get(pk=processor.course_id).corpus_id == corpus_before
    processor.refresh_from_db()
    assert processor.release_policy != "never"


def test_the_settings_page_states_the_upload_limits_to_instructors_only(  # type: ignore[no-untyped-def]
    client, processor, lms, canvas
):
    claims = _claims(canvas, MessageType.ASSET_PROCESSOR_SETTINGS)
    instructor = client.get(launch(client, lms, "instructor", claims)["Location"]).content
    ta = client.get(launch(client, lms, "ta", claims)["Location"]).content

    assert b"at most 10 files per upload, each up to 20 MB" in instructor
    assert b"Only the course's instructors can upload materials." in ta
    assert b'name="materials"' not in ta
