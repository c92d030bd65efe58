"""The LTI client-side postMessage / platform-storage path, for browsers that drop
the state cookie. The page scripts are played by the test: it reads what the
login page would store and posts back what the launch page would read."""

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
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


NODE = shutil.which("node")
HARNESS = Path(__file__).parent / "js" / "platform_storage_harness.js"
SCRIPT = Path(__file__).parents[2] / "lti_tool" / "static" / "lti_tool" / "platform_storage.js"
PARENT_ORIGIN = "https://school.example.edu"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def _dataset(html: str) -> dict[str, str]:
    def camel(name: str) -> str:
        head, *rest = name.split("-")
        return head + "".join(part.title() for part in rest)

    block = re.search(r'<div id="lti-storage"(.*?)></div>', html, re.S).group(1)
    return {camel(k): unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', block)}


def _run_js(dataset: dict, *, frame_origin: str, storage=None, capabilities=True) -> dict:
    scenario = {
        "dataset": dataset,
        "storage": storage or {},
        "capabilities": capabilities,
        "frameOrigin": frame_origin,
        "parentOrigin": PARENT_ORIGIN,
    }
    done = subprocess.run(
        [NODE, str(HARNESS), str(SCRIPT), json.dumps(scenario)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


@needs_node
def test_storage_scripts_complete_a_cookieless_launch(client, platform):
    login = client.get(platform.login_url(lti_storage_target="post_message_forwarding"))
    put = _run_js(_dataset(login.content.decode()), frame_origin=platform.server.url)
    assert [(e["to"], e["subject"], e["targetOrigin"]) for e in put["events"]] == [
        ("parent", "lti.capabilities", "*"),
        ("forwarding", "lti.put_data", platform.server.url),
        ("forwarding", "lti.put_data", platform.server.url),
    ]
    params = {k: v[0] for k, v in parse_qs(urlsplit(put["assigned"]).query).items()}

    client.cookies.clear()
    page = post_launch(client, platform.id_token(params, "instructor"))
    get = _run_js(
        _dataset(page.content.decode()), frame_origin=platform.server.url, storage=put["storage"]
    )
    assert get["form"] == {"state": params["state"], "nonce": params["nonce"], "submitted": True}
    pending_id = re.search(r'name="pending_id" value="([^"]+)"', page.content.decode()).group(1)
    form = {"pending_id": pending_id, "state": get["form"]["state"], "nonce": get["form"]["nonce"]}
    response = client.post("/lti/launch/verify/", form)
    assert response.status_code == 302
    assert response["Location"].startswith("/course/?lti_session=")


@needs_node
def test_login_script_falls_back_to_redirect_without_platform_storage(client, platform):
    login = client.get(platform.login_url(lti_storage_target="post_message_forwarding"))
    dataset = {**_dataset(login.content.decode()), "timeoutMs": "50"}
    result = _run_js(dataset, frame_origin=platform.server.url, capabilities=False)
    assert result["assigned"] == dataset["authUrl"]
    assert [e["subject"] for e in result["events"]] == ["lti.capabilities"]


@needs_node
def test_launch_script_talks_only_to_the_platform_auth_origin(client, platform):
    params = _storage_login(client, platform)
    client.cookies.clear()
    page = post_launch(client, platform.id_token(params, "learner"))
    dataset = {**_dataset(page.content.decode()), "timeoutMs": "50"}
    result = _run_js(dataset, frame_origin="https://evil.example", storage={})
    assert result["form"]["submitted"] is False
    assert "could not confirm" in result["status"]
