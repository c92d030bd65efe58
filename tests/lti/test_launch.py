"""Role launches end to end: platform library -> OIDC login -> launch -> landing."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from lti_tool.models import Launch, LtiContext, LtiUser, Membership, Platform, ResourceLink
from tests.lti.conftest import full_launch


def _landing(response) -> tuple[str, str]:
    assert response.status_code == 302, response.content[:800]
    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query)["lti_session"][0]


@pytest.mark.parametrize(
    ("persona", "path", "text"),
    [
        # The analytics pages belong to the dashboards; only reaching them is checked here.
        ("instructor", "/course/", ""),
        ("ta", "/course/", ""),
        ("learner", "/course/my-feedback/", ""),
        ("admin", "/lti/status/", "Smart Notes installation"),
    ],
)
def test_launch_lands_on_role_page(client, platform, persona, path, text):
    landing_path, token = _landing(full_launch(client, platform, persona))
    assert landing_path == path
    client.cookies.clear()
    page = client.get(landing_path, {"lti_session": token})
    assert page.status_code == 200
    assert text in page.content.decode()


def test_launch_upserts_records_with_canvas_ids(client, platform):
    _landing(full_launch(client, platform, "instructor"))
    _landing(full_launch(client, platform, "instructor"))
    context = LtiContext.objects.get(context_id="course-1")
    assert context.canvas_course_id == "7"
    assert context.canvas_api_domain == "canvas.example.edu"
    assert context.nrps_url.endswith("/nrps/course-1/memberships")
    user = LtiUser.objects.get(sub="u-instructor")
    assert user.canvas_user_id == "501"
    assert Membership.objects.filter(context=context, user=user).count() == 1
    link = ResourceLink.objects.get(resource_link_id="resource-1")
    assert link.canvas_assignment_id == ""  # "$Canvas.assignment.id" means no value
    assert Platform.objects.get().tool_platform_guid == "root-account-guid-123"
    assert Launch.objects.count() == 2


def test_learner_cannot_open_course_page(client, platform):
    _, token = _landing(full_launch(client, platform, "learner"))
    assert client.get("/course/", {"lti_session": token}).status_code == 403


def test_launch_does_not_create_django_session(client, platform):
    _landing(full_launch(client, platform, "learner"))
    assert "sessionid" not in client.cookies


def test_page_without_token_is_refused(client, platform):
    response = client.get("/course/")
    assert response.status_code == 401
    assert "expired" in response.content.decode()


def test_forged_token_is_refused(client, platform):
    _, token = _landing(full_launch(client, platform, "instructor"))
    assert client.get("/course/", {"lti_session": token[:-2] + "xx"}).status_code == 401


def test_frame_ancestors_include_registered_platform(client, platform):
    _, token = _landing(full_launch(client, platform, "instructor"))
    response = client.get("/course/", {"lti_session": token})
    assert platform.issuer in response["Content-Security-Policy"]


def test_frame_ancestors_include_canvas_domain_of_the_launch(client, platform):
    landing, token = _landing(full_launch(client, platform, "learner"))
    csp = client.get(landing, {"lti_session": token}).headers["Content-Security-Policy"]
    assert "https://canvas.example.edu" in csp.split()


def test_expired_session_page_stays_frameable_by_its_platform(client, platform, settings):
    _, token = _landing(full_launch(client, platform, "instructor"))
    settings.LTI_SESSION_TOKEN_MAX_AGE_S = -1
    response = client.get("/course/", {"lti_session": token})
    assert response.status_code == 401
    assert platform.issuer in response["Content-Security-Policy"]


def test_request_lti_exposes_canvas_claims(client, platform):
    from lti_tool.sessions import launch_from_token

    _, token = _landing(full_launch(client, platform, "learner"))
    lti = launch_from_token(token)
    assert lti.placement == "course_navigation"
    assert lti.custom["canvas_course_id"] == "7"
    assert "canvas_assignment_id" not in lti.custom
    assert lti.return_url == "https://canvas.example.edu/courses/7"
    assert lti.url("analytics:my-feedback") == "/course/my-feedback/?" + urlencode(
        {"lti_session": token}
    )


def test_admin_pages_render(admin_client, platform):
    platform_id = Platform.objects.get().pk
    for path in (
        "/admin/lti_tool/platform/",
        f"/admin/lti_tool/platform/{platform_id}/change/",
        "/admin/lti_tool/toolkey/",
        "/admin/lti_tool/launch/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_status_page_shows_only_the_admins_platform(client, platform):
    from lti_tool.services import platform_register

    platform_register(
        name="Other University",
        issuer=platform.issuer,  # Canvas cloud: every institution has the same issuer
        client_id="other-client",
        auth_login_url="https://other.example.edu/auth",
        auth_token_url="https://other.example.edu/token",
        key_set_url="https://other.example.edu/jwks",
    )
    landing, token = _landing(full_launch(client, platform, "admin"))
    page = client.get(landing, {"lti_session": token}).content.decode()
    assert "Test Canvas" in page
    assert "Other University" not in page
