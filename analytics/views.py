"""Course and learner pages inside the Canvas iframe. Minimal until the
dashboards issue (#8) fills them; access is checked by lti_role_required."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lti_tool.claims import AppRole
from lti_tool.decorators import lti_role_required


@lti_role_required(AppRole.INSTRUCTOR, AppRole.TEACHING_ASSISTANT)
def course(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/course.html")


@lti_role_required(AppRole.LEARNER)
def my_feedback(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/my_feedback.html")
