"""Attaching Smart Notes to an assignment ("Add Document Processing App"): the notice
handler is registered with the platform before the content item goes back."""

import jwt

from asset_processor.models import AssetProcessor
from lti_tool.keys import tool_key_get_active
from tests.asset_processor.conftest import ACTIVITY_ID, attach


def _content_items(response) -> list[dict]:  # type: ignore[no-untyped-def]
    import re

    token = re.search(r'name="JWT" value="([^"]+)"', response.content.decode()).group(1)
    body = jwt.decode(
        token,
        tool_key_get_active().public_key_pem,
        algorithms=["RS256"],
        audience=None,
        options={"verify_aud": False},
    )
    assert (
        body["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    )
    return body["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]


def test_attach_registers_the_notice_handler_then_returns_an_asset_processor(client, lms, canvas):
    response = attach(client, lms, canvas, release_policy="after_review")
    assert response.status_code == 200, response.content[:500]
    assert canvas.registrations == [
        {
            "notice_type": "LtiAssetProcessorSubmissionNotice",
            "handler": "http://127.0.0.1:8000/asset-processor/notices/",
        }
    ]
    (item,) = _content_items(response)
    processor = AssetProcessor.objects.get(lti_assignment_id=ACTIVITY_ID)
    assert item["type"] == "ltiAssetProcessor"
    assert item["title"] == "Fact check"
    assert item["report"]["url"] == "http://127.0.0.1:8000/lti/launch/"
    assert item["custom"] == {"smartnotes_processor": str(processor.public_id)}
    assert processor.handler_registered_at is not None
    assert processor.release_policy == "after_review"
    assert processor.course.canvas_course_id == 7


def test_attach_answers_nothing_when_the_handler_cannot_be_registered(client, lms, canvas):
    canvas.pns_status = 403
    response = attach(client, lms, canvas)
    assert response.status_code == 400
    assert b"notice handler" in response.content
    assert b'name="JWT"' not in response.content
    assert not AssetProcessor.objects.exists()
