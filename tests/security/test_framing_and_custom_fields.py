"""Finding 3 (one institution can unframe or break every institution) and the Low
finding "the admin can be framed by every registered platform"."""

import dataclasses
from urllib.parse import parse_qs, urlsplit

import pytest

from lti_tool.claims import Claim
from lti_tool.models import LtiContext
from lti_tool.services import platform_register
from tests.lti.conftest import full_launch

CUSTOM = {"canvas_course_id": "7", "canvas_user_id": "501"}


def _token(response) -> str:
    assert response.status_code == 302, response.content[:500]
    return parse_qs(urlsplit(response["Location"]).query)["lti_session"][0]


@pytest.fixture
def hostile(platform, platform_server):
    """A second institution on the same issuer (Canvas cloud style), its own client id."""
    platform_register(
        name="Hostile U",
        issuer=platform.issuer,
        client_id="hostile-client",
        deployment_id="9:hostile",
        auth_login_url=platform_server.url + "/auth",
        auth_token_url=platform_server.url + "/token",
        key_set_url=platform_server.url + "/jwks",
    )
    return dataclasses.replace(platform, client_id="hostile-client", deployment_id="9:hostile")


def _csp_sources(client, token: str) -> list[str]:
    csp = client.get("/course/", {"lti_session": token})["Content-Security-Policy"]
    assert csp.startswith("frame-ancestors ")
    return csp.split()[1:]


@pytest.mark.parametrize(
    "domain", ["x.test https:", "x.test\nX-Injected: 1", "evil.test; script-src *", "*", "https:"]
)
def test_hostile_canvas_api_domain_is_not_stored(client, hostile, domain):
    extra = {Claim.CUSTOM: {**CUSTOM, "canvas_api_domain": domain}}
    token = _token(full_launch(client, hostile, "instructor", extra=extra))
    assert LtiContext.objects.get(platform__client_id="hostile-client").canvas_api_domain == ""
    assert all(
        s.startswith(("'", "http://", "https://")) and s != "https:"
        for s in _csp_sources(client, token)
    )


def test_hostile_launch_changes_nothing_for_another_institution(client, platform, hostile):
    victim_token = _token(full_launch(client, platform, "instructor"))
    before = _csp_sources(client, victim_token)
    client.cookies.clear()
    extra = {Claim.CUSTOM: {**CUSTOM, "canvas_api_domain": "attacker.example"}}
    _token(full_launch(client, hostile, "instructor", extra=extra))

    assert _csp_sources(client, victim_token) == before
    assert "https://attacker.example" not in before
    # The victim's pages keep answering (a newline once made every URL answer 500).
    assert client.get("/course/", {"lti_session": victim_token}).status_code == 200


def test_a_launch_page_is_framed_only_by_its_own_platform(client, platform):
    sources = _csp_sources(client, _token(full_launch(client, platform, "instructor")))
    # issuer; Canvas API URL; the launch's Canvas domain (http, like this test issuer)
    assert sources == [
        "'self'",
        platform.issuer,
        "https://canvas.example.edu",
        "http://canvas.example.edu",
    ]


@pytest.mark.parametrize("path", ["/admin/login/", "/demo/", "/health/", "/lti/jwks/"])
def test_pages_outside_a_launch_are_never_framed(client, db, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_admin_is_not_framed_even_when_platforms_are_registered(admin_client, platform):
    response = admin_client.get("/admin/lti_tool/platform/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_a_javascript_return_url_is_not_offered_as_a_link(client, platform):
    extra = {Claim.LAUNCH_PRESENTATION: {"return_url": "javascript:alert(document.domain)"}}
    token = _token(full_launch(client, platform, "learner", extra=extra))
    page = client.get("/course/", {"lti_session": token})  # a learner: 403 page with return link
    assert page.status_code == 403
    assert "javascript:" not in page.content.decode()


@pytest.mark.parametrize(
    ("origin", "framed"),
    [("https://stateu.instructure.com", True), ("https://attacker.example", False)],
)
def test_login_page_is_framed_by_a_canvas_origin_on_the_registration_hosts(
    client, platform, settings, origin, framed
):
    from lti_tool.canvas_config import tool_urls

    settings.LTI_DYNAMIC_REGISTRATION_HOSTS = ["*.instructure.com"]
    url = platform.login_url(lti_storage_target="_parent")
    response = client.get(url.replace(tool_urls()["login"], "/lti/login/"), HTTP_ORIGIN=origin)
    assert response.status_code == 200  # the platform-storage page
    sources = response["Content-Security-Policy"].split()
    assert platform.issuer in sources
    assert (origin in sources) is framed


def test_custom_canvas_ids_that_are_not_ids_are_not_stored(client, hostile):
    extra = {Claim.CUSTOM: {"canvas_course_id": "7/../../accounts/1", "canvas_user_id": "5?x=1"}}
    _token(full_launch(client, hostile, "instructor", extra=extra))
    context = LtiContext.objects.get(platform__client_id="hostile-client")
    assert context.canvas_course_id == ""
    assert context.memberships.get().user.canvas_user_id == ""
