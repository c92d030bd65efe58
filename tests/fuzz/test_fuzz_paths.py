"""Damaged copies of the corpus files through the demo view and ``verify``: no 500,
no traceback, no run left running, a message naming the file each time. (The Canvas
fetch and the Asset Processor download get the same files in tests/pipeline and
tests/asset_processor.)"""

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import ESSAY_TEXT, MATERIALS_TEXT
from tests.fuzz.mutations import fixed_mutations
from verification import services
from verification.models import VerificationRun

DAMAGED = fixed_mutations(12)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"), DAMAGED, ids=[f"{i}-{n}" for i, (n, _) in enumerate(DAMAGED)]
)
def test_a_damaged_material_and_essay_on_the_demo_end_in_a_finished_run(
    client, settings, verifier_settings, name, data
):
    settings.SMARTNOTES_DEMO_RATE_PER_MINUTE = 10_000
    response = client.post(
        reverse("verification:demo"),
        {
            "material_files": [SimpleUploadedFile(name, data)],
            "material_text": MATERIALS_TEXT,
            "essay_file": SimpleUploadedFile(f"essay-{name}", data),
        },
    )

    assert response.status_code in (200, 302)
    run = VerificationRun.objects.get()
    services.run_execute(run_id=run.id)
    run.refresh_from_db()
    assert run.status in (VerificationRun.Status.DONE, VerificationRun.Status.FAILED)
    if run.status == VerificationRun.Status.FAILED:
        # The essay is read first; a damaged essay fails the run before indexing.
        assert run.error_message.startswith(f"essay-{name}")
    else:
        material = run.corpus.materials.get(file_name=name)
        assert material.status == "ingested" or material.error_message.startswith(name)
    page = client.get(response["Location"])
    assert page.status_code == 200


@pytest.mark.django_db
def test_verify_reads_the_good_material_beside_damaged_ones(tmp_path, verifier_settings):
    paths = []
    for i, (name, data) in enumerate(DAMAGED[:9]):
        path = tmp_path / f"{i}-{name}"
        path.write_bytes(data)
        paths.append(str(path))
    (tmp_path / "good.txt").write_text(MATERIALS_TEXT)
    (tmp_path / "essay.txt").write_text(ESSAY_TEXT)
    out, err = StringIO(), StringIO()

    call_command(
        "verify",
        "--materials",
        *paths,
        str(tmp_path / "good.txt"),
        str(tmp_path / "essay.txt"),
        stdout=out,
        stderr=err,
    )

    assert "Smart Notes checked" in out.getvalue()
    for line in err.getvalue().splitlines():
        assert line.startswith("skipped ")
        assert "Traceback" not in line


@pytest.mark.parametrize(
    ("name", "data"), DAMAGED, ids=[f"{i}-{n}" for i, (n, _) in enumerate(DAMAGED)]
)
def test_verify_with_a_damaged_essay_succeeds_or_names_it(tmp_path, name, data):
    essay = tmp_path / f"essay-{name}"
    essay.write_bytes(data)
    (tmp_path / "good.txt").write_text(MATERIALS_TEXT)

    def verify() -> str:
        try:
            call_command(
                "verify", "--materials", str(tmp_path / "good.txt"), str(essay), stdout=StringIO()
            )
        except CommandError as exc:
            return str(exc)
        return ""

    message = verify()

    assert not message or message.startswith(f"essay-{name}")
