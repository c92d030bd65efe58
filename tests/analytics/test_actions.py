"""Instructor actions: overrides (who/when, used by the student's pages and the
error rate), review approval through the pipeline, retry, settings, materials, CSV."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from analytics.models import ClaimOverride
from canvas_pipeline.models import CommentPosting, SubmissionJob
from verification.models import ClaimResult, Material

pytestmark = pytest.mark.django_db


def _learner_job(seed, index=2):
    learner = seed.learners[index]
    job = (
        SubmissionJob.objects.filter(
            course=seed.course, canvas_user_id=learner.canvas_user_id, state="done"
        )
        .order_by("-received_at")
        .first()
    )
    return learner, job


def _claim(job, label=None):
    claims = ClaimResult.objects.filter(run=job.run).order_by("claim_index")
    return claims.filter(label=label).first() if label else claims.first()


def test_override_wrong_changes_students_feedback_and_analytics(course_a, as_user):
    learner, job = _learner_job(course_a)
    claim = _claim(job)
    new_label = "contradicted" if claim.label != "contradicted" else "supported"
    student = as_user(course_a, learner, "learner")
    before = student.get("/course/my-analytics/").context["data"]
    instructor = as_user(course_a, course_a.instructor, "instructor")

    response = instructor.post(
        f"/course/claims/{claim.pk}/override/", {"action": "wrong", "label": new_label}
    )

    assert response.status_code == 302
    assert "notice=override" in response["Location"]
    assert "lti_session=" in response["Location"]
    override = ClaimOverride.objects.get(claim=claim)
    assert (override.model_label, override.label, override.is_model_correct) == (
        claim.label,
        new_label,
        False,
    )
    assert override.created_by == course_a.instructor
    assert override.created_at is not None
    page = student.get(f"/course/my-feedback/{job.public_id}/").content.decode()
    assert f'<article class="card claim v-{new_label}" id="claim-{claim.claim_index}"' in page
    assert "Corrected by your instructor" in page
    after = student.get("/course/my-analytics/").context["data"]
    delta = {c.label: c.count for c in after.counts}
    for c in before.counts:
        expected = c.count + (c.label == new_label) - (c.label == claim.label)
        assert delta[c.label] == expected


def test_override_right_keeps_label_and_counts_in_error_rate(course_a, as_user):
    _, job = _learner_job(course_a)
    first, second = ClaimResult.objects.filter(run=job.run).order_by("claim_index")[:2]
    instructor = as_user(course_a, course_a.instructor, "instructor")
    instructor.post(f"/course/claims/{first.pk}/override/", {"action": "right"})
    other = "supported" if second.label != "supported" else "contradicted"
    instructor.post(f"/course/claims/{second.pk}/override/", {"action": "wrong", "label": other})
    assert ClaimOverride.objects.get(claim=first).label == first.label
    page = instructor.get("/course/")
    assert page.context["overview"].error_rate == {"reviewed": 2, "wrong": 1, "rate": 0.5}
    assert "1 of 2 reviewed verdicts wrong" in page.content.decode()


def test_override_wrong_with_same_label_is_refused_with_message(course_a, as_user):
    _, job = _learner_job(course_a)
    claim = _claim(job)
    instructor = as_user(course_a, course_a.instructor, "instructor")
    response = instructor.post(
        f"/course/claims/{claim.pk}/override/", {"action": "wrong", "label": claim.label}
    )
    assert response.status_code == 400
    assert "must differ" in response.content.decode()
    assert not ClaimOverride.objects.filter(claim=claim).exists()


def test_override_undo_restores_model_verdict(course_a, as_user):
    _, job = _learner_job(course_a)
    claim = _claim(job)
    instructor = as_user(course_a, course_a.instructor, "instructor")
    instructor.post(f"/course/claims/{claim.pk}/override/", {"action": "right"})
    instructor.post(f"/course/claims/{claim.pk}/override/", {"action": "clear"})
    assert not ClaimOverride.objects.filter(claim=claim).exists()


def test_approve_posts_through_the_pipeline(course_a, as_user, django_capture_on_commit_callbacks):
    held = SubmissionJob.objects.filter(course=course_a.course, state="held").first()
    instructor = as_user(course_a, course_a.instructor, "instructor")
    assert str(held.public_id) in instructor.get("/course/review/").content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = instructor.post(f"/course/review/{held.public_id}/approve/")
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.state == "posting"
    assert CommentPosting.objects.get(job=held).approved_by == course_a.instructor
    assert len(callbacks) == 1  # the post step is enqueued on commit


def test_bulk_approve_approves_every_held_report_of_the_assignment(course_a, as_user):
    assignment = course_a.assignments[-1]
    assert SubmissionJob.objects.filter(assignment=assignment, state="held").count() == 2
    instructor = as_user(course_a, course_a.instructor, "instructor")
    response = instructor.post(f"/course/review/assignments/{assignment.pk}/approve/")
    assert response.status_code == 302
    assert not SubmissionJob.objects.filter(assignment=assignment, state="held").exists()
    assert CommentPosting.objects.filter(job__assignment=assignment).count() == 2
    assert "No reports are waiting" in instructor.get("/course/review/").content.decode()


def test_approved_report_becomes_visible_to_the_student(course_a, as_user):
    held = SubmissionJob.objects.filter(course=course_a.course, state="held").first()
    learner = next(u for u in course_a.learners if u.canvas_user_id == held.canvas_user_id)
    student = as_user(course_a, learner, "learner")
    assert student.get(f"/course/my-feedback/{held.public_id}/").status_code == 404
    as_user(course_a, course_a.instructor, "instructor").post(
        f"/course/review/{held.public_id}/approve/"
    )
    # Approved, its comment on the way: released once the posting step finishes.
    assert student.get(f"/course/my-feedback/{held.public_id}/").status_code == 404
    SubmissionJob.objects.filter(pk=held.pk).update(state="done")  # what job_post does
    assert student.get(f"/course/my-feedback/{held.public_id}/").status_code == 200


def test_failed_job_shows_reason_and_retry_restarts_it(course_a, as_user):
    failed = SubmissionJob.objects.get(course=course_a.course, state="failed")
    instructor = as_user(course_a, course_a.instructor, "instructor")
    page = instructor.get("/course/").content.decode()
    assert "Canvas returned 503 while downloading the attachment." in page
    assert f"/course/submissions/{failed.public_id}/retry/" in page
    assert "Position 1 in the queue" in page  # the queued job
    instructor.post(f"/course/submissions/{failed.public_id}/retry/")
    failed.refresh_from_db()
    assert (failed.state, failed.error_message) == ("received", "")


def test_settings_save_and_validate(course_a, as_user):
    instructor = as_user(course_a, course_a.instructor, "instructor")
    data = {"is_enabled": "on", "hold_for_review": "on", "min_confidence": "0.6"}
    assert instructor.post("/course/settings/", data).status_code == 302
    course_a.course.refresh_from_db()
    assert (course_a.course.auto_post, course_a.course.hold_for_review) == (False, True)
    assert course_a.course.min_confidence == 0.6
    response = instructor.post("/course/settings/", {**data, "min_confidence": "1.5"})
    assert response.status_code == 400
    course_a.course.refresh_from_db()
    assert course_a.course.min_confidence == 0.6


def test_materials_upload_adds_to_the_course_corpus(course_a, as_user):
    instructor = as_user(course_a, course_a.instructor, "instructor")
    upload = SimpleUploadedFile("week1.txt", b"Osmosis moves water.", content_type="text/plain")
    response = instructor.post("/course/settings/materials/", {"files": [upload]})
    assert response.status_code == 302
    material = Material.objects.get(corpus=course_a.course.corpus, file_name="week1.txt")
    assert material.status == "pending"
    assert "week1.txt" in instructor.get("/course/settings/").content.decode()


def test_claim_csv_uses_overrides_and_neutralises_formulas(course_a, as_user):
    _, job = _learner_job(course_a)
    claim = _claim(job)
    claim.text = '=HYPERLINK("http://evil")'
    claim.save(update_fields=["text"])
    instructor = as_user(course_a, course_a.instructor, "instructor")
    other = "supported" if claim.label != "supported" else "contradicted"
    instructor.post(f"/course/claims/{claim.pk}/override/", {"action": "wrong", "label": other})
    response = instructor.get(f"/course/export/claims.csv?assignment={job.assignment_id}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["assignment"] for r in rows} == {job.assignment.name}
    row = next(r for r in rows if r["claim"].startswith("'=HYPERLINK"))
    assert (row["verdict"], row["model_verdict"], row["overridden"]) == (other, claim.label, "yes")
    assert row["claim_number"] == str(claim.claim_index + 1)  # the comment's and pages' number


def test_student_csv_has_one_row_per_student(course_a, as_user):
    instructor = as_user(course_a, course_a.instructor, "instructor")
    body = b"".join(instructor.get("/course/export/students.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == len(course_a.learners)
    first = rows[0]
    assert int(first["claims"]) == sum(
        int(first[k])
        for k in ("supported", "partially_supported", "contradicted", "not_enough_evidence")
    )


def test_class_view_counts_follow_an_override(course_a, as_user):
    instructor = as_user(course_a, course_a.instructor, "instructor")
    before = {c.label: c.count for c in instructor.get("/course/").context["overview"].counts}
    _, job = _learner_job(course_a)
    claim = _claim(job)
    other = "supported" if claim.label != "supported" else "contradicted"
    instructor.post(f"/course/claims/{claim.pk}/override/", {"action": "wrong", "label": other})
    after = {c.label: c.count for c in instructor.get("/course/").context["overview"].counts}
    assert after[other] == before[other] + 1
    assert after[claim.label] == before[claim.label] - 1


def test_seed_command_creates_a_course(db):
    from io import StringIO

    from django.core.management import call_command

    from canvas_pipeline.models import CanvasCourse

    out = StringIO()
    call_command("analytics_seed", "--students", "3", "--assignments", "2", "--claims", "4",
                 stdout=out)  # fmt: skip
    course = CanvasCourse.objects.get(name="Biology 101")
    assert (
        ClaimResult.objects.filter(
            run__in=SubmissionJob.objects.filter(course=course).values("run")
        ).count()
        == 3 * 2 * 4
    )
    assert "3 students x 2 assignments x 4 claims" in out.getvalue()
