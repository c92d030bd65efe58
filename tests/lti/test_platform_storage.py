"""The LTI client-side postMessage / platform-storage path, for browsers that drop
the state cookie. The page scripts are played by the test: it reads what the
login page would store and posts back what the launch page would read."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from structlog.testing import capture_logs

from lti_tool.models import Launch
from tests.lti.conftest import post_launch


def _data(html: str, name: str) -> str:
    return unescape(re.search(rf'data-{name}="([^"]*)"', html).group(1))


def _storage_login(client, platform) -> dict[str, str]:
    url = platform.login_url(lti_storage_target="post_message_forwarding")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert _data(html, "storage-target") == "post_message_forwarding"
    assert _data(html, "platform-origin") == platform.server.url
    auth_url = _data(html, "auth-url")
    params = {k: v[0] for k, v in parse_qs(urlsplit(auth_url).query).items()}
    assert params["state"] == _data(html, "state")
    assert params["nonce"] == _data(html, "nonce")
    return params


def _verify_page(client, platform, persona="learner") -> tuple[dict[str, str], str]:
    params = _storage_login(client, platform)
    client.cookies.clear()  # the state cookie never comes back
    response = post_launch(client, platform.id_token(params, persona))
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    assert "lti_session" not in html
    pending_id = re.search(r'name="pending_id" value="([^"]+)"', html).group(1)
    return params, pending_id


def test_platform_storage_launch_completes_without_cookies(client, platform):
    params, pending_id = _verify_page(client, platform)
    assert Launch.objects.count() == 0
    response = client.post(
        "/lti/launch/verify/",
        {"pending_id": pending_id, "state": params["state"], "nonce": params["nonce"]},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/course/my-feedback/?lti_session=")
    assert client.get(response["Location"]).status_code == 200


def test_platform_storage_mismatch_is_refused(client, platform):
    params, pending_id = _verify_page(client, platform)
    with capture_logs() as logs:
        response = client.post(
            "/lti/launch/verify/",
            {"pending_id": pending_id, "state": params["state"], "nonce": "not-stored"},
        )
    assert response.status_code == 400
    assert Launch.objects.count() == 0
    assert [e["code"] for e in logs if e["event"] == "lti.launch.rejected"] == ["storage_mismatch"]


def test_pending_launch_is_single_use(client, platform):
    params, pending_id = _verify_page(client, platform)
    data = {"pending_id": pending_id, "state": params["state"], "nonce": params["nonce"]}
    assert client.post("/lti/launch/verify/", data).status_code == 302
    assert client.post("/lti/launch/verify/", data).status_code == 400
