from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MATERIALS_TEXT, MaterialFactory, RunFactory, pdf_bytes
from verification import services
from verification.engine import REPORT_MARKER
from verification.models import ClaimResult, Material, VerificationRun

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def run_with_materials():
    run = RunFactory()
    MaterialFactory(corpus=run.corpus)
    return run


def test_run_create_enqueues_only_the_run_id_after_commit(django_capture_on_commit_callbacks):
    from verification.tasks import run_execute

    corpus = MaterialFactory().corpus
    sent = []
    original = run_execute.delay
    run_execute.delay = lambda *args, **kwargs: sent.append((args, kwargs))
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            run = services.run_create(corpus=corpus, text="Plants need light.", source="cli")
        assert sent == []
        for callback in callbacks:
            callback()
    finally:
        run_execute.delay = original

    assert sent == [((run.id,), {})]
    assert run.status == VerificationRun.Status.PENDING


def test_a_demo_run_goes_to_the_demo_queue_with_time_limits(
    django_capture_on_commit_callbacks, settings
):
    from verification.tasks import run_execute

    settings.SMARTNOTES_DEMO_TIME_LIMIT_S = 100
    corpus = MaterialFactory().corpus
    sent = []
    original = run_execute.apply_async
    run_execute.apply_async = lambda *args, **kwargs: sent.append((args, kwargs))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = services.run_create(corpus=corpus, text="Plants need light.", source="demo")
    finally:
        run_execute.apply_async = original

    assert sent == [(((run.id,),), {"queue": "demo", "soft_time_limit": 100, "time_limit": 130})]


def test_run_create_refuses_an_essay_over_the_limit_naming_it(settings):
    settings.SMARTNOTES_ESSAY_MAX_CHARS = 1000
    corpus = MaterialFactory().corpus

    with pytest.raises(services.ApplicationError, match="limit is 1,000 characters"):
        services.run_create(corpus=corpus, text="Plants need light. " * 100, source="cli")


def test_run_create_refuses_an_empty_essay():
    corpus = MaterialFactory().corpus

    with pytest.raises(services.ApplicationError, match="empty"):
        services.run_create(corpus=corpus, text="   \n", source="demo")


def test_run_execute_stores_every_claim_and_the_comment_text(run_with_materials, verifier_settings):
    assert services.run_execute(run_id=run_with_materials.id) is True

    run = VerificationRun.objects.get(pk=run_with_materials.id)
    claims = list(run.claims.all())
    assert run.status == VerificationRun.Status.DONE
    assert run.progress == 1.0
    assert claims, "the essay has factual claims"
    for claim in claims:
        assert run.submission_text[claim.start : claim.end].strip() == claim.text.strip()
        assert 0.0 <= claim.confidence <= 1.0
        assert claim.label in ClaimResult.Label.values
    assert REPORT_MARKER in run.report_text
    assert "I think biology is fun" not in {c.text for c in claims}


def test_run_execute_leaves_a_finished_run_unchanged(run_with_materials, verifier_settings):
    services.run_execute(run_id=run_with_materials.id)
    finished_at = VerificationRun.objects.get(pk=run_with_materials.id).finished_at

    assert services.run_execute(run_id=run_with_materials.id) is False
    run = VerificationRun.objects.get(pk=run_with_materials.id)
    assert run.finished_at == finished_at
    assert run.attempts == 1


def test_run_claim_refuses_a_run_held_by_a_live_worker(run_with_materials):
    assert services.run_claim(run_id=run_with_materials.id)

    assert not services.run_claim(run_id=run_with_materials.id)
    assert services.run_lease_remaining_s(run_id=run_with_materials.id) > 0


def test_run_claim_takes_over_a_run_whose_worker_died(run_with_materials):
    services.run_claim(run_id=run_with_materials.id)
    VerificationRun.objects.filter(pk=run_with_materials.id).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert services.run_claim(run_id=run_with_materials.id)
    assert VerificationRun.objects.get(pk=run_with_materials.id).attempts == 2


def test_stale_runs_are_sent_again(run_with_materials):
    from verification.tasks import run_execute

    VerificationRun.objects.filter(pk=run_with_materials.id).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    fresh = RunFactory(corpus=run_with_materials.corpus)
    sent = []
    original = run_execute.apply_async
    run_execute.apply_async = lambda args, **kwargs: sent.append(args[0])
    try:
        count = services.runs_requeue_stale()
    finally:
        run_execute.apply_async = original

    assert count == 1
    assert sent == [run_with_materials.id]
    assert fresh.id not in sent


def test_an_unreadable_material_is_reported_and_the_rest_still_used(verifier_settings):
    corpus = services.corpus_create(
        name="mixed",
        files=[
            services.UploadedMaterial(
                "notes.pdf", pdf_bytes(MATERIALS_TEXT.split("\n\n")), "application/pdf"
            ),
            services.UploadedMaterial(
                "broken.pdf", b"%PDF-1.7 this is not really a pdf", "application/pdf"
            ),
        ],
    )
    run = services.run_create(
        corpus=corpus, text="Photosynthesis requires light energy.", source="demo"
    )

    services.run_execute(run_id=run.id)

    run.refresh_from_db()
    broken = corpus.materials.get(file_name="broken.pdf")
    assert run.status == VerificationRun.Status.DONE
    assert broken.status == Material.Status.FAILED
    assert broken.error_message
    assert corpus.materials.get(file_name="notes.pdf").status == Material.Status.INGESTED
    assert "broken.pdf" in run.report_text


def test_corpus_index_is_built_once_per_material_version(run_with_materials, verifier_settings):
    corpus = run_with_materials.corpus
    services.corpus_index_get(corpus=corpus)
    corpus.refresh_from_db()
    first_version, first_blob = corpus.version, bytes(corpus.index_blob)

    services.corpus_index_get(corpus=corpus)
    corpus.refresh_from_db()
    assert (corpus.version, bytes(corpus.index_blob)) == (first_version, first_blob)

    services.material_add(
        corpus=corpus, upload=services.UploadedMaterial("more.txt", b"Mitochondria make ATP.")
    )
    services.corpus_index_get(corpus=corpus)
    corpus.refresh_from_db()
    assert corpus.version != first_version
