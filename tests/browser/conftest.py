"""Headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser)
driving the dashboards inside an iframe on another site, through real LTI
launches: the platform (the lti1p3platform library, tests/lti/conftest.py)
serves a course page on http://127.0.0.1:<port> that frames the tool on
http://localhost:<port>. Third-party cookies are blocked, so the launch binds
its state through LTI platform storage (postMessage) and every in-frame page
works only if the launch token travels in links and forms.

Screenshots go to test-artifacts/ (gitignored); a failing test saves one too.
"""

import json
import os
import shutil
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

# Re-exported fixtures of the real-platform harness.
from tests.lti.conftest import (  # noqa: F401
    PERSONAS,
    Platform,
    RequestInfo,
    platform,
    platform_key_pem,
    platform_server,
)

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls
# happen between browser steps, never concurrently with them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # Behave like Safari / Chrome with third-party cookies blocked.
    "--test-third-party-cookie-phaseout",
]

# The platform's course page: frames the tool and answers LTI platform-storage messages.
COURSE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Canvas course</title>
<style>body{margin:0;font-family:sans-serif} header{background:#394b58;color:#fff;padding:8px 12px}
iframe{display:block;border:0;width:100%;height:%HEIGHT%px}</style></head>
<body><header>Canvas (test platform)</header>
<iframe id="tool" title="Smart Notes" src="%SRC%"></iframe>
<script>
const store = {};
window.addEventListener("message", (event) => {
  const m = event.data || {};
  const reply = (extra) => event.source.postMessage(
    {message_id: m.message_id, subject: m.subject + ".response", ...extra}, event.origin);
  if (m.subject === "lti.capabilities") reply({supported_messages: [
    {subject: "lti.put_data"}, {subject: "lti.get_data"}]});
  else if (m.subject === "lti.put_data") {
    store[m.key] = m.value; reply({key: m.key, value: m.value});
  }
  else if (m.subject === "lti.get_data") reply({key: m.key, value: store[m.key]});
});
</script></body></html>"""


def _form_post(url: str, fields: dict[str, str]) -> bytes:
    inputs = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    return (
        f'<!doctype html><html><body><form id="f" method="post" action="{escape(url)}">{inputs}'
        "</form><script>document.getElementById('f').submit()</script></body></html>"
    ).encode()


@pytest.fixture
def lms(live_server: Any, settings: Any, platform: Platform) -> Platform:  # noqa: F811
    """The test platform, with a course page and an OIDC auth endpoint that posts
    a signed id_token for the persona named in lti_message_hint."""
    settings.SMARTNOTES_BASE_URL = live_server.url
    cache.clear()

    def course_page(info: RequestInfo) -> tuple[int, dict[str, str], bytes]:
        persona = info.query.get("persona", ["learner"])[0]
        src = platform.login_url(hint=persona, lti_storage_target="_parent")
        html = COURSE_PAGE.replace("%SRC%", escape(src)).replace(
            "%HEIGHT%", info.query.get("height", ["900"])[0]
        )
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode()

    def auth(info: RequestInfo) -> tuple[int, dict[str, str], bytes]:
        params = {k: v[0] for k, v in info.query.items()}
        persona = params.get("lti_message_hint", "learner")
        posted = platform.id_token(params, persona)
        body = _form_post(
            posted["launch_url"], {"id_token": posted["id_token"], "state": posted["state"]}
        )
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body

    platform.server.routes[("GET", "/course-page")] = course_page
    platform.server.routes[("GET", "/auth")] = auth
    return platform


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: apt-get install chromium")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    yield page
    if request.node.stash.get(_FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
        (ARTIFACTS / f"FAILED-{request.node.name}.console.json").write_text(json.dumps(console))
    context.close()
