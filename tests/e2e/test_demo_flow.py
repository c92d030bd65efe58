"""The demo's whole path on real processes: web request -> broker -> worker -> report."""

import pytest
from django.urls import reverse

from tests.conftest import wait_until, worker_start, worker_stop
from tests.factories import ESSAY_TEXT, MATERIALS_TEXT
from verification import services
from verification.models import VerificationRun

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def worker_env(worker_env, nli_model_dir):
    worker_env["SMARTNOTES_NLI_MODEL"] = str(nli_model_dir)
    worker_env["SMARTNOTES_NLI_DEVICE"] = "cpu"
    return worker_env


def _submit(client, request_id: str = "") -> VerificationRun:
    response = client.post(
        reverse("verification:demo"),
        {"material_text": MATERIALS_TEXT, "essay_text": ESSAY_TEXT},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 302
    return VerificationRun.objects.latest("id")


def _finished_status(client, run: VerificationRun) -> dict:
    def finished():
        url = reverse("verification:demo-run-progress", args=[run.public_id])
        snapshot = client.get(url).json()
        return snapshot if snapshot["state"] in ("done", "failed") else None

    return wait_until(finished, timeout_s=180, what=f"run {run.pk} to finish")


def test_a_demo_submission_is_verified_by_the_worker(client, celery_worker, tmp_path):
    run = _submit(client, request_id="demo-e2e-request-1")

    status = _finished_status(client, run)

    assert status["state"] == "done", status
    page = client.get(reverse("verification:demo-run", args=[run.public_id])).content.decode()
    assert "Claim by claim" in page
    assert VerificationRun.objects.get(pk=run.pk).claims.exists()
    model = client.get("/health/ready/").json()["components"]["model"]
    assert model["status"] == "ok"
    from verification.engine.nli import cpu_supports_bf16

    precision = "bf16" if cpu_supports_bf16() else "fp32"
    assert [m["device"] for m in model["data"]["loaded"]] == [f"cpu ({precision})"]
    worker_log = (tmp_path / "worker.log").read_text()
    assert '"request_id": "demo-e2e-request-1"' in worker_log, "request id carried into the task"


def test_a_run_is_finished_after_its_worker_is_killed(client, celery_worker, worker_env, tmp_path):
    run = _submit(client)
    wait_until(
        lambda: VerificationRun.objects.get(pk=run.pk).status == "running",
        timeout_s=90,
        what="the worker to start the run",
    )

    worker_stop(celery_worker, kill=True)
    # Time passes: the dead worker's lease lapses (it renews only while alive).
    VerificationRun.objects.filter(pk=run.pk).update(lease_expires_at=run.created_at)
    replacement = worker_start(worker_env, tmp_path / "replacement.log", name="replacement")
    try:
        assert services.runs_requeue_stale() >= 1  # what beat runs every minute
        status = _finished_status(client, run)
    finally:
        worker_stop(replacement)

    run.refresh_from_db()
    assert status["state"] == "done", status
    assert run.attempts == 2
    assert run.claims.exists()
