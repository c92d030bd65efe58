"""Deep linking round trip and cookieless in-frame navigation: after the launch the
browser holds no cookies; links and the form carry only the launch token."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from django.template import Context, Template
from django.test import Client, RequestFactory

from lti_tool.sessions import launch_from_token
from tests.lti.conftest import full_launch


def _picker(client: Client, platform) -> tuple[str, str]:
    response = full_launch(client, platform, "instructor", deep_linking=True)
    assert response.status_code == 302, response.content[:500]
    parts = urlsplit(response["Location"])
    assert parts.path == "/lti/deep-link/"
    return response["Location"], parse_qs(parts.query)["lti_session"][0]


def test_deep_linking_response_is_validated_by_platform(platform):
    client = Client(enforce_csrf_checks=True)
    location, _token = _picker(client, platform)
    client.cookies.clear()  # a browser that blocks third-party cookies

    page = client.get(location)
    assert page.status_code == 200
    html = page.content.decode()
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', html).group(1))
    hidden = re.search(r'name="lti_session" value="([^"]+)"', html).group(1)

    response = client.post(urlsplit(action).path, {"lti_session": hidden, "choice": "course"})
    assert response.status_code == 200, response.content[:500]
    body = response.content.decode()
    assert 'action="https://canvas.example.edu/deep_link_return"' in body
    response_jwt = re.search(r'name="JWT" value="([^"]+)"', body).group(1)

    conf = platform.conf()
    conf.get_registration().set_tool_key_set(client.get("/lti/jwks/").json())
    items = conf.validate_deeplinking_resp({"JWT": response_jwt})
    assert items == [
        {
            "type": "ltiResourceLink",
            "title": "Smart Notes course dashboard",
            "url": "http://127.0.0.1:8000/lti/launch/",
            "custom": {"smartnotes_target": "course"},
        }
    ]
    claims = conf.tool_validate_and_decode(response_jwt)
    assert claims["aud"] == [platform.issuer]
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == {"data": "opaque-dl-data"}


def test_form_post_without_token_is_refused(platform):
    client = Client(enforce_csrf_checks=True)
    _picker(client, platform)
    client.cookies.clear()
    assert client.post("/lti/deep-link/", {"choice": "course"}).status_code == 403


def test_in_frame_navigation_with_token_only(client, platform):
    response = full_launch(client, platform, "instructor")
    client.cookies.clear()
    assert client.get(response["Location"]).status_code == 200
    lti = launch_from_token(parse_qs(urlsplit(response["Location"]).query)["lti_session"][0])
    for name in ("analytics:course", "lti_tool:deep-link"):
        page = client.get(lti.url(name))
        # A resource-link launch reaches the course page but not the deep-link picker.
        assert page.status_code == (200 if name == "analytics:course" else 400), name


def test_template_tags_carry_the_token(client, platform):
    response = full_launch(client, platform, "instructor")
    token = parse_qs(urlsplit(response["Location"]).query)["lti_session"][0]
    request = RequestFactory().get("/")
    request.lti = launch_from_token(token)
    html = Template(
        "{% load lti_tool %}<a href=\"{% lti_url 'analytics:course' %}\">x</a>"
        "<form>{% lti_session_input %}</form>"
    ).render(Context({"request": request}))
    link = unescape(re.search(r'href="([^"]+)"', html).group(1))
    assert parse_qs(urlsplit(link).query)["lti_session"] == [token]
    assert f'<input type="hidden" name="lti_session" value="{token}">' in html


def test_learner_cannot_deep_link(client, platform):
    response = full_launch(client, platform, "learner", deep_linking=True)
    client.cookies.clear()
    assert client.get(response["Location"]).status_code == 403
