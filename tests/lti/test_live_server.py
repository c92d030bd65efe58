"""The same flows over real sockets: the tool runs in a live WSGI server, the
browser is a requests.Session, the platform is the lti1p3platform library."""

import re
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from lti_tool.canvas_config import tool_urls


@pytest.fixture
def live(live_server, settings, platform):
    settings.SMARTNOTES_BASE_URL = live_server.url
    return live_server.url


def _launch(
    base: str, platform, persona: str, **kwargs
) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    login = browser.get(platform.login_url(), allow_redirects=False, timeout=10)
    assert login.status_code == 302, login.text[:300]
    params = {k: v[0] for k, v in parse_qs(urlsplit(login.headers["Location"]).query).items()}
    posted = platform.id_token(params, persona, **kwargs)
    assert posted["launch_url"] == tool_urls()["launch"]
    fields = {"id_token": posted["id_token"], "state": posted["state"]}
    landing = browser.post(posted["launch_url"], data=fields, timeout=10)
    return browser, landing


ROLE_PAGES = {"instructor": "/course/", "learner": "/course/my-feedback/", "admin": "/lti/status/"}


def test_three_role_launches_over_http(live, platform):
    """Instructor, learner and administrator each land on their page (one live server)."""
    for persona, path in ROLE_PAGES.items():
        _, landing = _launch(live, platform, persona)
        assert landing.status_code == 200, persona
        assert urlsplit(landing.url).path == path
        assert "sessionid" not in landing.cookies


def test_deep_linking_round_trip_over_http(live, platform):
    browser, picker = _launch(live, platform, "instructor", deep_linking=True)
    assert urlsplit(picker.url).path == "/lti/deep-link/"
    browser.cookies.clear()
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', picker.text).group(1))
    token = re.search(r'name="lti_session" value="([^"]+)"', picker.text).group(1)
    answer = browser.post(
        urljoin(live, action), data={"lti_session": token, "choice": "course"}, timeout=10
    )
    assert answer.status_code == 200
    response_jwt = re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1)
    conf = platform.conf()
    conf.get_registration().set_tool_key_set_url(live + "/lti/jwks/")
    items = conf.validate_deeplinking_resp({"JWT": response_jwt})
    assert [i["custom"] for i in items] == [{"smartnotes_target": "course"}]
