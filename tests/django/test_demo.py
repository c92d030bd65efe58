import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import MATERIALS_TEXT, MaterialFactory, RunFactory, docx_bytes
from verification import services
from verification.models import VerificationRun

pytestmark = [pytest.mark.django_db]


def own(client, run) -> None:
    """Make ``client`` the browser that created ``run`` (the demo's signed cookie)."""
    from django.core.signing import get_cookie_signer

    from verification import demo

    signer = get_cookie_signer(salt=demo.OWNED_COOKIE + demo.OWNED_SALT)
    client.cookies[demo.OWNED_COOKIE] = signer.sign(str(run.public_id))


def test_demo_form_offers_materials_essay_and_an_example(client):
    page = client.get(reverse("verification:demo")).content.decode()

    assert "Course materials" in page
    assert "Student essay" in page
    assert "Fill in an example" in page


def test_posting_the_demo_creates_a_pending_run_without_verifying_in_the_request(client):
    response = client.post(
        reverse("verification:demo"),
        {
            "material_text": MATERIALS_TEXT,
            "material_files": [
                SimpleUploadedFile("ch2.docx", docx_bytes("Light", ["Plants need light."]))
            ],
            "essay_text": "Photosynthesis requires light energy from the sun.",
        },
    )

    run = VerificationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("verification:demo-run", args=[run.public_id])
    assert run.status == VerificationRun.Status.PENDING
    assert run.corpus.materials.count() == 2


def test_demo_without_materials_explains_what_is_missing(client):
    response = client.post(reverse("verification:demo"), {"essay_text": "Cells divide."})

    assert response.status_code == 200
    assert "Add course materials" in response.content.decode()
    assert not VerificationRun.objects.exists()


def test_unreadable_essay_file_gets_a_clear_message_from_the_worker(client):
    response = client.post(
        reverse("verification:demo"),
        {
            "material_text": MATERIALS_TEXT,
            "essay_file": SimpleUploadedFile("essay.pdf", b"%PDF-1.4 broken", "application/pdf"),
        },
    )
    run = VerificationRun.objects.get()
    services.run_execute(run_id=run.id)

    page = client.get(response["Location"]).content.decode()
    run.refresh_from_db()
    assert run.status == VerificationRun.Status.FAILED
    assert run.error_code == "essay_corrupt"
    assert "essay.pdf could not be read as PDF" in page


def test_progress_reports_a_queued_run(client):
    run = RunFactory()
    own(client, run)

    body = client.get(reverse("verification:demo-run-progress", args=[run.public_id])).json()

    assert (body["state"], body["progress"], body["checked"], body["claims"]) == (
        "queued",
        0.0,
        0,
        [],
    )


def test_finished_report_escapes_html_from_the_essay(client, verifier_settings):
    run = RunFactory(
        submission_text="<script>alert('x')</script> Photosynthesis requires light energy."
    )
    MaterialFactory(corpus=run.corpus)
    services.run_execute(run_id=run.id)
    own(client, run)

    page = client.get(reverse("verification:demo-run", args=[run.public_id])).content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert "As a Canvas comment" in page


def test_demo_is_off_in_production(client, settings):
    settings.SMARTNOTES_DEMO_ENABLED = False

    assert client.get(reverse("verification:demo")).status_code == 404


def test_the_demo_report_numbers_claims_as_the_comment_does_without_repeating_itself(
    client, verifier_settings
):
    run = RunFactory(
        submission_text="Photosynthesis requires light energy. Plants absorb oxygen at night."
    )
    MaterialFactory(corpus=run.corpus)
    services.run_execute(run_id=run.id)
    own(client, run)

    page = client.get(reverse("verification:demo-run", args=[run.public_id])).content.decode()

    for claim in run.claims.all():
        number = claim.claim_index + 1
        assert f"[{number}] " in page.split('<pre class="comment">')[1]  # the comment
        assert f'<span class="muted">[{number}] confidence' in page  # the card
    assert "Closest evidence:" not in page  # the card no longer restates quote and source
