"""The draft check's settings (instructors) and its learning value (My analytics)."""

from canvas_pipeline.models import SubmissionJob
from drafts.models import Draft
from tests.drafts.conftest import DraftCourse
from verification.models import ClaimResult, VerificationRun

SETTINGS = {
    "is_enabled": "on",
    "auto_post": "on",
    "min_confidence": "0",
    "draft_retention_days": "14",
    "draft_checks_per_day": "3",
}


def test_an_instructor_sets_the_draft_rules_of_the_course(draft_course: DraftCourse) -> None:
    instructor = draft_course.client(draft_course.instructor, "instructor")
    page = instructor.get("/course/settings/").content.decode()
    assert "Students can check drafts before submitting" in page

    response = instructor.post("/course/settings/", {**SETTINGS, "drafts_visible_to_staff": "on"})

    assert response.status_code == 302
    course = draft_course.course
    course.refresh_from_db()
    assert (course.drafts_enabled, course.drafts_visible_to_staff) == (False, True)
    assert (course.draft_retention_days, course.draft_checks_per_day) == (14, 3)
    refused = instructor.post("/course/settings/", {**SETTINGS, "draft_retention_days": "0"})
    assert refused.status_code == 400
    assert "greater than or equal to 1" in refused.content.decode()
    learner = draft_course.client(draft_course.learner, "learner")
    assert learner.post("/course/settings/", SETTINGS).status_code == 403


def _claims(run: VerificationRun, labels: list[str]) -> None:
    for index, label in enumerate(labels):
        ClaimResult.objects.create(
            run=run, claim_index=index, text=f"Claim {index}.", start=0, end=1,
            label=label, confidence=0.9,
        )  # fmt: skip


def test_my_analytics_shows_drafts_checked_and_the_improvement_to_the_submission(
    draft_course: DraftCourse,
) -> None:
    course = draft_course.course
    assignment = course.assignments.create(canvas_assignment_id=70, name="Essay 1: Plants")
    learner = draft_course.client(draft_course.learner, "learner")
    for _ in range(2):
        learner.post("/drafts/", {"text": "A draft.", "assignment": str(assignment.pk)})
    done = VerificationRun.Status.DONE
    first, last = Draft.objects.order_by("pk")
    VerificationRun.objects.filter(pk__in=[first.run_id, last.run_id]).update(status=done)
    _claims(first.run, ["contradicted"] * 4)
    _claims(last.run, ["contradicted", "not_enough_evidence", "supported"])
    submitted = VerificationRun.objects.create(
        corpus=course.corpus, source="canvas", submission_text="Final.", status=done
    )
    _claims(submitted, ["supported", "supported", "contradicted"])
    SubmissionJob.objects.create(
        installation=course.installation, course=course, assignment=assignment,
        canvas_submission_id=900, canvas_user_id="502", attempt=1,
        state=SubmissionJob.State.DONE, run=submitted,
    )  # fmt: skip

    page = learner.get("/course/my-analytics/").content.decode()

    assert "<strong>2</strong> drafts checked" in page
    section = page.split('id="drafts-h"')[1]
    row = section.split('<th scope="row">Essay 1: Plants</th>')[1].split("</tr>")[0]
    # Last draft: 2 claims to reread (contradicted + not enough evidence); submission: 1.
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[1:4]] == ["2", "2", "1"]
    assert "improved" in row
