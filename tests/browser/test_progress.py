"""Progressive results in headless Chromium, from a real worker process: the demo page
and the instructor report (in the Canvas iframe, third-party cookies blocked) show the
claims decided so far with a live progress bar, keep focus where the reader left it,
then show the finished report in place; axe-core finds nothing in progress or done."""

import time
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from bench.seed import FACTS, course_seed
from canvas_pipeline.models import SubmissionJob
from lti_tool.models import Platform as PlatformRow
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboards import _no_horizontal_scroll, _open
from tests.conftest import worker_paused_mid_run
from verification import services
from verification.models import VerificationRun

pytestmark = [pytest.mark.browser]

# Every fact of the seed course, as said right and as said wrong: 45 claims, so the
# worker decides them in several waves (3, then 8 at a time) over several seconds.
ESSAY = " ".join(
    sentence[0].upper() + sentence[1:].rstrip(".") + "."
    for true, wrongs, _quote, _source in FACTS
    for sentence in (true, *wrongs)
)
MATERIALS = "\n\n".join(quote for _true, _wrongs, quote, _source in FACTS)
WATCH_S = 240

# What the page shows while its work runs; None once the finished report replaced it.
_PROGRESS_STATE = """() => {
  const root = document.querySelector("[data-progress-url]");
  if (!root) return null;
  const live = document.querySelector("[data-progress-live]");
  return {
    claims: root.querySelectorAll("[data-progress-claims] article.claim").length,
    percent: Number(root.querySelector("[role=progressbar]").getAttribute("aria-valuenow")),
    announced: live ? live.textContent : "",
  };
}"""


@pytest.fixture
def worker_env(worker_env: dict[str, str], nli_model_dir: Any) -> dict[str, str]:
    worker_env["SMARTNOTES_NLI_MODEL"] = str(nli_model_dir)
    worker_env["SMARTNOTES_NLI_DEVICE"] = "cpu"
    return worker_env


def _watch(frame: Any, worker: Any, run_id: int, in_progress: Any) -> list[dict[str, Any]]:
    """Samples of the progress element until the finished report replaces it. The
    worker is paused after its first wave, so the page is seen (and `in_progress`
    runs) with some claims decided and the rest to come."""
    with worker_paused_mid_run(worker, run_id) as stored:
        frame.wait_for_function(
            f"(({_PROGRESS_STATE})() || {{claims: 0}}).claims >= {stored}", timeout=30_000
        )
        in_progress()
        samples = [frame.evaluate(_PROGRESS_STATE)]
    deadline = time.monotonic() + WATCH_S
    while time.monotonic() < deadline:
        state = frame.evaluate(_PROGRESS_STATE)
        if state is None:
            return samples
        samples.append(state)
        frame.wait_for_timeout(100)
    pytest.fail(f"the run did not finish within {WATCH_S} s: last state {samples[-1:]}")


def _check_progress_shown(samples: list[dict[str, Any]], total: int) -> None:
    partial = [s for s in samples if 0 < s["claims"] < total]
    assert partial, f"no claims were shown before the last one was decided: {samples[-3:]}"
    percents = [s["percent"] for s in samples]
    assert percents == sorted(percents), "the progress bar never goes back"
    assert any(f"of {total} claims checked" in s["announced"] for s in samples), (
        "progress was announced in the live region"
    )


