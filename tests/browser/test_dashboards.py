"""The dashboards in a cross-site iframe, launched for real, in headless Chromium."""

import re
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from analytics.models import ClaimOverride
from bench.seed import course_seed
from lti_tool.models import Platform as PlatformRow
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser]


@pytest.fixture
def seeded(lms: Any) -> Any:
    """The launch's course ("course-1") with results for the learner persona and 11 classmates."""
    row = PlatformRow.objects.get(issuer=lms.issuer)
    return course_seed(
        platform=row,
        context_id="course-1",
        students=12,
        assignments=4,
        claims=8,
        held=2,
        queued=1,
        failed=1,
        people=(("u-learner", "502", "Lee Learner"),),
    )


def _open(page: Any, lms: Any, persona: str) -> Any:
    page.goto(f"{lms.server.url}/course-page?persona={persona}&height=1400")
    frame = page.frame_locator("iframe#tool")
    # Five round trips (login, platform storage, auth, launch, storage check) on a
    # shared CI machine: allow more than the default per-step timeout.
    try:
        frame.locator("h1").first.wait_for(timeout=45_000)
    except PlaywrightTimeoutError as exc:
        where = page.frames[-1].url if len(page.frames) > 1 else "no frame"
        try:  # bounded: evaluate() would wait forever on a frame stuck mid-navigation
            text = page.frames[-1].locator("body").inner_text(timeout=5_000)
        except PlaywrightTimeoutError:
            text = "(the frame has no body yet)"
        raise AssertionError(f"launch did not land: frame at {where}: {text[:300]!r}") from exc
    return frame


def _no_horizontal_scroll(page: Any) -> bool:
    inner = page.frames[1]
    return inner.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def _shots(page: Any, frame: Any, name: str) -> None:
    """No sideways scroll in the frame at 320, 375 and 1280 px; screenshots at 375 and 1280.

    The screenshots load the frame's own URL (it carries the launch token, so it
    works on its own) in a second tab: a cross-site frame only paints what is in
    the viewport, which would cut long pages off.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (320, 375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        frame.locator("main").wait_for()
        assert _no_horizontal_scroll(page), f"{name} scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})
    shot = page.context.new_page()
    try:
        shot.goto(page.frames[1].url.split("#")[0])
        for width in (375, 1280):
            shot.set_viewport_size({"width": width, "height": 900})
            shot.locator("main").wait_for()
            shot.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    finally:
        shot.close()


def test_learner_sees_feedback_and_analytics_in_frame(page: Any, lms: Any, seeded: Any) -> None:
    frame = _open(page, lms, "learner")
    assert frame.locator("h1").first.inner_text() == "My feedback"
    marks = frame.locator(".essay mark")
    assert marks.count() == 8
    # Verdicts are named, not only coloured.
    assert re.search(
        r"(Supported|Contradicted|Partially supported|Not enough evidence):",
        marks.first.inner_text(),
    )
    _shots(page, frame, "learner-feedback")

    frame.get_by_role("link", name="My analytics").click()
    frame.get_by_role("heading", name="My analytics").wait_for()
    assert frame.locator("svg.chart polyline").count() >= 1  # the trend line
    assert "class average" in frame.locator(".stats").inner_text()
    assert (
        frame.locator(".review-item").count() >= 1
        or "No contradicted" in frame.locator("main").inner_text()
    )
    _shots(page, frame, "learner-analytics")


def test_instructor_overrides_a_verdict_in_frame(page: Any, lms: Any, seeded: Any) -> None:
    frame = _open(page, lms, "instructor")
    frame.get_by_role("heading", name="Distribution of accuracy").wait_for()
    assert frame.locator("#histogram-title").count() == 1
    assert frame.locator("svg.chart rect").count() >= 10
    _shots(page, frame, "instructor-class")

    # Search narrows the student table; the live count says how many are shown.
    frame.get_by_label("Search students").fill("Lee Learner")
    assert frame.locator("#students-table tbody tr:not([hidden])").count() == 1
    assert frame.locator("#student-count").inner_text() == "1 student shown"
    frame.get_by_role("link", name="Lee Learner").click()
    frame.get_by_role("heading", name="Lee Learner").wait_for()
    frame.locator("table a").first.click()
    claim = frame.locator("article.claim").first
    claim.wait_for()
    claim_id = int(claim.locator("form.override").get_attribute("action").split("/")[3])
    select = claim.get_by_label("Correct verdict")
    target = select.locator("option").nth(1).inner_text()
    select.select_option(label=target)
    claim.get_by_role("button", name="✗ Mark wrong").click()
    frame.get_by_role("status").wait_for()
    assert "Verdict saved" in frame.get_by_role("status").inner_text()
    changed = frame.locator(f"form.override[action*='/claims/{claim_id}/']").locator(
        "xpath=ancestor::article"
    )
    assert target in changed.locator(".badge").first.inner_text()
    assert "changed from" in changed.locator(".override-note").inner_text()
    _shots(page, frame, "instructor-submission")
    override = ClaimOverride.objects.get(claim_id=claim_id)
    assert (override.is_model_correct, override.created_by.sub) == (False, "u-instructor")


def test_keyboard_reaches_and_sorts_the_student_table(page: Any, lms: Any, seeded: Any) -> None:
    frame = _open(page, lms, "instructor")
    inner = page.frames[1]
    inner.focus("body")
    page.keyboard.press("Tab")
    assert inner.evaluate("document.activeElement.className") == "skip-link"
    # Tab on until the Accuracy sort button has focus, then sort with Enter.
    for _ in range(80):
        page.keyboard.press("Tab")
        if inner.evaluate("document.activeElement.textContent") == "Accuracy":
            break
    else:
        pytest.fail("the Accuracy sort button is not reachable by keyboard")
    page.keyboard.press("Enter")
    header = frame.locator("#students-table th", has_text="Accuracy")
    assert header.get_attribute("aria-sort") == "ascending"
    values = [
        float(v)
        for v in frame.locator("#students-table tbody td[data-label=Accuracy]").evaluate_all(
            "cells => cells.map(c => c.dataset.value)"
        )
    ]
    assert values == sorted(values)


def test_a_long_report_can_be_filtered_by_verdict_on_a_phone(
    page: Any, lms: Any, seeded: Any
) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    frame = _open(page, lms, "learner")
    claims = frame.locator("article.claim")
    total = claims.count()
    filters = frame.locator(".verdict-filter [data-filter]:not([data-filter=''])")
    label = filters.first.get_attribute("data-filter")

    filters.first.click()

    shown = frame.locator("article.claim:visible")
    assert shown.count() == frame.locator(f"article.claim.v-{label}").count() > 0
    assert all(
        f"v-{label}" in (shown.nth(i).get_attribute("class") or "") for i in range(shown.count())
    )
    assert filters.first.get_attribute("aria-pressed") == "true"
    frame.locator(".verdict-filter [data-filter='']").click()
    assert frame.locator("article.claim:visible").count() == total
