"""The one progress mechanism (smartnotes.progress, verification.run_progress): a run's
snapshot with ETags, claims shown wave by wave while the run runs, a failure said plainly."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.django.test_demo import own
from tests.factories import MaterialFactory, RunFactory
from verification import services
from verification.engine import Verifier
from verification.models import ClaimResult, VerificationRun
from verification.runtime import verifier_get

pytestmark = [pytest.mark.django_db]

# Five checkable claims: a first wave of three (the most important), then the rest.
ESSAY = (
    "Photosynthesis turns light energy into chemical energy. "
    "Photosynthesis doesn't work without light. "
    "Cellular respiration happens mainly in the chloroplasts. "
    "Chlorophyll is the green pigment found in chloroplasts. "
    "Cellular respiration releases carbon dioxide."
)


def _progress_url(run: VerificationRun) -> str:
    return reverse("verification:demo-run-progress", args=[run.public_id])


@pytest.fixture
def run(client):
    run = RunFactory(submission_text=ESSAY)
    MaterialFactory(corpus=run.corpus)
    own(client, run)
    cache.clear()  # no claim answered from an earlier test's claim cache
    return run


def test_a_snapshot_has_a_strong_etag_and_is_private(client, run):
    response = client.get(_progress_url(run))

    assert response.status_code == 200
    assert response["ETag"].startswith('"')  # strong: no W/ prefix
    assert response["Cache-Control"] == "no-cache, private"
    assert response.json() == {
        "state": "queued",
        "progress": 0.0,
        "stage": "Waiting for a worker",
        "checked": 0,
        "total": None,
        "claims": [],
        "message": "Waiting for a worker to start the check.",
    }


def test_an_unchanged_snapshot_is_not_sent_again(client, run):
    etag = client.get(_progress_url(run))["ETag"]

    again = client.get(_progress_url(run), HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_changed_snapshot_is_sent_with_a_new_etag(client, run):
    etag = client.get(_progress_url(run))["ETag"]
    VerificationRun.objects.filter(pk=run.pk).update(status="running", progress=0.4)

    changed = client.get(_progress_url(run), HTTP_IF_NONE_MATCH=etag)

    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["state"] == "running"
    assert changed.json()["progress"] == 0.4


def test_claims_appear_in_the_snapshot_while_the_run_is_running(
    client, run, verifier_settings, monkeypatch
):
    seen: list[dict] = []
    verify = Verifier.verify

    def verify_watched(self, *args, on_results=None, **kwargs):
        def stored_then_polled(results):
            on_results(results)  # the service stores the wave
            seen.append(client.get(_progress_url(run)).json())

        return verify(self, *args, on_results=stored_then_polled, **kwargs)

    monkeypatch.setattr(Verifier, "verify", verify_watched)

    assert services.run_execute(run_id=run.id) is True

    final = client.get(_progress_url(run)).json()
    assert final["state"] == "done"
    assert final["progress"] == 1.0
    assert final["checked"] == final["total"] == 5
    assert len(seen) >= 2, "one snapshot per wave"
    first = seen[0]
    assert first["state"] == "running"
    assert 0 < first["checked"] < 5
    assert first["total"] == 5
    assert first["message"] == f"{first['checked']} of 5 claims checked."
    # Claims keep their place: each snapshot's list is the start of the final one.
    final_ids = [c["id"] for c in final["claims"]]
    assert [c["id"] for c in first["claims"]] == final_ids[: first["checked"]]
    assert sorted(final_ids) == [f"claim-{i}" for i in range(5)]
    # The fragments are the finished report's claim cards.
    assert 'class="card claim v-' in first["claims"][0]["html"]
    assert all("[" in c["html"] and "confidence" in c["html"] for c in final["claims"])


def test_a_run_that_fails_mid_way_ends_failed_with_a_clear_message(
    client, run, verifier_settings, monkeypatch
):
    from verification.tasks import run_execute as run_execute_task

    scorer = verifier_get().scorer
    score = scorer.score

    def score_until_the_first_wave_is_stored(pairs):
        if ClaimResult.objects.filter(run=run).exists():
            raise RuntimeError("the scoring device went away")
        return score(pairs)

    monkeypatch.setattr(scorer, "score", score_until_the_first_wave_is_stored)

    # Eager: each retry runs at once; the last attempt's failure reaches on_failure.
    run_execute_task.apply((run.id,))

    run.refresh_from_db()
    assert run.status == VerificationRun.Status.FAILED
    assert run.lease_expires_at is None
    assert not VerificationRun.objects.filter(status=VerificationRun.Status.RUNNING).exists()
    snapshot = client.get(_progress_url(run)).json()
    assert snapshot["state"] == "failed"
    assert "the scoring device went away" in snapshot["message"]
    assert "Retry it" in snapshot["message"]
    assert 0 < snapshot["checked"] < 5, "the claims decided before the failure are kept"
