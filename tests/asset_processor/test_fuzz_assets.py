"""Damaged files as Asset Processor assets: each gets a Failed report (or is read),
naming the file; the job ends FAILED or DONE, never left running."""

import pytest

from canvas_pipeline.models import SubmissionJob
from tests.asset_processor.conftest import run_job
from tests.fuzz.mutations import fixed_mutations

DAMAGED = fixed_mutations(6, seed=17)


@pytest.mark.usefixtures("verifier_settings")
@pytest.mark.parametrize(
    ("name", "data"), DAMAGED, ids=[f"{i}-{n}" for i, (n, _) in enumerate(DAMAGED)]
)
def test_a_damaged_asset_gets_a_report_naming_it(client, processor, notices, canvas, name, data):
    asset = notices.asset(
        data, "application/pdf" if name.endswith(".pdf") else "text/plain", filename=name
    )
    response = notices.post(client, notices.sign(notices.claims([asset])))
    assert response.status_code == 204, response.content
    job = SubmissionJob.objects.get()

    run_job(job.pk)

    job.refresh_from_db()
    assert job.state in (SubmissionJob.State.DONE, SubmissionJob.State.FAILED)
    final = canvas.final_reports()[-1]
    assert final["processingProgress"] in ("Processed", "Failed", "NotProcessed")
    if final["processingProgress"] != "Processed":
        assert name in final["comment"]
