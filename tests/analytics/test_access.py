"""Cross-course, cross-student and cross-role access is refused (403/404), and
everything from essays and materials is escaped. Run on PostgreSQL in CI."""

import csv
import io

import pytest

from canvas_pipeline.models import SubmissionJob
from verification.models import ClaimResult, Material

pytestmark = pytest.mark.django_db

STAFF_GETS = [
    "/course/",
    "/course/review/",
    "/course/export/claims.csv",
    "/course/export/students.csv",
]


def _job(seed, learner, **filters):
    return SubmissionJob.objects.filter(
        course=seed.course, canvas_user_id=learner.canvas_user_id, run__isnull=False, **filters
    ).first()


def test_request_without_launch_token_is_refused(client, course_a):
    assert client.get("/course/").status_code == 401
    assert client.get("/course/my-feedback/").status_code == 401


@pytest.mark.parametrize("path", STAFF_GETS)
def test_learner_cannot_open_instructor_pages(course_a, as_user, path):
    learner = as_user(course_a, course_a.learners[0], "learner")
    assert learner.get(path).status_code == 403


def test_learner_cannot_open_submission_or_override(course_a, as_user):
    learner = as_user(course_a, course_a.learners[2], "learner")
    job = _job(course_a, course_a.learners[2])
    claim = ClaimResult.objects.filter(run=job.run).first()
    assert learner.get(f"/course/submissions/{job.public_id}/").status_code == 403
    assert (
        learner.get(f"/course/students/{course_a.learners[2].canvas_user_id}/").status_code == 403
    )
    response = learner.post(f"/course/claims/{claim.pk}/override/", {"action": "right"})
    assert response.status_code == 403
    assert not hasattr(claim, "override") or not ClaimResult.objects.get(pk=claim.pk).__dict__.get(
        "override"
    )


def test_learner_cannot_open_another_students_report(course_a, as_user):
    mine = as_user(course_a, course_a.learners[2], "learner")
    other = _job(course_a, course_a.learners[3])
    assert mine.get(f"/course/my-feedback/{other.public_id}/").status_code == 404
    own = _job(course_a, course_a.learners[2])
    assert mine.get(f"/course/my-feedback/{own.public_id}/").status_code == 200


def test_learner_feedback_lists_only_own_visible_reports(course_a, as_user):
    learner = course_a.learners[0]  # has a held report in the last assignment
    page = as_user(course_a, learner, "learner").get("/course/my-feedback/").content.decode()
    visible = SubmissionJob.objects.filter(
        course=course_a.course, canvas_user_id=learner.canvas_user_id, state="done"
    )
    held = SubmissionJob.objects.get(
        course=course_a.course, canvas_user_id=learner.canvas_user_id, state="held"
    )
    assert page.count("/course/my-feedback/") - 1 == visible.count()  # nav link + one per report
    assert str(held.public_id) not in page
    assert course_a.learners[1].name not in page


def test_learner_of_one_course_sees_nothing_of_another(course_a, course_b, as_user):
    # A learner enrolled in both courses launches from course B: course A's reports stay out.
    learner_b = course_b.learners[0]
    job_a = _job(course_a, course_a.learners[0])
    job_a.canvas_user_id = learner_b.canvas_user_id
    job_a.save(update_fields=["canvas_user_id"])
    client = as_user(course_b, learner_b, "learner")
    assert client.get(f"/course/my-feedback/{job_a.public_id}/").status_code == 404
    assert str(job_a.public_id) not in client.get("/course/my-feedback/").content.decode()


def test_instructor_cannot_reach_another_courses_objects(course_a, course_b, as_user):
    instructor = as_user(course_a, course_a.instructor, "instructor")
    job_b = _job(course_b, course_b.learners[0])
    claim_b = ClaimResult.objects.filter(run=job_b.run).first()
    assignment_b = course_b.assignments[0]
    assert instructor.get(f"/course/submissions/{job_b.public_id}/").status_code == 404
    assert instructor.get(f"/course/assignments/{assignment_b.pk}/").status_code == 404
    assert (
        instructor.get(f"/course/students/{course_b.learners[0].canvas_user_id}/").status_code
        == 404
    )
    assert (
        instructor.get(f"/course/export/claims.csv?assignment={assignment_b.pk}").status_code == 404
    )
    response = instructor.post(f"/course/claims/{claim_b.pk}/override/", {"action": "right"})
    assert response.status_code == 404
    assert instructor.post(f"/course/review/{job_b.public_id}/approve/").status_code == 404
    assert instructor.post(f"/course/submissions/{job_b.public_id}/retry/").status_code == 404
    assert (
        instructor.post(f"/course/review/assignments/{assignment_b.pk}/approve/").status_code == 404
    )


def test_instructor_class_view_shows_only_own_course(course_a, course_b, as_user):
    page = as_user(course_a, course_a.instructor, "instructor").get("/course/").content.decode()
    assert f"/course/students/{course_a.learners[0].canvas_user_id}/" in page
    assert not any(f"/students/{learner.canvas_user_id}/" in page for learner in course_b.learners)
    csv_text = b"".join(
        as_user(course_a, course_a.instructor, "instructor").get("/course/export/claims.csv")
    ).decode()
    ids = {row["canvas_user_id"] for row in csv.DictReader(io.StringIO(csv_text))}
    assert ids == {learner.canvas_user_id for learner in course_a.learners}


def test_teaching_assistant_sees_class_but_not_settings(course_a, as_user):
    ta = as_user(course_a, course_a.instructor, "ta")
    assert ta.get("/course/").status_code == 200
    assert ta.get("/course/settings/").status_code == 403


def test_essay_and_material_text_is_escaped(course_a, as_user):
    learner = course_a.learners[2]
    job = _job(course_a, learner)
    run = job.run
    evil = "<script>alert('x')</script>"
    run.submission_text = evil + " " + run.submission_text
    run.save(update_fields=["submission_text"])
    claim = ClaimResult.objects.filter(run=run).first()
    claim.text = evil
    claim.evidence_quote = "<img src=x onerror=alert(1)>"
    claim.save()
    Material.objects.filter(corpus=course_a.course.corpus).update(file_name="<b>notes</b>.pdf")
    pages = [
        as_user(course_a, learner, "learner").get(f"/course/my-feedback/{job.public_id}/"),
        as_user(course_a, learner, "learner").get("/course/my-analytics/"),
        as_user(course_a, course_a.instructor, "instructor").get(
            f"/course/submissions/{job.public_id}/"
        ),
        as_user(course_a, course_a.instructor, "instructor").get("/course/settings/"),
    ]
    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in body
        assert "<img src=x" not in body
        assert "<b>notes</b>" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in pages[0].content.decode()
    assert "&lt;b&gt;notes&lt;/b&gt;.pdf" in pages[3].content.decode()