def test_the_demo_shows_claims_as_they_are_decided(
    page: Any, live_server: Any, celery_worker: Any
) -> None:
    cache.clear()  # no claim answered at once from an earlier run's claim cache
    page.goto(f"{live_server.url}/demo/")
    page.fill("#id_material_text", MATERIALS)
    page.fill("#id_essay_text", ESSAY)
    page.get_by_role("button", name="Check the essay").click()
    page.get_by_role("progressbar", name="Checking the essay…").wait_for()
    # The reader is on a link; new claims must not pull focus away from it.
    page.get_by_role("link", name="Check another essay").focus()

    def in_progress() -> None:
        assert_no_axe_violations(page.main_frame)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "progress-demo-running-1280.png"), full_page=True)

    run = VerificationRun.objects.latest("id")
    samples = _watch(page.main_frame, celery_worker, run.pk, in_progress)

    run.refresh_from_db()
    assert run.status == VerificationRun.Status.DONE, run.error_message
    total = run.claims.count()
    _check_progress_shown(samples, total)
    assert page.evaluate("document.activeElement.textContent") == "Check another essay"
    expect(page.locator("[data-progress-live]")).to_have_text(f"Finished: {total} claims checked.")
    # The finished report, shown in place, works by keyboard.
    assert page.locator("article.claim").count() == total
    assert_no_axe_violations(page.main_frame)
    page.get_by_role("tab", name="Claim by claim").focus()
    page.keyboard.press("ArrowRight")
    assert page.get_by_role("tab", name="As a Canvas comment").get_attribute("aria-selected") == (
        "true"
    )
    assert page.locator("pre.comment").is_visible()
    assert_no_axe_violations(page.main_frame)


@pytest.fixture
def verifying_job(lms: Any) -> SubmissionJob:
    """A submission of the launch's course whose run is created but not yet sent."""
    seed = course_seed(
        platform=PlatformRow.objects.get(issuer=lms.issuer),
        context_id="course-1",
        students=3,
        assignments=1,
        claims=4,
        held=0,
        queued=0,
        failed=0,
        people=(("u-learner", "502", "Lee Learner"),),
    )
    corpus = services.corpus_create(
        name="Course materials",
        files=[services.UploadedMaterial("Biology notes.txt", MATERIALS.encode(), "text/plain")],
    )
    run = services.run_create(
        corpus=corpus, text=ESSAY, source=VerificationRun.Source.CANVAS, enqueue=False
    )
    return SubmissionJob.objects.create(
        installation=seed.course.installation,
        course=seed.course,
        assignment=seed.assignments[0],
        canvas_submission_id=987654,
        canvas_user_id="502",
        attempt=1,
        state=SubmissionJob.State.VERIFYING,
        run=run,
    )


def test_the_instructor_report_shows_claims_as_they_are_decided_in_frame(
    page: Any, lms: Any, verifying_job: SubmissionJob, celery_worker: Any
) -> None:
    page.set_viewport_size({"width": 375, "height": 900})
    frame = _open(page, lms, "instructor")
    inner = page.frames[1]
    frame.get_by_role("link", name="987654 (attempt 1)").click()
    frame.get_by_role("progressbar", name="Checking this submission…").wait_for()
    assert "Waiting for a worker" in frame.locator("[data-progress-stage]").inner_text()
    assert_no_axe_violations(inner)
    back = frame.get_by_role("link", name="← Lee Learner")
    back.focus()

    services.run_send(run_id=verifying_job.run_id, source=VerificationRun.Source.CANVAS)

    def in_progress() -> None:
        assert _no_horizontal_scroll(page), "the report in progress scrolls sideways at 375 px"
        assert_no_axe_violations(inner)
        ARTIFACTS.mkdir(exist_ok=True)
        # A cross-site frame paints only what is in the viewport: no full_page here.
        page.screenshot(path=str(ARTIFACTS / "progress-instructor-running-375.png"))

    samples = _watch(inner, celery_worker, verifying_job.run_id, in_progress)

    run = VerificationRun.objects.get(pk=verifying_job.run_id)
    assert run.status == VerificationRun.Status.DONE, run.error_message
    total = run.claims.count()
    _check_progress_shown(samples, total)
    assert inner.evaluate("document.activeElement.textContent") == "← Lee Learner"
    # The finished report, with the instructor's override forms, in the same frame.
    assert frame.locator("article.claim").count() == total
    assert frame.locator("form.override").count() == total
    assert_no_axe_violations(inner)
    # From where the reader was, the keyboard reaches the first override.
    for _ in range(80):
        page.keyboard.press("Tab")
        if inner.evaluate("!!document.activeElement.closest('form.override')"):
            break
    else:
        pytest.fail("no override form is reachable by keyboard from the finished report")
