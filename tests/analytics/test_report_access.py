"""The one access rule (analytics.selectors.access) on every report page and export,
for each role: a student opens their own released report only, instructors and TAs
every report of their course (held ones included), administrators their course's."""

import pytest

from analytics.access import CourseScope
from analytics.selectors.access import reports_visible_to
from canvas_pipeline.models import SubmissionJob
from lti_tool.claims import Role
from tests.analytics.conftest import ROLES

pytestmark = pytest.mark.django_db
State = SubmissionJob.State

PAGES = {
    "canvas": "/canvas/reports/{id}/",
    "learner": "/course/my-feedback/{id}/",
    "staff": "/course/submissions/{id}/",
}
# (who, job state) -> status per page. "owner" is the report's student.
EXPECTED = [
    ("owner", State.DONE, {"canvas": 200, "learner": 200, "staff": 403}),
    ("owner", State.HELD, {"canvas": 404, "learner": 404, "staff": 403}),
    ("owner", State.POSTING, {"canvas": 404, "learner": 404, "staff": 403}),
    ("other_student", State.DONE, {"canvas": 404, "learner": 404, "staff": 403}),
    ("instructor", State.DONE, {"canvas": 200, "learner": 403, "staff": 200}),
    ("instructor", State.HELD, {"canvas": 200, "learner": 403, "staff": 200}),
    ("ta", State.DONE, {"canvas": 200, "learner": 403, "staff": 200}),
    ("ta", State.HELD, {"canvas": 200, "learner": 403, "staff": 200}),
    ("admin", State.DONE, {"canvas": 200, "learner": 403, "staff": 403}),
    ("other_course_instructor", State.DONE, {"canvas": 404, "learner": 403, "staff": 404}),
]


@pytest.fixture
def report_job(course_a):
    job = SubmissionJob.objects.filter(
        course=course_a.course, state=State.DONE, run__isnull=False
    ).first()
    owner = next(u for u in course_a.learners if u.canvas_user_id == job.canvas_user_id)
    return job, owner


def _client(who, course_a, course_b, owner, as_user, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(ROLES, "admin", [Role.INSTITUTION_ADMINISTRATOR])
    if who == "owner":
        return as_user(course_a, owner, "learner")
    if who == "other_student":
        other = next(u for u in course_a.learners if u.pk != owner.pk)
        return as_user(course_a, other, "learner")
    if who == "other_course_instructor":
        return as_user(course_b, course_b.instructor, "instructor")
    return as_user(course_a, course_a.instructor, who)


@pytest.mark.parametrize(("who", "state", "expected"), EXPECTED)
@pytest.mark.parametrize("page", list(PAGES))
def test_each_role_on_each_report_page(
    course_a, course_b, report_job, as_user, monkeypatch, who, state, expected, page
):
    job, owner = report_job
    SubmissionJob.objects.filter(pk=job.pk).update(state=state)
    client = _client(who, course_a, course_b, owner, as_user, monkeypatch)

    response = client.get(PAGES[page].format(id=job.public_id))

    assert response.status_code == expected[page]
    if response.status_code == 200:
        first_claim = job.run.claims.order_by("claim_index").first()
        assert first_claim.text in response.content.decode()


@pytest.mark.parametrize(
    ("who", "sees"), [("instructor", True), ("ta", True), ("other_course_instructor", False)]
)
def test_the_claim_export_follows_the_rule(
    course_a, course_b, report_job, as_user, monkeypatch, who, sees
):
    job, owner = report_job
    SubmissionJob.objects.filter(pk=job.pk).update(state=State.HELD)  # staff see held ones
    client = _client(who, course_a, course_b, owner, as_user, monkeypatch)

    body = b"".join(client.get("/course/export/claims.csv").streaming_content).decode()

    assert (f",{job.canvas_submission_id}," in body) is sees


def test_a_learner_with_no_canvas_id_or_sub_sees_nothing(course_a):
    from lti_tool.models import LtiUser

    nobody = LtiUser(platform=course_a.platform, sub="", canvas_user_id="")
    scope = CourseScope(
        context=course_a.context,
        course=course_a.course,
        user=nobody,
        is_staff=False,
        is_instructor=False,
    )

    assert not reports_visible_to(scope).exists()
