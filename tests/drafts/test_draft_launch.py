"""Where a student lands, launched for real by a third-party LTI platform: from an
assignment on its draft check, from the course navigation on their feedback with a
"Check a draft" entry beside it."""

from typing import Any

import pytest

from canvas_pipeline.models import CanvasAssignment, CanvasCourse, CanvasInstallation
from lti_tool.claims import Claim
from lti_tool.models import Platform as PlatformRow

# Re-exported fixtures of the real-platform harness.
from tests.lti.conftest import (  # noqa: F401
    PERSONAS,
    oidc_login,
    platform,
    platform_key_pem,
    platform_server,
    post_launch,
)
from verification.models import Corpus


@pytest.fixture
def course(platform: Any) -> CanvasCourse:  # noqa: F811
    installation = CanvasInstallation.objects.create(
        platform=PlatformRow.objects.get(issuer=platform.issuer),
        root_account_uuid="root-uuid",
        api_url="https://canvas.example.edu",
        secret_path_token="secret",
    )
    corpus = Corpus.objects.create(name="Biology")
    return CanvasCourse.objects.create(installation=installation, canvas_course_id=7, corpus=corpus)


def _launch(client: Any, lms: Any, custom: dict[str, str]) -> Any:
    params = oidc_login(client, lms)
    claims = {
        "canvas_course_id": "7",
        "canvas_user_id": PERSONAS["learner"]["canvas"],
        "canvas_api_domain": "canvas.example.edu",
        **custom,
    }
    launched = post_launch(client, lms.id_token(params, "learner", extra={Claim.CUSTOM: claims}))
    assert launched.status_code == 302, launched.content[:300]
    return launched


def test_an_assignment_launch_opens_the_draft_check_of_that_assignment(
    client: Any,
    platform: Any,  # noqa: F811
    course: CanvasCourse,
) -> None:
    launched = _launch(client, platform, {"canvas_assignment_id": "70"})

    assert launched["Location"].startswith("/drafts/?")
    page = client.get(launched["Location"]).content.decode()
    assignment = CanvasAssignment.objects.get(course=course, canvas_assignment_id=70)
    assert "<h1>Check a draft: " in page
    assert f'<option value="{assignment.pk}" selected>' in page


def test_a_course_navigation_launch_offers_the_draft_check_beside_the_students_pages(
    client: Any,
    platform: Any,  # noqa: F811
    course: CanvasCourse,
) -> None:
    launched = _launch(client, platform, {"canvas_assignment_id": "$Canvas.assignment.id"})

    assert launched["Location"].startswith("/course/my-feedback/?")
    page = client.get(launched["Location"]).content.decode()
    assert ">Check a draft</a>" in page
    assert not CanvasAssignment.objects.exists()
