"""Cost bombs (#17 item 2): an inflating DOCX, 110,000 x ``<p>x</p>`` and a PDF whose
pages share one content stream are each refused or read within a time budget, with a
message naming the file and the limit, through the engine, ``verify``, the demo and the
Canvas fetch; no run or job is left running.

Measured unbounded (the report): 83 s / 780 MB, 7+ minutes, 9 s. Bounded: well under 2 s.
"""

import time
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests.factories import ESSAY_TEXT, MATERIALS_TEXT
from tests.security import bombs
from verification.engine import MaterialFile, MaterialReadError, ingest_materials
from verification.engine import submission_text_from_html as html_text

# The bar is 2 minutes; the readers refuse these in well under 2 s on one core.
BUDGET_S = 20.0


@pytest.fixture(scope="module")
def bomb_files() -> dict[str, bytes]:
    return {
        "bomb.docx": bombs.inflating_docx(),
        "bomb.html": bombs.empty_paragraphs_html().encode(),
        "bomb.pdf": bombs.shared_stream_pdf(),
    }


class Timer:
    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed_s = time.perf_counter() - self.start


@pytest.mark.parametrize(
    ("name", "limit_words"),
    [
        ("bomb.docx", "inflates to 121 MB"),
        ("bomb.html", "more than 50,000 paragraphs"),
        ("bomb.pdf", "100 MB of page content to parse (limit 16 MB)"),
    ],
)
def test_a_bomb_material_is_refused_in_time_naming_the_limit(bomb_files, name, limit_words):
    with Timer() as timer:
        result = ingest_materials(
            [MaterialFile(name, bomb_files[name]), MaterialFile("ok.txt", b"Cells contain DNA.")]
        )

    assert timer.elapsed_s < BUDGET_S
    (error,) = result.errors
    assert (error.file_name, error.code) == (name, "too_large")
    assert error.message.startswith(name)
    assert limit_words in error.message
    assert [p.text for p in result.passages] == ["Cells contain DNA."]


def test_the_html_text_entry_bomb_is_refused_in_time():
    with Timer() as timer, pytest.raises(MaterialReadError, match="50,000 paragraphs"):
        html_text(bombs.empty_paragraphs_html())

    assert timer.elapsed_s < BUDGET_S


def test_html_reading_is_linear_in_the_number_of_blocks():
    """Ten times the blocks costs about ten times the time (was quadratic: 16k blocks, 3.9 s)."""
    from dataclasses import replace

    from verification.engine import InputLimits

    unbounded = replace(InputLimits(), blocks_max=10**9)

    def cost(n: int) -> float:
        with Timer() as timer:
            html_text(bombs.empty_paragraphs_html(n), unbounded)
        return timer.elapsed_s

    small, large = cost(11_000), cost(110_000)
    assert large < 30 * max(small, 0.01)
    assert large < BUDGET_S


def test_verify_skips_each_bomb_and_reports_from_the_good_material(
    tmp_path, bomb_files, verifier_settings
):
    for name, data in bomb_files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text(MATERIALS_TEXT)
    (tmp_path / "essay.txt").write_text(ESSAY_TEXT)
    out, err = StringIO(), StringIO()

    with Timer() as timer:
        call_command(
            "verify",
            "--materials",
            *(str(tmp_path / n) for n in [*bomb_files, "good.txt"]),
            str(tmp_path / "essay.txt"),
            stdout=out,
            stderr=err,
        )

    assert timer.elapsed_s < BUDGET_S * 3
    for name in bomb_files:
        assert f"skipped {name}: {name}" in err.getvalue()
    assert "good.txt" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["bomb.docx", "bomb.html", "bomb.pdf"])
def test_a_bomb_essay_on_the_demo_fails_its_run_in_time_with_a_message(
    client, settings, bomb_files, name
):
    from verification import services
    from verification.models import VerificationRun

    settings.SMARTNOTES_DEMO_RATE_PER_MINUTE = 10_000
    response = client.post(
        reverse("verification:demo"),
        {"material_text": MATERIALS_TEXT, "essay_file": SimpleUploadedFile(name, bomb_files[name])},
    )
    assert response.status_code == 302
    run = VerificationRun.objects.get()

    with Timer() as timer:
        services.run_execute(run_id=run.id)

    run.refresh_from_db()
    assert timer.elapsed_s < BUDGET_S
    assert run.status == VerificationRun.Status.FAILED
    assert run.error_code == "essay_too_large"
    assert run.error_message.startswith(name)


@pytest.mark.django_db
def test_the_html_bomb_as_a_canvas_text_entry_fails_its_job_in_time(
    fake_canvas, course, signed_event
):
    from canvas_pipeline.models import SubmissionJob
    from canvas_pipeline.services import jobs
    from canvas_pipeline.services.intake import event_intake
    from tests.pipeline.conftest import ASSIGNMENT, COURSE, STUDENT, SUBMISSION

    fake_canvas.add_submission(
        course_id=COURSE,
        assignment_id=ASSIGNMENT,
        user_id=STUDENT,
        submission_id=SUBMISSION,
        attempts=[{"submission_type": "online_text_entry", "body": bombs.empty_paragraphs_html()}],
    )
    job_id = event_intake(body=signed_event()).job_id

    with Timer() as timer:
        jobs.job_process(job_id=job_id)

    job = SubmissionJob.objects.get(pk=job_id)
    assert timer.elapsed_s < BUDGET_S
    assert job.state == SubmissionJob.State.FAILED
    assert job.error_code == "essay_too_large"
    assert "The text entry has more than 50,000 paragraphs" in job.error_message
    assert job.run is None


@pytest.mark.django_db
def test_bomb_attachments_are_noted_and_the_job_fails_in_time(
    fake_canvas, course, signed_event, bomb_files
):
    from canvas_pipeline.models import SubmissionJob
    from canvas_pipeline.services import jobs
    from canvas_pipeline.services.intake import event_intake
    from tests.pipeline.conftest import ASSIGNMENT, COURSE, STUDENT, SUBMISSION

    attachments = [
        fake_canvas.add_file(n, name, data, "application/octet-stream")
        for n, (name, data) in enumerate(bomb_files.items(), start=1)
    ]
    fake_canvas.add_submission(
        course_id=COURSE,
        assignment_id=ASSIGNMENT,
        user_id=STUDENT,
        submission_id=SUBMISSION,
        attempts=[{"submission_type": "online_upload", "attachments": attachments}],
    )
    job_id = event_intake(body=signed_event(submission_type="online_upload")).job_id

    with Timer() as timer:
        jobs.job_process(job_id=job_id)

    job = SubmissionJob.objects.get(pk=job_id)
    assert timer.elapsed_s < BUDGET_S
    assert job.state == SubmissionJob.State.FAILED
    for name in bomb_files:
        assert f"{name} could not be read: {name}" in job.error_message


def test_one_paragraph_of_fifty_thousand_sentences_is_read_in_time():
    """Sentence splitting is windowed (was quadratic: 340 s for this 700 KB paragraph)."""
    data = b"Cells divide. " * 50_000

    with Timer() as timer:
        result = ingest_materials([MaterialFile("one-paragraph.txt", data)])

    assert timer.elapsed_s < BUDGET_S * 2
    assert result.errors == ()
    assert result.passages
