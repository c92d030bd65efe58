"""A Document-Processor-only install: the LTI registration alone (no canvas_connect, no
REST token). Materials are added by command, notices are processed and Asset Reports
returned; nothing calls the Canvas REST API."""

from io import StringIO

import pytest
from django.core.management import call_command

from canvas_pipeline.models import CanvasInstallation, SubmissionJob
from tests.asset_processor.conftest import attach, run_job
from tests.factories import MATERIALS_TEXT


@pytest.mark.usefixtures("verifier_settings")
def test_materials_by_command_then_a_notice_gets_a_processed_report(
    client, lms, canvas, notices, tmp_path
):
    assert attach(client, lms, canvas).status_code == 200
    installation = CanvasInstallation.objects.get()
    assert installation.api_token_encrypted == ""
    notes = tmp_path / "notes.md"
    notes.write_text(MATERIALS_TEXT)
    out = StringIO()

    call_command(
        "course_materials_add", "--platform", "Local Canvas", "--context", "course-1", str(notes),
        stdout=out,
    )  # fmt: skip
    response = notices.post(client, notices.sign(notices.claims([notices.text_entry()])))
    assert response.status_code == 204
    job = SubmissionJob.objects.get()
    run_job(job.pk)

    job.refresh_from_db()
    assert "notes.md: ingested" in out.getvalue()
    assert job.state == SubmissionJob.State.DONE, job.error_message
    assert [r["processingProgress"] for r in canvas.final_reports()] == ["Processed"]
    assert CanvasInstallation.objects.get().api_token_encrypted == ""


def test_materials_by_canvas_course_id_need_no_canvas_connect(lms, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text(MATERIALS_TEXT)

    call_command(
        "course_materials_add", "--platform", "Local Canvas", "--course", "101", str(notes),
        "--no-index", stdout=StringIO(),
    )  # fmt: skip

    installation = CanvasInstallation.objects.get()
    assert installation.api_token_encrypted == ""
    assert installation.courses.get().corpus.materials.count() == 1
