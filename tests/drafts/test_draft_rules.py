"""The draft check's rules as a student and an instructor meet them in the frame."""

from datetime import UTC, timedelta

from django.utils import timezone

from drafts.models import Draft
from drafts.services import drafts_prune
from tests.drafts.conftest import DraftCourse
from verification.models import ClaimResult, VerificationRun

DRAFT = "Photosynthesis turns light energy into chemical energy. Respiration happens in cells."


def _post(client, text: str = DRAFT, **extra: str):  # type: ignore[no-untyped-def]
    return client.post("/drafts/", {"text": text, **extra})


def test_the_eleventh_check_in_24_hours_is_refused_with_the_next_allowed_time(
    draft_course: DraftCourse,
) -> None:
    client = draft_course.client(draft_course.learner, "learner")
    assert "10 of 10 draft checks left in any 24 hours." in client.get("/drafts/").content.decode()
    for _ in range(10):
        assert _post(client).status_code == 302
    first = Draft.objects.order_by("created_at").first()
    assert first is not None
    # The oldest of the ten was 23 hours ago: one check frees up in an hour.
    Draft.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=23))
    next_at = (timezone.now() + timedelta(hours=1)).astimezone(UTC)

    response = _post(client)

    assert response.status_code == 429
    page = response.content.decode()
    assert "You have used all 10 draft checks for this assignment in the last 24 hours" in page
    assert f"Your next check is possible at {next_at:%H:%M} UTC on {next_at:%A} " in page
    assert Draft.objects.count() == 10
    form = client.get("/drafts/").content.decode()
    assert f"No draft checks left until {next_at:%H:%M} UTC on {next_at:%A} " in form
    # Rolling 24 hours, not a calendar day: once the oldest is 24 hours old, one more.
    Draft.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert _post(client).status_code == 302
    assert Draft.objects.count() == 11


def test_the_limit_counts_each_student_and_assignment_apart(draft_course: DraftCourse) -> None:
    course = draft_course.course
    course.draft_checks_per_day = 1
    course.save()
    assignment = course.assignments.create(canvas_assignment_id=71, name="Essay 2")
    learner = draft_course.client(draft_course.learner, "learner")
    assert _post(learner).status_code == 302
    assert _post(learner).status_code == 429
    assert _post(learner, assignment=str(assignment.pk)).status_code == 302
    assert _post(draft_course.client(draft_course.classmate, "learner")).status_code == 302


def test_an_instructor_sees_how_many_drafts_but_cannot_read_one(
    draft_course: DraftCourse,
) -> None:
    learner = draft_course.client(draft_course.learner, "learner")
    _post(learner, text="A secret sentence about chloroplasts only I wrote.")
    draft = Draft.objects.get()
    VerificationRun.objects.filter(pk=draft.run_id).update(status=VerificationRun.Status.DONE)
    instructor = draft_course.client(draft_course.instructor, "instructor")

    class_view = instructor.get("/course/").content.decode()
    assert '1</span><span class="stat-label">draft checked by students' in class_view
    for path in ("", "progress/", "claims/0/passage/"):
        assert instructor.get(f"/drafts/{draft.public_id}/{path}").status_code == 404
    listing = instructor.get("/drafts/course/").content.decode()
    assert "Drafts are private to each student" in listing
    assert "Lee Learner" not in listing
    assert "chloroplasts" not in listing + class_view
    classmate = draft_course.client(draft_course.classmate, "learner")
    assert classmate.get(f"/drafts/{draft.public_id}/").status_code == 404
    assert learner.get(f"/drafts/{draft.public_id}/").status_code == 200

    # The course setting lets instructors read drafts.
    draft_course.course.drafts_visible_to_staff = True
    draft_course.course.save()
    assert "Lee Learner" in instructor.get("/drafts/course/").content.decode()
    assert instructor.get(f"/drafts/{draft.public_id}/").status_code == 200


def test_draft_checks_turned_off_say_so_and_check_nothing(draft_course: DraftCourse) -> None:
    draft_course.course.drafts_enabled = False
    draft_course.course.save()
    client = draft_course.client(draft_course.learner, "learner")

    page = client.get("/drafts/").content.decode()
    response = _post(client)

    message = "Your instructor has turned off draft checks in this course."
    assert message in page
    assert 'name="text"' not in page
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Draft.objects.exists()
    assert not VerificationRun.objects.exists()


def test_drafts_past_the_course_retention_are_deleted_with_run_and_claims(
    draft_course: DraftCourse,
) -> None:
    client = draft_course.client(draft_course.learner, "learner")
    _post(client, text="An old draft.")
    _post(client, text="A new draft.")
    old, new = Draft.objects.order_by("pk")
    ClaimResult.objects.create(
        run_id=old.run_id, claim_index=0, text="An old draft.", start=0, end=13,
        label="supported", confidence=0.9,
    )  # fmt: skip
    Draft.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    Draft.objects.filter(pk=new.pk).update(created_at=timezone.now() - timedelta(days=29))

    assert drafts_prune() == 1

    assert list(Draft.objects.values_list("pk", flat=True)) == [new.pk]
    assert not VerificationRun.objects.filter(pk=old.run_id).exists()
    assert not ClaimResult.objects.filter(run_id=old.run_id).exists()
    assert not VerificationRun.objects.filter(submission_text__contains="An old draft").exists()
    # A course keeping drafts longer keeps this one.
    draft_course.course.draft_retention_days = 60
    draft_course.course.save()
    Draft.objects.filter(pk=new.pk).update(created_at=timezone.now() - timedelta(days=45))
    assert drafts_prune() == 0
