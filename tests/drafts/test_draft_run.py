"""A draft checked end to end on the real engine path (the test NLI model), as the
real-time worker runs it: results for the student, nothing for Canvas."""

import re
from html import escape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from canvas_pipeline.models import SubmissionJob
from drafts import tasks
from drafts.models import Draft
from tests.drafts.conftest import DraftCourse
from tests.factories import ESSAY_TEXT, docx_bytes
from verification.models import VerificationRun


@pytest.fixture
def checked_draft(
    draft_course: DraftCourse,
    verifier_settings: None,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Draft, Any]:
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.run_execute, "delay", lambda *args: sent.append(args))
    client = draft_course.client(draft_course.learner, "learner")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/drafts/", {"text": ESSAY_TEXT})
    draft = Draft.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(f"/drafts/{draft.public_id}/?")
    # Only the run id is sent, to the drafts task (the real-time queue).
    assert sent == [(draft.run_id,)]
    tasks.run_execute(draft.run_id)  # what the worker does with the message
    return draft, client


def test_a_draft_check_shows_every_claim_and_posts_nothing_to_canvas(
    checked_draft: tuple[Draft, Any], fake_canvas: Any
) -> None:
    draft, client = checked_draft
    run = VerificationRun.objects.get(pk=draft.run_id)
    assert (run.status, run.source) == (VerificationRun.Status.DONE, "draft")
    claims = run.claims.count()
    assert claims >= 3

    page = client.get(f"/drafts/{draft.public_id}/").content.decode()

    assert page.count('class="card claim ') == claims
    assert f"Finished: {claims} claims checked." in page
    assert "Source: " in page
    # Nothing went to Canvas: no comment, no submission fetch, no job that could post one.
    assert fake_canvas.requests == []
    assert not SubmissionJob.objects.exists()


def test_a_contradicted_claim_links_to_the_passage_to_reread(
    checked_draft: tuple[Draft, Any],
) -> None:
    draft, client = checked_draft
    claim = draft.run.claims.exclude(detail__evidence=[]).first()
    assert claim is not None
    claim.label = "contradicted"  # the verdict the link depends on, whatever the model said
    claim.save()

    page = client.get(f"/drafts/{draft.public_id}/").content.decode()
    link = f"/drafts/{draft.public_id}/claims/{claim.claim_index}/passage/"
    assert link in page
    passage = client.get(link).content.decode()

    assert "Passage to reread" in passage
    assert escape(claim.text) in passage
    shown = [e for e in claim.detail["evidence"] if escape(e["passage_text"]) in passage]
    assert shown, "none of the claim's evidence passages is on the page"
    assert escape(shown[0]["source"]["description"]) in passage


def test_an_uploaded_draft_file_is_read_on_the_worker(
    draft_course: DraftCourse, verifier_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks.run_execute, "delay", lambda *args: None)
    client = draft_course.client(draft_course.learner, "learner")
    upload = SimpleUploadedFile("draft.docx", docx_bytes("My draft", [ESSAY_TEXT]))

    assert client.post("/drafts/", {"file": upload}).status_code == 302
    draft = Draft.objects.get()
    tasks.run_execute(draft.run_id)

    run = VerificationRun.objects.get(pk=draft.run_id)
    assert run.status == VerificationRun.Status.DONE
    assert "Photosynthesis turns light energy" in run.submission_text
    assert run.claims.exists()


def test_a_draft_file_over_the_size_limit_is_refused_and_nothing_is_kept(
    draft_course: DraftCourse, settings: Any
) -> None:
    settings.SMARTNOTES_UPLOAD_MAX_BYTES = 1024 * 1024
    client = draft_course.client(draft_course.learner, "learner")
    upload = SimpleUploadedFile("draft.txt", b"Plants need light. " * 80_000, "text/plain")

    response = client.post("/drafts/", {"file": upload})

    assert response.status_code == 400
    message = r"draft\.txt is 1\.\d MB; the limit is 1 MB per file\."
    assert re.search(message, response.content.decode())
    assert not Draft.objects.exists()
    assert not VerificationRun.objects.exists()


def test_an_unreadable_draft_says_why_and_does_not_use_up_a_check(
    draft_course: DraftCourse, verifier_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks.run_execute, "delay", lambda *args: None)
    draft_course.course.draft_checks_per_day = 1
    draft_course.course.save()
    client = draft_course.client(draft_course.learner, "learner")
    broken = SimpleUploadedFile("draft.pdf", b"%PDF-1.4 not really a pdf", "application/pdf")

    assert client.post("/drafts/", {"file": broken}).status_code == 302
    draft = Draft.objects.get()
    tasks.run_execute(draft.run_id)

    run = VerificationRun.objects.get(pk=draft.run_id)
    assert run.status == VerificationRun.Status.FAILED
    page = client.get(f"/drafts/{draft.public_id}/").content.decode()
    assert "The check stopped." in page
    assert escape(run.error_message) in page
    assert "Traceback" not in page
    assert client.post("/drafts/", {"text": ESSAY_TEXT}).status_code == 302
