"""The instructor's single-claim check in headless Chromium, inside the Canvas iframe
with third-party cookies blocked, answered by a real worker process: typed and sent
by keyboard, the verdict appears without a page reload and is announced; focus stays
in the form; axe-core finds nothing before or after."""

import time
from typing import Any

import pytest
from django.core.cache import cache

from bench.seed import FACTS, course_seed
from lti_tool.models import Platform as PlatformRow
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboards import _no_horizontal_scroll, _open
from verification.claim_check import realtime_worker_alive
from verification.services import UploadedMaterial, material_add

pytestmark = [pytest.mark.browser]
MATERIALS = "\n\n".join(quote for _true, _wrongs, quote, _source in FACTS)
SENTENCE = "Photosynthesis takes place in the mitochondria."


@pytest.fixture
def worker_env(worker_env: dict[str, str], nli_model_dir: Any) -> dict[str, str]:
    worker_env["SMARTNOTES_NLI_MODEL"] = str(nli_model_dir)
    worker_env["SMARTNOTES_NLI_DEVICE"] = "cpu"
    return worker_env


@pytest.fixture
def course_with_materials(lms: Any) -> Any:
    seed = course_seed(
        platform=PlatformRow.objects.get(issuer=lms.issuer),
        context_id="course-1",
        students=3,
        assignments=1,
        claims=4,
        held=0,
        queued=0,
        failed=0,
    )
    corpus = seed.course.corpus
    corpus.materials.all().delete()
    material_add(
        corpus=corpus,
        upload=UploadedMaterial("Biology notes.txt", MATERIALS.encode(), "text/plain"),
    )
    return seed


def test_an_instructor_checks_one_claim_in_frame_without_a_reload(
    page: Any, lms: Any, course_with_materials: Any, celery_worker: Any, settings: Any
) -> None:
    settings.SMARTNOTES_CLAIM_CHECK_TIMEOUT_S = 120  # the worker loads the model on first use
    cache.clear()  # answered by the engine, not an earlier run's claim cache
    deadline = time.monotonic() + 180
    while not realtime_worker_alive():
        assert time.monotonic() < deadline, "the worker never reported in"
        time.sleep(0.5)
    page.set_viewport_size({"width": 375, "height": 900})
    frame = _open(page, lms, "instructor")
    inner = page.frames[1]
    frame.get_by_role("heading", name="Check a claim").wait_for()
    assert_no_axe_violations(inner)
    inner.evaluate("window.__sameDocument = true")

    frame.get_by_label("Sentence to check against this course's materials").fill(SENTENCE)
    frame.get_by_role("button", name="Check").focus()
    page.keyboard.press("Enter")
    answer = frame.locator("#claim-check-result article.claim")
    answer.wait_for(timeout=150_000)

    assert inner.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert SENTENCE in answer.inner_text()
    assert answer.locator("blockquote").count() == 1  # the evidence quote
    assert "Source: Biology notes.txt" in answer.inner_text()
    status = frame.locator("[data-claim-check-status]").inner_text()
    assert status.startswith("Checked: ")
    assert "confidence" in status
    assert inner.evaluate("document.activeElement.textContent") == "Check"
    assert _no_horizontal_scroll(page), "the answer scrolls sideways at 375 px"
    assert_no_axe_violations(inner)
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        frame.locator("#claim-check").screenshot(path=str(ARTIFACTS / f"claim-check-{width}.png"))
