"""The instructor's single-claim check on the class view: who gets it, the clear
errors, and the worker's answer through the report's engine path and claim cache.
The whole path on real worker processes, under a flood: tests/e2e/test_realtime_priority.py."""

import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone

from ops.models import WorkerHeartbeat
from tests.factories import MATERIALS_TEXT
from verification import claim_check
from verification.models import Material
from verification.services import UploadedMaterial, material_add

pytestmark = pytest.mark.django_db
URL = "/course/claim-check/"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def realtime_worker_seen() -> None:
    """A realtime worker's heartbeat row, as a live one writes it."""
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        hostname="realtime@test", pid=1, queues="realtime", started_at=now, last_seen_at=now
    )


@pytest.fixture
def course_with_materials(course_a):
    corpus = course_a.course.corpus
    corpus.materials.all().delete()
    material_add(
        corpus=corpus, upload=UploadedMaterial("biology.txt", MATERIALS_TEXT.encode(), "text/plain")
    )
    return course_a


def test_the_class_view_offers_the_check_to_instructors_only(course_a, as_user):
    instructor = as_user(course_a, course_a.instructor, "instructor")
    ta = as_user(course_a, course_a.instructor, "ta")

    page = instructor.get("/course/").content.decode()

    assert 'id="claim-check"' in page
    assert 'action="/course/claim-check/?lti_session=' in page
    assert 'id="claim-check"' not in ta.get("/course/").content.decode()
    assert ta.post(URL, {"sentence": "Plants need light."}, **JSON).status_code == 403


def test_a_learner_cannot_use_the_check(course_a, as_user):
    learner = as_user(course_a, course_a.learners[0], "learner")

    response = learner.post(URL, {"sentence": "Plants need light."}, **JSON)

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("sentence", "message"),
    [
        ("   ", "Type the sentence to check."),
        ("Plants need light. " * 40, "the check takes one sentence of up to 500 characters"),
    ],
)
def test_an_empty_or_over_long_sentence_is_refused_with_a_message(
    course_with_materials, as_user, realtime_worker_seen, sentence, message
):
    instructor = as_user(course_with_materials, course_with_materials.instructor, "instructor")

    response = instructor.post(URL, {"sentence": sentence}, **JSON)

    assert response.status_code == 400
    assert message in response.json()["summary"]
    assert message in response.json()["html"]


def test_a_course_without_materials_is_told_to_add_them(course_a, as_user, realtime_worker_seen):
    course_a.course.corpus.materials.all().delete()
    instructor = as_user(course_a, course_a.instructor, "instructor")

    response = instructor.post(URL, {"sentence": "Plants need light to grow."}, **JSON)

    assert response.status_code == 400
    assert "This course has no materials yet" in response.json()["summary"]


def test_without_a_realtime_worker_the_form_post_says_try_again_and_keeps_the_sentence(
    course_with_materials, as_user
):
    instructor = as_user(course_with_materials, course_with_materials.instructor, "instructor")

    response = instructor.post(URL, {"sentence": "Plants need light to grow."})

    assert response.status_code == 503
    page = response.content.decode()
    assert "The checker is not running right now. Try again in a minute" in page
    assert ">Plants need light to grow.</textarea>" in page
    assert "Traceback" not in page


def test_a_worker_that_does_not_answer_in_time_gives_try_again(
    course_with_materials, as_user, realtime_worker_seen, settings
):
    settings.SMARTNOTES_CLAIM_CHECK_TIMEOUT_S = 0.2  # no worker process runs in this test
    instructor = as_user(course_with_materials, course_with_materials.instructor, "instructor")

    response = instructor.post(URL, {"sentence": "Plants need light to grow."}, **JSON)

    assert response.status_code == 503
    assert response.json()["summary"].startswith("The checker is busy and did not answer in time")


def _answer(check_id: str) -> dict:
    return cache.get(f"claimcheck:answer:{check_id}")


def _check(corpus_id: int, sentence: str) -> dict:
    check_id = uuid.uuid4().hex
    cache.set(f"claimcheck:request:{check_id}", {"corpus_id": corpus_id, "sentence": sentence})
    claim_check.claim_check_execute(check_id=check_id)
    return _answer(check_id)


def test_the_worker_answers_like_a_report_and_from_the_claim_cache_the_second_time(
    course_with_materials, verifier_settings
):
    corpus_id = course_with_materials.course.corpus_id
    sentence = "Photosynthesis takes place in the mitochondria."
    cache.clear()  # the shared claim cache of an earlier run knows this sentence

    first = _check(corpus_id, sentence)
    second = _check(corpus_id, sentence)

    assert first["ok"], first
    (claim,) = first["claims"]
    assert claim["text"] == sentence
    assert claim["label"] in {"supported", "partially_supported", "contradicted"}
    assert claim["evidence_quote"]
    assert claim["source"]["file_name"] == "biology.txt"
    assert not claim["from_cache"]
    assert second["claims"][0]["from_cache"]
    assert second["claims"][0]["label"] == claim["label"]
    row = claim_check.claim_row(second["claims"][0])
    assert (row.effective, row.number) == (claim["label"], 1)
    assert row.evidence_source.startswith("biology.txt, paragraph")


def test_a_question_is_answered_with_why_it_was_not_checked(
    course_with_materials, verifier_settings
):
    answer = _check(course_with_materials.course.corpus_id, "Where does photosynthesis happen?")

    assert answer["ok"]
    assert answer["claims"] == []
    assert claim_check.skip_message(answer["skipped"]).startswith("This reads as a question")


def test_new_materials_give_the_worker_a_new_index(course_with_materials, verifier_settings):
    corpus = course_with_materials.course.corpus
    before = claim_check.corpus_index_warm(corpus_id=corpus.pk)
    material_add(
        corpus=corpus,
        upload=UploadedMaterial("extra.txt", b"Mosses reproduce with spores.", "text/plain"),
    )

    after = claim_check.corpus_index_warm(corpus_id=corpus.pk)

    assert after is not before
    assert claim_check.corpus_index_warm(corpus_id=corpus.pk) is after
    assert Material.objects.filter(corpus=corpus).count() == 2
