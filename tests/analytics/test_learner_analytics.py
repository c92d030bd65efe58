"""What a learner's analytics say: accuracy, latest attempts, peer comparison only
with enough classmates (and only aggregates), mistake categories, improvement path."""

import uuid

import pytest

from bench.seed import course_seed
from canvas_pipeline.models import SubmissionJob
from verification.models import ClaimResult

pytestmark = pytest.mark.django_db


def _analytics(seed, learner, as_user):
    response = as_user(seed, learner, "learner").get("/course/my-analytics/")
    assert response.status_code == 200
    return response.context["data"], response.content.decode()


def test_accuracy_is_the_supported_share_of_visible_latest_reports(course_a, as_user):
    learner = course_a.learners[3]
    data, _ = _analytics(course_a, learner, as_user)
    claims = ClaimResult.objects.filter(
        run__in=SubmissionJob.objects.filter(
            course=course_a.course, canvas_user_id=learner.canvas_user_id, state="done"
        ).values("run")
    )
    assert data.total == claims.count()
    assert data.accuracy == pytest.approx(claims.filter(label="supported").count() / claims.count())
    assert len(data.trend) == 3  # one point per assignment


def test_a_resubmission_replaces_the_earlier_attempt(course_a, as_user):
    learner = course_a.learners[3]
    before, _ = _analytics(course_a, learner, as_user)
    first = SubmissionJob.objects.filter(
        course=course_a.course, canvas_user_id=learner.canvas_user_id, state="done"
    ).first()
    replaced = ClaimResult.objects.filter(run=first.run).count()
    run = first.run
    run.pk = None
    run.public_id = uuid.uuid4()
    run.save()
    ClaimResult.objects.create(
        run=run,
        claim_index=0,
        text="Only claim.",
        start=0,
        end=11,
        label="contradicted",
        confidence=0.9,
    )
    SubmissionJob.objects.create(
        installation=first.installation,
        course=first.course,
        assignment=first.assignment,
        canvas_submission_id=first.canvas_submission_id,
        canvas_user_id=first.canvas_user_id,
        attempt=first.attempt + 1,
        state="done",
        run=run,
    )
    after, _ = _analytics(course_a, learner, as_user)
    assert after.total == before.total - replaced + 1


def test_peer_comparison_needs_five_classmates(db, as_user):
    small = course_seed(students=5, assignments=1, claims=4, held=0, queued=0, failed=0)
    data, page = _analytics(small, small.learners[0], as_user)  # 4 classmates
    assert data.peers is None
    assert "appears once at least 5 classmates" in page
    big = course_seed(students=6, assignments=1, claims=4, held=0, queued=0, failed=0)
    data, page = _analytics(big, big.learners[0], as_user)  # 5 classmates
    assert data.peers["students"] == 6
    assert 0 <= data.peers["average"] <= data.peers["top10"] <= 1
    assert "class average" in page


def test_peer_comparison_shows_no_other_students_data(course_a, as_user):
    data, page = _analytics(course_a, course_a.learners[3], as_user)
    assert set(data.peers) == {"students", "average", "top10"}
    for other in course_a.learners:
        if other != course_a.learners[3]:
            assert other.name not in page
            assert f"/students/{other.canvas_user_id}/" not in page


def test_categories_and_review_path_come_from_contradicted_claims(course_a, as_user):
    learner = course_a.learners[3]
    job = SubmissionJob.objects.filter(
        course=course_a.course, canvas_user_id=learner.canvas_user_id, state="done"
    ).first()
    ClaimResult.objects.filter(run=job.run, claim_index=0).update(
        label="contradicted",
        text="The treaty was signed in 1815.",
        evidence_quote="The treaty was signed in 1814.",
    )
    data, page = _analytics(course_a, learner, as_user)
    assert any(key == "dates_numbers" for key, _, _ in data.categories)
    assert "The treaty was signed in 1815." in page
    assert "The treaty was signed in 1814." in page
    contradicted = sum(c.count for c in data.counts if c.label == "contradicted")
    assert len(data.to_review) == contradicted
