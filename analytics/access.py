"""The one place in-frame dashboard views are checked: course + role from the LTI launch.

    @course_view(STAFF)
    def class_view(request, scope: CourseScope): ...

`lti_role_required` checks the launch token, the course context and the role;
this adds the Canvas course of that context and who the user is in it, and
hands the view a `CourseScope`. Selectors take the scope (or its course and
Canvas user id), never ids from the URL alone, so a URL naming another
course's or another student's object finds nothing (404).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from canvas_pipeline.models import CanvasCourse, SubmissionJob
from canvas_pipeline.selectors import course_get_for_context
from lti_tool.claims import AppRole
from lti_tool.decorators import lti_role_required
from lti_tool.models import LtiContext, LtiUser

STAFF = (AppRole.INSTRUCTOR, AppRole.TEACHING_ASSISTANT)
INSTRUCTOR_ONLY = (AppRole.INSTRUCTOR,)
LEARNER = (AppRole.LEARNER,)


@dataclass(frozen=True)
class CourseScope:
    context: LtiContext
    course: CanvasCourse | None  # None until the course is connected to Canvas
    user: LtiUser
    is_staff: bool
    is_instructor: bool

    @property
    def canvas_user_id(self) -> str:
        return self.user.canvas_user_id


def course_view(
    roles: tuple[AppRole, ...],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Require a launch in a course with one of `roles`; pass the view a `CourseScope`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @lti_role_required(*roles)
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            lti = request.lti  # type: ignore[attr-defined]
            scope = CourseScope(
                context=lti.context,
                course=course_get_for_context(lti.context),
                user=lti.user,
                is_staff=bool(lti.roles & set(STAFF)),
                is_instructor=AppRole.INSTRUCTOR in lti.roles,
            )
            return view(request, *args, scope=scope, **kwargs)

        return wrapped

    return decorator


def job_report_visible(
    job: SubmissionJob, *, roles: frozenset[AppRole], canvas_user_id: str
) -> bool:
    """Who may open one job's report: the course's staff, and the student who
    submitted it once it is released (a held report waits for the instructor)."""
    if roles & set(STAFF):
        return True
    is_student = bool(canvas_user_id) and canvas_user_id == job.canvas_user_id
    return is_student and job.state != SubmissionJob.State.HELD
