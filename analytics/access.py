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

from django.http import HttpResponse

from canvas_pipeline.models import CanvasCourse
from canvas_pipeline.selectors import course_get_for_context
from lti_tool.claims import AppRole
from lti_tool.decorators import lti_role_required
from lti_tool.models import LtiContext, LtiUser
from lti_tool.sessions import LtiRequest

STAFF = (AppRole.INSTRUCTOR, AppRole.TEACHING_ASSISTANT)
INSTRUCTOR_ONLY = (AppRole.INSTRUCTOR,)
LEARNER = (AppRole.LEARNER,)


@dataclass(frozen=True)
class CourseScope:
    """Who is looking, from where: what analytics.selectors.access scopes every report by."""

    context: LtiContext
    course: CanvasCourse | None  # None until the course is connected to Canvas
    user: LtiUser
    is_staff: bool
    is_instructor: bool
    is_admin: bool = False

    @property
    def canvas_user_id(self) -> str:
        return self.user.canvas_user_id


def scope_for_launch(lti: Any, *, course: CanvasCourse | None = None) -> CourseScope:
    """The scope of a course launch (`request.lti`); `course` when the caller knows it."""
    if lti.context is None:
        raise ValueError("a course scope needs a launch from a course")
    return CourseScope(
        context=lti.context,
        course=course or course_get_for_context(lti.context),
        user=lti.user,
        is_staff=bool(lti.roles & set(STAFF)),
        is_instructor=AppRole.INSTRUCTOR in lti.roles,
        is_admin=AppRole.ADMINISTRATOR in lti.roles,
    )


def course_view(
    roles: tuple[AppRole, ...],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Require a launch in a course with one of `roles`; pass the view a `CourseScope`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @lti_role_required(*roles)
        @wraps(view)
        def wrapped(request: LtiRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            scope = scope_for_launch(request.lti)
            return view(request, *args, scope=scope, **kwargs)

        return wrapped

    return decorator
