"""A student checks a draft inside the Canvas iframe (real LTI launch, third-party
cookies blocked) and a real worker process checks it: the most important claims
appear while the rest are still being scored (the worker is paused after its first
wave, so the page is seen half-way), then all of them."""

from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from canvas_pipeline.models import CanvasCourse, CanvasInstallation
from canvas_pipeline.services.setup import course_materials_add
from drafts.models import Draft
from lti_tool.models import Platform as PlatformRow
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import ARTIFACTS
from tests.conftest import worker_paused_mid_run
from tests.factories import MATERIALS_TEXT
from verification.models import VerificationRun
from verification.services import UploadedMaterial

pytestmark = [pytest.mark.browser]

MORE_MATERIALS = (
    "\n\nThe cell\n\n"
    "The nucleus holds the cell's DNA. Ribosomes build proteins from amino acids. "
    "The cell membrane controls what enters and leaves the cell. Plant cells have a cell "
    "wall made of cellulose; animal cells do not.\n\n"
    "Genetics\n\n"
    "Gregor Mendel studied inheritance in pea plants in the 1860s. Genes are made of DNA. "
    "DNA has the shape of a double helix, described in 1953 by Watson and Crick."
)
# Twenty claims: several waves (the 3 most important first, then 8 at a time).
DRAFT = " ".join(
    [
        "Photosynthesis turns light energy into chemical energy.",
        "Photosynthesis takes place in the mitochondria.",
        "Chloroplasts contain the green pigment chlorophyll.",
        "Cellular respiration happens mainly in the chloroplasts.",
        "Cellular respiration releases carbon dioxide.",
        "Jan Ingenhousz showed in 1779 that plants need sunlight to restore air.",
        "Green plants convert chemical energy into light energy.",
        "The nucleus holds the cell's DNA.",
        "Ribosomes build proteins from amino acids.",
        "The cell membrane controls what enters and leaves the cell.",
        "Animal cells have a cell wall made of cellulose.",
        "Plant cells have a cell wall made of cellulose.",
        "Gregor Mendel studied inheritance in pea plants in the 1860s.",
        "Genes are made of protein.",
        "DNA has the shape of a double helix.",
        "Watson and Crick described the double helix in 1953.",
        "Mendel studied inheritance in fruit flies.",
        "Photosynthesis requires light energy from the sun.",
        "Ribosomes store the cell's DNA.",
        "Cellular respiration happens mainly in the mitochondria.",
    ]
)
# What the progress element shows: claims listed, the bar, the run's state.
PROGRESS_SHOWN = """() => {
  const root = document.querySelector("[data-progress-url]");
  if (!root) return null;
  return {
    claims: root.querySelectorAll("[data-progress-claims] article.claim").length,
    valuenow: Number(root.querySelector("[role=progressbar]").getAttribute("aria-valuenow")),
    state: root.dataset.progressState || "",
  };
}"""


@pytest.fixture
def worker_env(worker_env: dict[str, str], nli_model_dir: Any) -> dict[str, str]:
    worker_env["SMARTNOTES_NLI_MODEL"] = str(nli_model_dir)
    worker_env["SMARTNOTES_NLI_DEVICE"] = "cpu"
    return worker_env


@pytest.fixture
def course(lms: Any) -> CanvasCourse:
    """The launch's course (Canvas id 7) with its materials."""
    installation = CanvasInstallation.objects.create(
        platform=PlatformRow.objects.get(issuer=lms.issuer),
        root_account_uuid="root-uuid",
        api_url="https://canvas.example.edu",
        secret_path_token="secret-path",
    )
    course = CanvasCourse.objects.create(installation=installation, canvas_course_id=7)
    materials = (MATERIALS_TEXT + MORE_MATERIALS).encode()
    return course_materials_add(
        course=course, files=[UploadedMaterial("biology.txt", materials, "text/plain")]
    )


@pytest.fixture
def frame(page: Any, lms: Any, course: CanvasCourse) -> Any:
    page.goto(f"{lms.server.url}/course-page?persona=learner&height=1600")
    inner = page.frame_locator("iframe#tool")
    try:
        inner.get_by_role("link", name="Check a draft").wait_for(timeout=45_000)
    except PlaywrightTimeoutError as exc:
        text = page.frames[-1].locator("body").inner_text(timeout=5_000)
        raise AssertionError(f"launch did not land: {text[:300]!r}") from exc
    return inner


def _screenshots(page: Any, name: str) -> None:
    """The frame's own page (its URL carries the launch token) at 375 and 1280 px; a
    cross-site frame paints only what is in view, so a second tab shows it whole."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = page.context.new_page()
    try:
        shot.goto(page.frames[1].url.split("#")[0])
        for width in (375, 1280):
            shot.set_viewport_size({"width": width, "height": 900})
            shot.locator("main").wait_for()
            assert shot.evaluate(
                "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
            ), f"{name} scrolls sideways at {width} px"
            shot.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    finally:
        shot.close()


def test_a_draft_shows_the_first_claims_before_the_last_is_scored(
    page: Any, frame: Any, celery_worker: Any
) -> None:
    frame.get_by_role("link", name="Check a draft").click()
    frame.get_by_role("heading", name="Check a draft").wait_for()
    assert_no_axe_violations(page.frames[1])
    _screenshots(page, "draft-form")

    cache.clear()  # no claim answered at once from an earlier run's claim cache
    frame.get_by_label("Paste your draft").fill(DRAFT)
    frame.get_by_role("button", name="Check my draft").click()
    frame.get_by_role("heading", name="Draft check").wait_for()
    inner = page.frames[1]
    run_id = Draft.objects.get().run_id
    with worker_paused_mid_run(celery_worker, run_id) as stored:
        # The page's next poll shows the claims decided so far, with the run still going.
        inner.wait_for_function(
            f"(({PROGRESS_SHOWN})() || {{claims: 0}}).claims >= {stored}", timeout=30_000
        )
        shown = inner.evaluate(PROGRESS_SHOWN)
        assert shown == {"claims": stored, "valuenow": shown["valuenow"], "state": "running"}
        assert shown["valuenow"] < 100
        assert_no_axe_violations(inner)

    finished = frame.locator("#results-h")
    finished.wait_for(timeout=240_000)
    run = VerificationRun.objects.get(pk=run_id)
    total = run.claims.count()
    assert run.status == VerificationRun.Status.DONE
    assert stored < total
    assert total >= 15
    assert finished.inner_text() == f"Finished: {total} claims checked."
    assert frame.locator("article.claim").count() == total
    # Each contradicted or unsupported claim links to its passage to reread.
    flagged = frame.locator("article.claim.v-contradicted, article.claim.v-not_enough_evidence")
    links = frame.locator("p.reread a")
    assert 1 <= links.count() <= flagged.count()
    assert_no_axe_violations(inner)
    _screenshots(page, "draft-results")

    claim_text = links.first.locator("xpath=ancestor::article").locator(".claim-text").inner_text()
    links.first.click()
    frame.get_by_role("heading", name="Passage to reread").wait_for()
    assert claim_text in frame.locator("main").inner_text()
    assert frame.locator("blockquote.passage").inner_text().strip()
    assert_no_axe_violations(page.frames[1])
    _screenshots(page, "draft-passage")
