"""The demo states its limits, enforces them with a message naming them, reads pasted
text like a file of its type, and shows a run only to the browser that created it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.django.test_demo import own
from tests.factories import MATERIALS_TEXT, MaterialFactory, RunFactory, docx_bytes
from verification import services
from verification.models import VerificationRun

pytestmark = [pytest.mark.django_db]


def post_demo(client, **fields):
    data = {"material_text": MATERIALS_TEXT, "essay_text": "Plants need light.", **fields}
    return client.post(reverse("verification:demo"), data)


def test_the_form_states_the_limits_and_never_cuts_pasted_text(client, settings):
    settings.SMARTNOTES_ESSAY_MAX_CHARS = 123_456

    page = client.get(reverse("verification:demo")).content.decode()

    assert "essays up to 123,456 characters" in page
    assert "at most 10 files per upload, each up to 20 MB" in page
    assert "maxlength" not in page


def test_an_essay_over_the_limit_is_refused_naming_the_limit_not_cut(client, settings):
    settings.SMARTNOTES_ESSAY_MAX_CHARS = 2_000
    essay = "Photosynthesis requires light energy from the sun. " * 100

    response = post_demo(client, essay_text=essay)
    run = VerificationRun.objects.get()
    services.run_execute(run_id=run.id)

    run.refresh_from_db()
    assert response.status_code == 302
    assert run.status == VerificationRun.Status.FAILED
    assert "5,099 characters long; the limit is 2,000 characters" in run.error_message
    assert not run.claims.exists()


def test_pasted_html_is_read_like_an_html_file(client, verifier_settings):
    essay = "<script>alert('Photosynthesis requires darkness.')</script><p>Plants need light.</p>"

    post_demo(client, essay_text=essay)
    run = VerificationRun.objects.get()
    services.run_execute(run_id=run.id)

    run.refresh_from_db()
    assert run.submission_text == "Plants need light."
    assert all("darkness" not in claim.text for claim in run.claims.all())


def test_more_files_than_the_limit_are_refused_naming_it(client, settings):
    settings.SMARTNOTES_MAX_FILES = 2
    files = [SimpleUploadedFile(f"m{i}.txt", b"Plants need light.") for i in range(3)]

    response = post_demo(client, material_files=files)

    assert "3 files is more than the limit of 2" in response.content.decode()
    assert not VerificationRun.objects.exists()


def test_a_body_larger_than_the_total_limit_is_refused_before_parsing(client, settings):
    settings.SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.txt", b"Plants need light. " * 200_000)

    response = post_demo(client, material_files=[big])

    assert response.status_code == 413
    assert "larger than the limit of" in response.content.decode()
    assert not VerificationRun.objects.exists()


def test_a_client_posting_too_often_is_told_to_wait(client, settings):
    from django.core.cache import cache

    settings.SMARTNOTES_DEMO_RATE_PER_MINUTE = 2
    cache.delete("demo-rate:127.0.0.1")

    codes = [post_demo(client).status_code for _ in range(3)]

    assert codes == [302, 302, 429]
    assert VerificationRun.objects.count() == 2
    cache.delete("demo-rate:127.0.0.1")


def test_no_readable_material_is_said_once(client):
    broken = SimpleUploadedFile("broken.docx", b"PK\x03\x04 broken")

    post_demo(client, material_text="", material_files=[broken])
    run = VerificationRun.objects.get()
    services.run_execute(run_id=run.id)

    run.refresh_from_db()
    assert run.status == VerificationRun.Status.FAILED
    assert run.error_code == "no_readable_materials"
    assert run.error_message.startswith("None of the course materials could be read")
    assert "broken.docx" in run.error_message
    assert not run.claims.exists()


def test_a_good_material_beside_a_bad_one_is_used(client, verifier_settings):
    files = [
        SimpleUploadedFile("broken.xlsx", b"PK\x03\x04 broken"),
        SimpleUploadedFile("good.docx", docx_bytes("Light", ["Plants need light."])),
    ]

    post_demo(client, material_text="", material_files=files)
    run = VerificationRun.objects.get()
    services.run_execute(run_id=run.id)

    run.refresh_from_db()
    assert run.status == VerificationRun.Status.DONE
    assert {m.file_name: m.status for m in run.corpus.materials.all()} == {
        "broken.xlsx": "failed",
        "good.docx": "ingested",
    }


def test_a_demo_run_is_shown_only_to_the_browser_that_created_it(client):
    response = post_demo(client)

    assert client.get(response["Location"]).status_code == 200
    client.cookies.clear()
    assert client.get(response["Location"]).status_code == 404


def test_a_canvas_run_is_never_shown_on_the_demo_pages(client):
    run = RunFactory(source=VerificationRun.Source.CANVAS)
    own(client, run)

    assert client.get(reverse("verification:demo-run", args=[run.public_id])).status_code == 404
    status_url = reverse("verification:demo-run-progress", args=[run.public_id])
    assert client.get(status_url).status_code == 404


def test_every_material_is_held_to_the_size_limit_not_only_the_first(settings):
    settings.SMARTNOTES_UPLOAD_MAX_BYTES = 100
    corpus = MaterialFactory().corpus

    with pytest.raises(services.ApplicationError, match="the limit is"):
        services.material_add(
            corpus=corpus, upload=services.UploadedMaterial("big.txt", b"x" * 200)
        )
